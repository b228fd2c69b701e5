"""Rooms: a lecturer shares a page's state, students follow it. Codes, tokens and limits; no HTTP here.

A code is six characters from an alphabet without look-alikes (no 0/O, 1/I/L), read aloud or off a
projector: 31^6 ≈ 900 million codes, drawn with `secrets`. The lecturer token is 256 random bits;
only its SHA-256 is kept (a random token needs no slow hash). The state is whatever JSON the pages
agree on, stored as compact one-line JSON (it travels as one SSE `data:` line). Nothing about the
followers is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator

from autograd_explorer.errors import Forbidden, InvalidRequest, NotFound, Overloaded, TooLarge
from autograd_explorer.rooms.backend import RoomBackend

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
_DRAWS = 20  # a taken code is drawn again; 20 misses in a row means the code space is full


def normalize_code(text: str) -> str:
    """A typed code as stored: upper case, spaces and dashes dropped; InvalidRequest when malformed."""
    code = re.sub(r"[\s-]", "", text).upper()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidRequest(
            f"A room code is {CODE_LENGTH} characters from {ALPHABET}; got {text[:24]!r}", "code"
        )
    return code


def digest(token: str) -> str:
    """What the backend keeps of a lecturer token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Rooms:
    """Open rooms, publish a lecturer's state, read and follow it, over any RoomBackend."""

    def __init__(self, backend: RoomBackend, *, max_state_bytes: int, idle_seconds: float) -> None:
        self.backend = backend
        self.max_state_bytes = max_state_bytes
        self.idle_seconds = idle_seconds

    async def open(self) -> tuple[str, str]:
        """A new room: its code and the lecturer token (shown this once)."""
        token = secrets.token_urlsafe(32)
        for _ in range(_DRAWS):
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            if await self.backend.create(code, digest(token), self.idle_seconds):
                return code, token
        raise Overloaded("No free room code was found; try again.", retry_after=1)

    async def publish(self, code: str, token: str | None, state: bytes) -> int:
        """Set the room's state (compact JSON); the new version. 404, 403 or 413 when refused."""
        await self._authorize(code, token)
        if len(state) > self.max_state_bytes:
            raise TooLarge(
                f"The room's state is {len(state)} bytes; at most {self.max_state_bytes} "
                "(setting rooms_max_state_bytes).",
                self.max_state_bytes,
            )
        version = await self.backend.put_state(code, state, self.idle_seconds)
        if version == 0:
            raise self.missing(code)
        return version

    async def end(self, code: str, token: str | None) -> None:
        """Close the room now (the lecturer's "End room"): its followers get `ended`. 404 or 403."""
        await self._authorize(code, token)
        if not await self.backend.delete(code):
            raise self.missing(code)  # it expired, or another tab ended it, a moment ago

    async def _authorize(self, code: str, token: str | None) -> None:
        """NotFound for no such room, Forbidden unless `token` is its lecturer token."""
        stored = await self.backend.token_digest(code)
        if stored is None:
            raise self.missing(code)
        if not token or not hmac.compare_digest(digest(token), stored):
            raise Forbidden(
                f"Only the lecturer token of room {code} (returned by POST /api/rooms) drives it: send it "
                "as Authorization: Bearer <token>."
            )

    async def current(self, code: str) -> tuple[int, bytes]:
        """(version, state) now; NotFound for an unknown or expired room."""
        found = await self.backend.get_state(code)
        if found is None:
            raise self.missing(code)
        return found

    def follow(self, code: str, after_version: int) -> AsyncIterator[tuple[int, bytes]]:
        """Every newer (version, state) as it comes; ends when the room is gone."""
        return self.backend.follow(code, after_version)

    async def close(self) -> None:
        await self.backend.close()

    @staticmethod
    def missing(code: str) -> NotFound:
        # 404, not 410, once ended: nothing is kept of a closed room, so "ended" and "never existed"
        # cannot be told apart (and a student typing a stale code needs the same answer either way).
        return NotFound(
            f"No room {code}: it never existed, its lecturer ended it, or it closed after its idle time."
        )
