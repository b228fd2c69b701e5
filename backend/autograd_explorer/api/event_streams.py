"""The event streams as /openapi.json declares them: text/event-stream, each event's name and data.

OpenAPI 3.1 has no word for a stream of events. FastAPI writes its own streams (fastapi/sse.py) in
the form OpenAPI 3.2 gives them, so we do too: the media type's `itemSchema` is one schema per
event, `{event, data, id, retry}` as EventSource parses them, and `data` is a string of JSON whose
schema (`contentSchema`) is a component a client already has (`Model`, `RoomState` …).
Our streams are written by hand (ids are curve indices or room versions, keep-alive comments), so
each is declared here, once: its route takes `answer()`, and openapi.publish() adds every data
model it names to the components.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from autograd_explorer.api.schema_names import REF
from autograd_explorer.api.schemas.models import ModelOut, TrainingProgress
from autograd_explorer.api.schemas.rooms import RoomStateIn

# Python names: openapi.publish() gives every component its published name and rewrites these refs.
# Each stream opens with `retry: 1000` alone: how long EventSource waits before it reconnects.
RETRY = {
    "title": "retry",
    "type": "object",
    "properties": {"retry": {"type": "integer", "minimum": 0, "description": "reconnect delay, ms"}},
    "required": ["retry"],
}
EMPTY_OBJECT = {"type": "object", "maxProperties": 0}


@dataclass(frozen=True)
class StreamEvent:
    """One kind of event: its name, its `data` (a model, or None for `{}`), and whether it has an id."""

    name: str
    about: str
    data: type[BaseModel] | None
    id_is: str | None = None  # what its SSE id is (EventSource sends it back as Last-Event-ID); None: none

    def schema(self) -> dict[str, Any]:
        """The event as EventSource parses it, its data's JSON schema as `contentSchema`."""
        data = EMPTY_OBJECT if self.data is None else {"$ref": REF + self.data.__name__}
        properties: dict[str, Any] = {
            "event": {"const": self.name},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        }
        if self.id_is is not None:
            properties["id"] = {"type": "string", "pattern": "^[0-9]+$", "description": self.id_is}
        return {
            "title": self.name,
            "description": self.about,
            "type": "object",
            "properties": properties,
            "required": ["event", "data"],
        }


@dataclass(frozen=True)
class EventStream:
    """The events one stream sends, and what it does besides (comments, when it ends)."""

    about: str
    events: tuple[StreamEvent, ...]

    def answer(self) -> dict[int | str, dict[str, Any]]:
        """The 200 of the stream's route (`responses=`): text/event-stream with one schema per event."""
        names = ", ".join(f"`{e.name}`" for e in self.events)
        about = f"text/event-stream of {names} events (itemSchema: one per event). {self.about}"
        return {
            200: {
                "description": about,
                "content": {
                    "text/event-stream": {
                        "schema": {"type": "string"},
                        "itemSchema": {"oneOf": [RETRY, *(e.schema() for e in self.events)]},
                    }
                },
            }
        }

    def data_models(self) -> list[type[BaseModel]]:
        """The models of the events' data (components the schema must publish)."""
        return [e.data for e in self.events if e.data is not None]


TRAINING_EVENTS = EventStream(
    about="Ends after `end`, or quietly after events_stream_seconds (EventSource reconnects and "
    "resumes with Last-Event-ID).",
    events=(
        StreamEvent(
            "progress",
            "the job's status and progress, and the curve points since the last event (when either changed)",
            TrainingProgress,
            id_is="the index of the last curve point sent (absent until the first point)",
        ),
        StreamEvent(
            "end",
            "the job finished: its record with the whole curve, as GET /api/models/{model_id}",
            ModelOut,
        ),
    ),
)
ROOM_EVENTS = EventStream(
    about="Without Last-Event-ID the current state comes first; `: keep-alive` comments every "
    "rooms_keepalive_seconds; ends after rooms_stream_seconds (EventSource reconnects and resumes "
    "with Last-Event-ID), or with `ended`.",
    events=(
        StreamEvent(
            "state",
            "the state the lecturer shared (newest only, if several came while this follower was busy)",
            RoomStateIn,
            id_is="the room's version",
        ),
        StreamEvent("ended", "the room closed (its lecturer ended it, or it expired): stop following", None),
    ),
)
EVENT_STREAMS = (TRAINING_EVENTS, ROOM_EVENTS)
