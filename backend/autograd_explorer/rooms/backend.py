"""The rooms' storage and broadcast seam: one in-process backend (the embedded default), one on Redis.

A room is a short code, the digest of its lecturer token, and the latest shared state (JSON bytes) with a
version that grows by one on every PUT. Followers read the current state and then every newer version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class RoomBackend(Protocol):
    async def create(self, code: str, token_digest: str, idle_seconds: float) -> bool:
        """Make a room; False if the code is taken (the caller draws another)."""

    async def token_digest(self, code: str) -> str | None:
        """The lecturer token's digest, or None if there is no such room (or it expired)."""

    async def put_state(self, code: str, state: bytes, idle_seconds: float) -> int:
        """Store the new state, refresh the idle timer, wake every follower; the new version."""

    async def get_state(self, code: str) -> tuple[int, bytes] | None:
        """(version, state) now; version 0 with b"null" before the first PUT; None if no room."""

    async def delete(self, code: str) -> bool:
        """Close the room now (the lecturer ended it): its followers' streams end; False if no room."""

    def follow(self, code: str, after_version: int) -> AsyncIterator[tuple[int, bytes]]:
        """Every (version, state) newer than after_version, as they come (only the latest if several
        arrived while the follower was busy); ends when the room is gone (deleted or expired)."""

    async def close(self) -> None:
        """Release connections and wake followers so their streams end."""
