"""Schemas of follow mode: a room's code and token, and the state a lecturer shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, JsonValue

from autograd_explorer.rooms.service import ALPHABET, CODE_LENGTH


class RoomCreated(BaseModel):
    """201 answer: the room's code (students type it or open /#room=CODE) and the lecturer token."""

    code: str = Field(description=f"{CODE_LENGTH} characters from {ALPHABET}")
    token: str = Field(
        description="shown only here (the server keeps a hash): send it as Authorization: Bearer <token> "
        "with PUT /api/rooms/{code}/state"
    )


class RoomStateIn(BaseModel):
    """What a lecturer's page shares: which page, and that page's own state (JSON it agrees on)."""

    page: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$", description="explorer, optimize, models…"
    )
    state: dict[str, JsonValue] = Field(description="the page's state; size-limited (rooms_max_state_bytes)")


class RoomStateOut(BaseModel):
    """A room's current state: version 0 and state null before the lecturer's first PUT."""

    code: str
    version: int = Field(ge=0, description="grows by one on every PUT; the SSE id of the events")
    state: Any = Field(description="the last RoomStateIn as sent, or null")


class RoomVersion(BaseModel):
    """A PUT's answer: the version the state got."""

    version: int = Field(ge=1)
