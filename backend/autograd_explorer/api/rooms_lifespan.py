"""Start-up of follow mode: the rooms service over the backend the settings choose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from autograd_explorer.rooms.backend import RoomBackend
from autograd_explorer.rooms.memory import MemoryRoomBackend
from autograd_explorer.rooms.service import Rooms
from autograd_explorer.settings import Settings


def room_backend(settings: Settings) -> RoomBackend:
    """In this process by default; on Redis when the app runs as several replicas."""
    if settings.broker_url is not None:
        from autograd_explorer.rooms.redis_backend import RedisRoomBackend  # redis only when asked for

        return RedisRoomBackend(settings.broker_url.get_secret_value())
    return MemoryRoomBackend(settings.rooms_max_open)


@asynccontextmanager
async def rooms_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """`app.state.rooms` while the app serves; closing it ends every follower's stream."""
    settings: Settings = app.state.settings
    rooms = Rooms(
        room_backend(settings),
        max_state_bytes=settings.rooms_max_state_bytes,
        idle_seconds=settings.rooms_idle_seconds,
    )
    app.state.rooms = rooms
    try:
        yield
    finally:
        await rooms.close()
