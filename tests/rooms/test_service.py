"""The rooms service over the in-process backend: codes, tokens, limits, versions, following, expiry."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest

from autograd_explorer.errors import Forbidden, InvalidRequest, NotFound, Overloaded, TooLarge
from autograd_explorer.rooms.memory import MemoryRoomBackend
from autograd_explorer.rooms.service import ALPHABET, Rooms, normalize_code


def make(max_rooms: int = 100, idle: float = 60.0, max_bytes: int = 1_000) -> Rooms:
    return Rooms(MemoryRoomBackend(max_rooms), max_state_bytes=max_bytes, idle_seconds=idle)


def test_codes_are_short_and_unambiguous_and_tokens_are_kept_as_digests() -> None:
    async def scenario() -> None:
        rooms = make(max_rooms=500)
        opened = [await rooms.open() for _ in range(300)]
        codes = [code for code, _ in opened]
        assert len(set(codes)) == 300
        assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code) for code in codes)
        assert not set("01ILO") & set(ALPHABET)
        code, token = opened[0]
        stored = await rooms.backend.token_digest(code)
        assert stored == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(stored) and len(token) >= 40

    asyncio.run(scenario())


def test_only_the_lecturer_token_publishes_and_versions_grow_by_one() -> None:
    async def scenario() -> None:
        rooms = make()
        code, token = await rooms.open()
        other_code, other_token = await rooms.open()
        assert await rooms.current(code) == (0, b"null")
        for wrong in (None, "", other_token, token + "x"):
            with pytest.raises(Forbidden, match="Authorization: Bearer"):
                await rooms.publish(code, wrong, b'{"a":1}')
        assert await rooms.publish(code, token, b'{"a":1}') == 1
        assert await rooms.publish(code, token, b'{"a":2}') == 2
        assert await rooms.current(code) == (2, b'{"a":2}')
        assert await rooms.current(other_code) == (0, b"null")  # rooms are apart
        with pytest.raises(NotFound, match="No room 222222"):
            await rooms.publish("222222", token, b"{}")
        with pytest.raises(NotFound):
            await rooms.current("222222")

    asyncio.run(scenario())


def test_a_state_above_the_setting_is_refused_with_the_limit() -> None:
    async def scenario() -> None:
        rooms = make(max_bytes=1_000)
        code, token = await rooms.open()
        assert await rooms.publish(code, token, b"x" * 1_000) == 1
        with pytest.raises(TooLarge, match="1001 bytes; at most 1000") as refused:
            await rooms.publish(code, token, b"x" * 1_001)
        assert refused.value.limit == 1_000
        assert await rooms.current(code) == (1, b"x" * 1_000)  # unchanged

    asyncio.run(scenario())


def test_typed_codes_are_normalized_and_malformed_ones_refused() -> None:
    assert normalize_code("abc-def") == "ABCDEF"
    assert normalize_code(" 23 45 67 ") == "234567"
    for bad in ("ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI", "ABCDÉF", ""):
        with pytest.raises(InvalidRequest, match="6 characters"):
            normalize_code(bad)


def test_followers_get_each_version_or_only_the_latest_when_busy() -> None:
    async def scenario() -> None:
        rooms = make()
        code, token = await rooms.open()
        follower = rooms.follow(code, 0)
        receiving = asyncio.ensure_future(anext(follower))
        await asyncio.sleep(0.01)
        assert not receiving.done()  # nothing shared yet
        await rooms.publish(code, token, b"1")
        assert await asyncio.wait_for(receiving, 1) == (1, b"1")
        # Busy while two more came: only the latest arrives.
        await rooms.publish(code, token, b"2")
        await rooms.publish(code, token, b"3")
        assert await asyncio.wait_for(anext(follower), 1) == (3, b"3")
        # Resuming after version 1 gives the current one at once.
        late = rooms.follow(code, 1)
        assert await asyncio.wait_for(anext(late), 1) == (3, b"3")
        # Closing the rooms ends every follower.
        waiting = asyncio.ensure_future(anext(follower))
        await rooms.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 1)

    asyncio.run(scenario())


def test_three_hundred_followers_all_get_the_put() -> None:
    async def scenario() -> None:
        rooms = make()
        code, token = await rooms.open()
        followers = [rooms.follow(code, 0) for _ in range(300)]
        pending = [asyncio.ensure_future(anext(f)) for f in followers]
        await asyncio.sleep(0.01)
        await rooms.publish(code, token, b'{"step":4}')
        got = await asyncio.wait_for(asyncio.gather(*pending), 5)
        assert got == [(1, b'{"step":4}')] * 300

    asyncio.run(scenario())


def test_an_idle_room_expires_and_its_followers_end_while_a_driven_one_lives() -> None:
    async def scenario() -> None:
        rooms = make(idle=0.3)
        code, token = await rooms.open()
        driven, driven_token = await rooms.open()
        follower = rooms.follow(code, 0)
        ended = asyncio.ensure_future(anext(follower))
        for _ in range(4):  # 0.4 s in all, driven every 0.1 s
            await asyncio.sleep(0.1)
            await rooms.publish(driven, driven_token, b"{}")
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(ended, 2)
        with pytest.raises(NotFound):
            await rooms.current(code)
        with pytest.raises(NotFound):
            await rooms.publish(code, token, b"{}")
        assert (await rooms.current(driven))[0] == 4

    asyncio.run(scenario())


def test_open_rooms_are_capped_and_expired_ones_make_room() -> None:
    async def scenario() -> None:
        rooms = make(max_rooms=2, idle=0.2)
        await rooms.open()
        await rooms.open()
        with pytest.raises(Overloaded, match="rooms_max_open"):
            await rooms.open()
        await asyncio.sleep(0.25)
        code, _ = await rooms.open()  # the two idle ones expired
        assert await rooms.current(code) == (0, b"null")

    asyncio.run(scenario())


def test_a_taken_code_is_not_created_twice() -> None:
    async def scenario() -> None:
        backend = MemoryRoomBackend(10)
        assert await backend.create("ABCDEF", "d1", 60)
        assert not await backend.create("ABCDEF", "d2", 60)
        assert await backend.token_digest("ABCDEF") == "d1"

    asyncio.run(scenario())


def test_the_lecturer_ends_a_room_its_followers_end_and_its_code_is_gone() -> None:
    async def scenario() -> None:
        rooms = make()
        code, token = await rooms.open()
        other, _ = await rooms.open()
        await rooms.publish(code, token, b"1")
        followers = [rooms.follow(code, 1) for _ in range(3)]  # all waiting for a newer version
        waiting = [asyncio.ensure_future(anext(f)) for f in followers]
        await asyncio.sleep(0.01)
        with pytest.raises(Forbidden):
            await rooms.end(code, "not the token")
        with pytest.raises(Forbidden):
            await rooms.end(code, None)
        assert not any(w.done() for w in waiting)  # a refused end changes nothing
        await rooms.end(code, token)
        for w in waiting:
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(w, 1)
        for attempt in (rooms.current(code), rooms.publish(code, token, b"2"), rooms.end(code, token)):
            with pytest.raises(NotFound, match="its lecturer ended it"):
                await attempt
        assert [item async for item in rooms.follow(code, 0)] == []  # a late follower ends at once
        assert await rooms.current(other) == (0, b"null")  # other rooms live on

    asyncio.run(scenario())
