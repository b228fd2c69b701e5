"""/api/rooms: follow mode. A lecturer opens a room and shares a page's state; students follow it live."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from autograd_explorer.api.deps import LastEventIdHeader, SettingsDep
from autograd_explorer.api.errors import answers
from autograd_explorer.api.event_streams import ROOM_EVENTS
from autograd_explorer.api.responses import event_stream
from autograd_explorer.api.schemas.rooms import RoomCreated, RoomStateIn, RoomStateOut, RoomVersion
from autograd_explorer.errors import Forbidden, InvalidRequest, NotFound, Overloaded, TooLarge
from autograd_explorer.jobs.events import resume_after
from autograd_explorer.jsonsafe import dumps, sanitize
from autograd_explorer.rooms.service import Rooms, normalize_code

router = APIRouter(prefix="/api/rooms", tags=["rooms"])
bearer = HTTPBearer(auto_error=False, description="the lecturer token from POST /api/rooms")


def get_rooms(request: Request) -> Rooms:
    """The app's rooms (made at start-up, api/readiness.py)."""
    rooms: Rooms = request.app.state.rooms
    return rooms


RoomsDep = Annotated[Rooms, Depends(get_rooms)]


def room_code(code: Annotated[str, Path(description="the room's code", max_length=24)]) -> str:
    """The path's code, normalized (lower case and dashes are accepted); 400 when malformed."""
    return normalize_code(code)


CodeDep = Annotated[str, Depends(room_code)]


@router.post("", status_code=201, response_model=RoomCreated, responses=answers(Overloaded))
async def open_room(rooms: RoomsDep, response: Response) -> RoomCreated:
    """Open a room; 201 with its code and the lecturer token (shown this once)."""
    code, token = await rooms.open()
    response.headers["Location"] = f"{router.prefix}/{code}"
    return RoomCreated(code=code, token=token)


@router.put(
    "/{code}/state",
    response_model=RoomVersion,
    responses=answers(InvalidRequest, Forbidden, NotFound, TooLarge),
)
async def put_room_state(
    code: CodeDep,
    body: RoomStateIn,
    rooms: RoomsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> RoomVersion:
    """Share a new state with every follower (only with the room's lecturer token; 403 otherwise)."""
    state = dumps(sanitize(body.model_dump(mode="json")))
    version = await rooms.publish(code, credentials.credentials if credentials else None, state)
    return RoomVersion(version=version)


@router.delete("/{code}", status_code=204, responses=answers(InvalidRequest, Forbidden, NotFound))
async def end_room(
    code: CodeDep,
    rooms: RoomsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Response:
    """End the lecture: the room closes at once and every follower's stream gets `ended` (lecturer
    token only; 403 otherwise). Afterwards the room answers 404 like any unknown code."""
    await rooms.end(code, credentials.credentials if credentials else None)
    return Response(status_code=204)


@router.get("/{code}", response_model=RoomStateOut, responses=answers(InvalidRequest, NotFound))
async def get_room(code: CodeDep, rooms: RoomsDep) -> RoomStateOut:
    """The room's current state (what "Rejoin" jumps to)."""
    version, state = await rooms.current(code)
    return RoomStateOut(code=code, version=version, state=orjson.loads(state))


@router.get(
    "/{code}/events",
    response_class=StreamingResponse,
    responses=answers(InvalidRequest, NotFound) | ROOM_EVENTS.answer(),
)
async def room_events(
    code: CodeDep,
    rooms: RoomsDep,
    settings: SettingsDep,
    last_event_id: LastEventIdHeader = None,  # the last version received
) -> StreamingResponse:
    """text/event-stream: a `state` event per version (id = version, data = the shared state), newest only.

    Without Last-Event-ID the current state comes first (if the lecturer has shared one). `ended`
    ends the stream of a closed room (its lecturer ended it, or it expired); otherwise it ends after
    rooms_stream_seconds and the browser reconnects, resuming from its last version.
    """
    after = max(resume_after(last_event_id), 0)  # 400 naming the header before the stream starts
    await rooms.current(code)  # 404 before the stream starts
    stream = _events(
        rooms,
        code,
        after,
        max_seconds=settings.rooms_stream_seconds,
        keepalive_seconds=settings.rooms_keepalive_seconds,
    )
    return event_stream(stream)


async def _events(
    rooms: Rooms, code: str, after: int, *, max_seconds: float, keepalive_seconds: float
) -> AsyncIterator[bytes]:
    """The SSE text of the room's newer versions, with keep-alive comments, for at most `max_seconds`.

    A quiet spell cancels the wait (asyncio.timeout around the wait alone, never around a yield:
    no task per event, and 300 followers wake on every PUT); a comment goes out and following
    starts again after the last version sent, so nothing is lost. Starlette cancels this
    generator when the client goes away.
    """
    deadline = time.monotonic() + max_seconds
    updates: AsyncIterator[tuple[int, bytes]] | None = None
    yield b"retry: 1000\n\n"
    try:
        while (left := deadline - time.monotonic()) > 0:
            if updates is None:
                updates = rooms.follow(code, after)
            try:
                async with asyncio.timeout(min(keepalive_seconds, left)):
                    version, state = await anext(updates)
            except TimeoutError:
                await _close(updates)
                updates = None
                yield b": keep-alive\n\n"
                continue
            except StopAsyncIteration:
                yield b"event: ended\ndata: {}\n\n"  # the room closed: the browser stops following
                return
            after = version
            yield b"id: %d\nevent: state\ndata: %s\n\n" % (version, state)
    finally:
        if updates is not None:
            await _close(updates)


async def _close(updates: AsyncIterator[tuple[int, bytes]]) -> None:
    aclose = getattr(updates, "aclose", None)
    if aclose is not None:
        await aclose()
