"""The embedded rooms backend: rooms in this process's memory, followers woken by asyncio events.

Enough for one app process (the classroom default); with several replicas every replica must see
every PUT, which is what the Redis backend is for. Expiry is lazy: a room idle past its deadline
is dropped when anybody next touches it, and its followers notice within one idle period.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from autograd_explorer.errors import Overloaded


@dataclass
class _Room:
    token_digest: str
    expires: float
    version: int = 0
    state: bytes = b"null"
    gone: bool = False
    # Replaced on every change: a follower waits on the event of the version it has seen, so a
    # PUT between its check and its wait is never missed.
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class MemoryRoomBackend:
    """RoomBackend in one process; at most `max_rooms` live rooms (beyond: 503, never unbounded memory)."""

    def __init__(self, max_rooms: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_rooms = max_rooms
        self.clock = clock
        self._rooms: dict[str, _Room] = {}

    def _live(self, code: str) -> _Room | None:
        room = self._rooms.get(code)
        if room is not None and room.expires <= self.clock():
            self._drop(code, room)
            return None
        return room

    def _drop(self, code: str, room: _Room) -> None:
        room.gone = True
        room.wake()
        del self._rooms[code]

    def _sweep(self) -> None:
        now = self.clock()
        for code, room in [(c, r) for c, r in self._rooms.items() if r.expires <= now]:
            self._drop(code, room)

    async def create(self, code: str, token_digest: str, idle_seconds: float) -> bool:
        if self._live(code) is not None:
            return False
        if len(self._rooms) >= self.max_rooms:
            self._sweep()
            if len(self._rooms) >= self.max_rooms:
                raise Overloaded(
                    f"{self.max_rooms} rooms are already open (setting rooms_max_open); one closes after "
                    "its idle time (rooms_idle_seconds).",
                    retry_after=60,
                )
        self._rooms[code] = _Room(token_digest, self.clock() + idle_seconds)
        return True

    async def token_digest(self, code: str) -> str | None:
        room = self._live(code)
        return room.token_digest if room else None

    async def put_state(self, code: str, state: bytes, idle_seconds: float) -> int:
        room = self._live(code)
        if room is None:
            return 0  # the service checked the room a moment ago: it has just expired
        room.version += 1
        room.state = state
        room.expires = self.clock() + idle_seconds
        room.wake()
        return room.version

    async def get_state(self, code: str) -> tuple[int, bytes] | None:
        room = self._live(code)
        return (room.version, room.state) if room else None

    async def delete(self, code: str) -> bool:
        room = self._live(code)
        if room is None:
            return False
        self._drop(code, room)
        return True

    async def follow(self, code: str, after_version: int) -> AsyncIterator[tuple[int, bytes]]:
        room = self._live(code)
        while room is not None and not room.gone:
            if room.version > after_version:
                after_version = room.version
                yield room.version, room.state
                continue
            changed = room.changed
            # Wake at the idle deadline too, so the followers of a room nobody touches end.
            # asyncio.timeout, not wait_for: no task per wait (300 followers wake on every PUT).
            try:
                async with asyncio.timeout(max(room.expires - self.clock(), 0.0) + 0.01):
                    await changed.wait()
            except TimeoutError:
                room = self._live(code)

    async def close(self) -> None:
        for code, room in list(self._rooms.items()):
            self._drop(code, room)
