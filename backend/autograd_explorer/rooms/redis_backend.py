"""Rooms on Redis: any app replica creates, drives or streams any room (issue 15, scale-out).

A room is one hash `<prefix>room:<code>` {digest, version, state} whose TTL is the idle time
(every PUT renews it), and a pub/sub channel of the same name plus `:events` on which every PUT
publishes "<version>\\n<state>"; deleting the room (the lecturer ended it) publishes "ended". Creating,
PUTting and deleting are Lua scripts, so a version is never given twice, even by two replicas at once,
and no PUT lands after the end.

Each backend (one per app process) holds ONE pub/sub connection, whatever the number of
followers: a reader task fans each message out to the process's followers of that room, and
every follower keeps only the newest state it has not taken yet (a slow page skips versions,
it never queues them). The reader also notices what pub/sub alone cannot say: a room that
expired ends its followers' streams (checked every `gone_check_seconds`), and after Redis comes
back from a restart each follower is offered the state as Redis has it then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from autograd_explorer.errors import NotFound, Overloaded

log = logging.getLogger("autograd_explorer.rooms")

# KEYS[1] room hash; ARGV digest, idle ms. 1 if made, 0 if the code is taken.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'version', 0, 'state', 'null')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS[1] room hash, KEYS[2] its channel; ARGV state, idle ms. The new version, or -1 if no room.
_PUT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], version .. '\\n' .. ARGV[1])
return version
"""
# KEYS[1] room hash, KEYS[2] its channel. 1 if deleted (every replica's followers told), 0 if no room.
_DELETE = """
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('PUBLISH', KEYS[2], 'ended')
return 1
"""
_ENDED = b"ended"  # a channel message with no newline: not a state, the room's end
_CONTROL = "rooms:control"  # always subscribed: the reader's connection is never idle-unsubscribed


class _Slot:
    """One follower's mailbox: the newest (version, state) not taken yet, or the end."""

    def __init__(self) -> None:
        self.latest: tuple[int, bytes] | None = None
        self.ended = False
        self.ready = asyncio.Event()

    def offer(self, version: int, state: bytes) -> None:
        if self.latest is None or version > self.latest[0]:
            self.latest = (version, state)
            self.ready.set()

    def end(self) -> None:
        self.ended = True
        self.ready.set()

    async def take(self) -> tuple[int, bytes] | None:
        """The newest state, or None once the stream must end."""
        await self.ready.wait()
        self.ready.clear()
        if self.ended:
            return None
        item, self.latest = self.latest, None
        return item


class RedisRoomBackend:
    """The RoomBackend protocol (rooms/backend.py) on one Redis server, shared by every replica."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "autograd-explorer:",
        gone_check_seconds: float = 2.0,
        max_connections: int = 50,
    ) -> None:
        # A blocking pool: when a whole class opens its streams at once, each asks for the current
        # state; beyond `max_connections` those requests wait their turn (a few ms each) instead of
        # failing with "Too many connections" as the default pool does.
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=10)
        self._redis: Redis = Redis.from_pool(pool)
        self._prefix = prefix
        self._gone_check = gone_check_seconds
        self._create = self._redis.register_script(_CREATE)
        self._put = self._redis.register_script(_PUT)
        self._delete = self._redis.register_script(_DELETE)
        self._followers: dict[str, set[_Slot]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    # --- keys ----------------------------------------------------------------------------------
    def _key(self, code: str) -> str:
        return f"{self._prefix}room:{code}"

    def _channel(self, code: str) -> str:
        return f"{self._prefix}room:{code}:events"

    def _code_of(self, channel: bytes) -> str:
        return channel.decode()[len(self._prefix) + len("room:") : -len(":events")]

    # --- the protocol --------------------------------------------------------------------------
    async def create(self, code: str, token_digest: str, idle_seconds: float) -> bool:
        with _unavailable_is_503():
            made = await self._create(keys=[self._key(code)], args=[token_digest, _ms(idle_seconds)])
        return bool(made)

    async def token_digest(self, code: str) -> str | None:
        with _unavailable_is_503():
            digest = await self._redis.hget(self._key(code), "digest")
        return None if digest is None else _bytes(digest).decode()

    async def put_state(self, code: str, state: bytes, idle_seconds: float) -> int:
        with _unavailable_is_503():
            version = int(
                await self._put(keys=[self._key(code), self._channel(code)], args=[state, _ms(idle_seconds)])
            )
        if version < 0:
            raise NotFound(f"no room {code!r} (it may have expired)")
        return version

    async def get_state(self, code: str) -> tuple[int, bytes] | None:
        with _unavailable_is_503():
            return await self._state(code)

    async def _state(self, code: str) -> tuple[int, bytes] | None:
        """get_state raising RedisError (the reader and the followers handle it themselves)."""
        version, state = await self._redis.hmget(self._key(code), ["version", "state"])
        if version is None or state is None:
            return None
        return int(version), _bytes(state)

    async def delete(self, code: str) -> bool:
        with _unavailable_is_503():
            return bool(await self._delete(keys=[self._key(code), self._channel(code)]))

    async def follow(self, code: str, after_version: int) -> AsyncIterator[tuple[int, bytes]]:
        slot = _Slot()
        try:
            await self._add(code, slot)
            current = await self._state(code)  # after subscribing: nothing falls in between
        except RedisError:
            await self._remove(code, slot)
            if self._closed:  # closed while this follower started: end quietly, as the others do
                return
            raise
        try:
            if current is None:
                return
            slot.offer(*current)
            last = after_version
            while not self._closed:
                item = await slot.take()
                if item is None:
                    return
                if item[0] > last:
                    last = item[0]
                    yield item
        finally:
            await self._remove(code, slot)

    async def close(self) -> None:
        self._closed = True
        for slots in self._followers.values():
            for slot in slots:
                slot.end()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(RedisError):
                await self._pubsub.aclose()
        await self._redis.aclose()

    # --- the one subscriber ----------------------------------------------------------------------
    async def _add(self, code: str, slot: _Slot) -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub()
                await self._pubsub.subscribe(self._prefix + _CONTROL)
                self._reader = asyncio.create_task(self._read(self._pubsub), name="rooms-redis-reader")
            slots = self._followers.setdefault(code, set())
            if not slots:
                await self._pubsub.subscribe(self._channel(code))
            slots.add(slot)

    async def _remove(self, code: str, slot: _Slot) -> None:
        async with self._lock:
            slots = self._followers.get(code)
            if slots is None:
                return
            slots.discard(slot)
            if not slots:
                del self._followers[code]
                if self._pubsub is not None and not self._closed:
                    with contextlib.suppress(RedisError):
                        await self._pubsub.unsubscribe(self._channel(code))

    async def _read(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        next_check = loop.time() + self._gone_check
        broken = False
        while not self._closed:
            try:
                if broken:  # Redis came back: offer every follower the state it has now
                    await pubsub.ping()
                    broken = False
                    await self._refresh_all()
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                if message is not None and message.get("type") == "message":
                    self._deliver(message)
                if loop.time() >= next_check:
                    next_check = loop.time() + self._gone_check
                    await self._end_gone_rooms()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if not broken:
                    log.warning("rooms: lost Redis (%s); reconnecting", exc)
                broken = True
                await asyncio.sleep(0.2)

    def _deliver(self, message: dict[str, Any]) -> None:
        data = bytes(message["data"])
        slots = self._followers.get(self._code_of(message["channel"]), ())
        if data == _ENDED:
            for slot in slots:
                slot.end()
            return
        head, _, state = data.partition(b"\n")
        for slot in slots:
            slot.offer(int(head), state)

    async def _refresh_all(self) -> None:
        for code in list(self._followers):
            current = await self._state(code)
            for slot in list(self._followers.get(code, ())):
                if current is None:
                    slot.end()
                else:
                    slot.offer(*current)

    async def _end_gone_rooms(self) -> None:
        codes = list(self._followers)
        if not codes:
            return
        pipe = self._redis.pipeline(transaction=False)
        for code in codes:
            pipe.exists(self._key(code))
        for code, alive in zip(codes, await pipe.execute(), strict=True):
            if not alive:
                for slot in list(self._followers.get(code, ())):
                    slot.end()


@contextlib.contextmanager
def _unavailable_is_503() -> Iterator[None]:
    """Redis unreachable (restarting) or every pooled connection busy for 10 s: 503 with Retry-After."""
    try:
        yield
    except RedisError as exc:
        raise Overloaded(f"The rooms' Redis is not answering ({exc}); try again.", retry_after=1) from exc


def _bytes(value: bytes | str) -> bytes:
    # The client is made without decode_responses: Redis answers bytes (the str is for the types).
    return value if isinstance(value, bytes) else value.encode()


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
