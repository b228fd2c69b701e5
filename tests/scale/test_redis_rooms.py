"""The rooms' Redis backend against a real redis-server: two backends stand for two app replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from autograd_explorer.errors import NotFound, Overloaded
from autograd_explorer.rooms.backend import RoomBackend
from autograd_explorer.rooms.redis_backend import RedisRoomBackend
from tests.services import RedisServer

IDLE = 60.0


def run(redis: RedisServer, body: Callable[[RedisRoomBackend, RedisRoomBackend], Awaitable[None]]) -> None:
    """Run `body` with two backends on the same Redis (replica A and replica B), closed after."""

    async def main() -> None:
        a = RedisRoomBackend(redis.url, gone_check_seconds=0.2)
        b = RedisRoomBackend(redis.url, gone_check_seconds=0.2)
        try:
            await body(a, b)
        finally:
            await a.close()
            await b.close()

    asyncio.run(main())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_it_is_a_room_backend(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        backend: RoomBackend = a  # mypy checks the structural type
        assert await backend.get_state("nope") is None

    run(redis_server, body)


def test_create_once_then_put_and_get_from_any_replica(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        assert await a.create("ABC123", "d" * 64, IDLE)
        assert not await b.create("ABC123", "e" * 64, IDLE)  # taken: the caller draws another code
        assert await b.token_digest("ABC123") == "d" * 64
        assert await a.token_digest("NOROOM") is None
        assert await b.get_state("ABC123") == (0, b"null")
        assert [await a.put_state("ABC123", b'{"step": %d}' % i, IDLE) for i in (1, 2)] == [1, 2]
        assert await b.put_state("ABC123", b'{"step": 3}', IDLE) == 3
        assert await a.get_state("ABC123") == (3, b'{"step": 3}')
        with pytest.raises(NotFound, match="no room 'NOROOM'"):
            await a.put_state("NOROOM", b"{}", IDLE)

    run(redis_server, body)


def test_concurrent_puts_from_two_replicas_never_share_a_version(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("RACE01", "d", IDLE)
        versions = await asyncio.gather(
            *[(a if i % 2 else b).put_state("RACE01", b"%d" % i, IDLE) for i in range(40)]
        )
        assert sorted(versions) == list(range(1, 41))

    run(redis_server, body)


def test_a_follower_on_another_replica_sees_every_state_in_order(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("FOLLOW", "d", IDLE)
        await a.put_state("FOLLOW", b'"first"', IDLE)
        stream: AsyncIterator[tuple[int, bytes]] = b.follow("FOLLOW", 0)
        assert await anext(stream) == (1, b'"first"')  # the current state at once
        seen = []
        for i in range(2, 6):
            await a.put_state("FOLLOW", b'"s%d"' % i, IDLE)
            seen.append(await asyncio.wait_for(anext(stream), 10))
        assert seen == [(i, b'"s%d"' % i) for i in range(2, 6)]
        await stream.aclose()  # type: ignore[attr-defined]

    run(redis_server, body)


def test_a_resumed_follower_skips_what_it_has_and_a_busy_one_gets_only_the_latest(
    redis_server: RedisServer,
) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("RESUME", "d", IDLE)
        for i in range(1, 4):
            await a.put_state("RESUME", b"%d" % i, IDLE)
        resumed = b.follow("RESUME", 3)  # it has version 3: nothing until a newer one
        pending = asyncio.ensure_future(anext(resumed))
        await asyncio.sleep(0.2)
        assert not pending.done()
        await a.put_state("RESUME", b"4", IDLE)
        assert await asyncio.wait_for(pending, 10) == (4, b"4")
        # Busy (not reading) while five states arrive: the next read is the newest, not the oldest.
        for i in range(5, 10):
            await a.put_state("RESUME", b"%d" % i, IDLE)
        slots = b._followers["RESUME"]
        await until(lambda: all(s.latest is not None and s.latest[0] == 9 for s in slots))
        assert await asyncio.wait_for(anext(resumed), 10) == (9, b"9")
        await resumed.aclose()  # type: ignore[attr-defined]
        assert "RESUME" not in b._followers  # the last follower gone: unsubscribed

    run(redis_server, body)


def test_an_idle_room_expires_and_its_followers_streams_end(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("IDLE01", "d", 3.0)  # long enough to start following on a busy machine
        received = [item async for item in b.follow("IDLE01", -1)]  # ends by itself
        assert received == [(0, b"null")]
        assert await a.token_digest("IDLE01") is None and await a.get_state("IDLE01") is None
        assert [item async for item in b.follow("IDLE01", -1)] == []  # no room: nothing, at once

    run(redis_server, body)


def test_a_room_ended_on_one_replica_ends_the_streams_on_the_other_at_once(
    redis_server: RedisServer,
) -> None:
    async def main() -> None:
        # No periodic existence check within the test: the end must come by pub/sub.
        a = RedisRoomBackend(redis_server.url, gone_check_seconds=60)
        b = RedisRoomBackend(redis_server.url, gone_check_seconds=60)
        try:
            await a.create("ENDED1", "d", IDLE)
            await a.put_state("ENDED1", b"1", IDLE)
            followers = [b.follow("ENDED1", 1) for _ in range(3)]
            waiting = [asyncio.ensure_future(anext(f)) for f in followers]
            await until(lambda: len(b._followers.get("ENDED1", ())) == 3)
            assert await a.delete("ENDED1") is True
            for w in waiting:
                with pytest.raises(StopAsyncIteration):
                    await asyncio.wait_for(w, 2)
            assert await b.get_state("ENDED1") is None and await b.token_digest("ENDED1") is None
            assert await b.delete("ENDED1") is False  # ended twice, or never made
            with pytest.raises(NotFound):
                await b.put_state("ENDED1", b"2", IDLE)  # no PUT brings it back
            assert [item async for item in b.follow("ENDED1", 0)] == []
        finally:
            await a.close()
            await b.close()

    asyncio.run(main())


def test_more_requests_at_once_than_pooled_connections_wait_their_turn(redis_server: RedisServer) -> None:
    async def main() -> None:
        # A class opening its streams at once: with the default pool, the 3rd concurrent
        # request beyond max_connections failed with "Too many connections" (a 500).
        a = RedisRoomBackend(redis_server.url, max_connections=2)
        try:
            await a.create("BUSY01", "d", IDLE)
            states = await asyncio.gather(*(a.get_state("BUSY01") for _ in range(100)))
            assert states == [(0, b"null")] * 100
        finally:
            await a.close()

    asyncio.run(main())


def test_an_unreachable_redis_is_a_503_not_a_500(redis_server: RedisServer) -> None:
    async def main() -> None:
        a = RedisRoomBackend(redis_server.url)
        redis_server.stop()
        try:
            with pytest.raises(Overloaded, match="Redis is not answering") as refused:
                await a.get_state("DOWN01")
            assert refused.value.retry_after == 1
        finally:
            await a.close()

    asyncio.run(main())


def test_a_put_renews_the_idle_timer(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("RENEW1", "d", 0.6)
        for i in range(4):  # 1.2 s in all, each PUT well within the 0.6 s idle time
            await asyncio.sleep(0.3)
            await a.put_state("RENEW1", b"%d" % i, 0.6)
        assert await b.get_state("RENEW1") == (4, b"3")

    run(redis_server, body)


def test_close_ends_the_followers_streams(redis_server: RedisServer) -> None:
    async def main() -> None:
        a = RedisRoomBackend(redis_server.url)
        await a.create("CLOSE1", "d", IDLE)
        stream = a.follow("CLOSE1", 0)
        pending = asyncio.ensure_future(anext(stream, None))
        await asyncio.sleep(0.1)
        await a.close()
        assert await asyncio.wait_for(pending, 5) is None

    asyncio.run(main())


def test_followers_survive_a_redis_restart_and_get_the_state_after_it(redis_server: RedisServer) -> None:
    async def body(a: RedisRoomBackend, b: RedisRoomBackend) -> None:
        await a.create("REDIS1", "d", IDLE)
        await a.put_state("REDIS1", b"1", IDLE)
        stream = b.follow("REDIS1", 1)
        pending = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(redis_server.restart)  # the room survives: append-only file
        version = None
        for _ in range(50):  # the writer's own connection may need a retry or two after the restart
            try:
                version = await a.put_state("REDIS1", b"2", IDLE)
                break
            except Exception:
                await asyncio.sleep(0.1)
        assert version == 2
        assert await asyncio.wait_for(pending, 15) == (2, b"2")
        await stream.aclose()  # type: ignore[attr-defined]

    run(redis_server, body)
