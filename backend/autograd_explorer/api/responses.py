"""The app's response classes: JSON (orjson, numpy arrays, non-finite floats as strings), event streams."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, StreamingResponse
from starlette.responses import ContentStream

from autograd_explorer.jsonsafe import dumps, sanitize


class SafeJSONResponse(JSONResponse):
    """orjson rendering after `sanitize`, so NaN/inf never reach the wire as null or bare NaN."""

    def render(self, content: Any) -> bytes:
        return dumps(sanitize(content))


class PreparedJSONResponse(JSONResponse):
    """For payloads the core already built JSON-safe (the trace): no second walk over them.

    Walking a 5,000-node trace again cost more than building it.
    """

    def render(self, content: Any) -> bytes:
        return dumps(content)


# An event stream must reach the browser as it is written: not cached, and not held back by a
# proxy (nginx buffers a response unless X-Accel-Buffering says no), or a follower sees steps in bursts.
EVENT_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event_stream(events: ContentStream) -> StreamingResponse:
    """A text/event-stream answer of `events` (the rooms' and the training jobs' streams).

    The media type is given per answer, not on the route's response class: FastAPI declares a
    route's error answers in its class's media type, and those are JSON (api/event_streams.py
    declares the 200).
    """
    return StreamingResponse(events, media_type="text/event-stream", headers=EVENT_STREAM_HEADERS)
