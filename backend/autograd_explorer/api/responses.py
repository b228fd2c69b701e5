"""The app's JSON response class: orjson, numpy arrays, non-finite floats as strings."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

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
