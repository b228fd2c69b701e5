"""Domain errors mapped to HTTP in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError

from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramError,
)

log = logging.getLogger("autograd_explorer.api")

# error class -> (HTTP status, detail type); ProgramError carries its own type.
STATUS_OF: dict[type[ExplorerError], tuple[int, str]] = {
    ProgramError: (400, "program"),
    InvalidRequest: (400, "invalid"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    Overloaded: (503, "overloaded"),
    DataUnavailable: (503, "data_unavailable"),
}


def error_response(exc: ExplorerError) -> SafeJSONResponse:
    """The one JSON shape of every domain error: {"detail": {"type", "message", ...}}."""
    status, kind = next((v for cls, v in STATUS_OF.items() if isinstance(exc, cls)), (400, "invalid"))
    headers: dict[str, str] = {}
    if isinstance(exc, ProgramError):
        detail = exc.as_detail()
    else:
        detail = {"type": kind, "message": str(exc)}
        if isinstance(exc, InvalidRequest) and exc.field:
            detail["field"] = exc.field
        if isinstance(exc, Overloaded):
            headers["Retry-After"] = str(exc.retry_after)
    return SafeJSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping; the core never raises HTTPException."""

    @app.exception_handler(ExplorerError)
    async def explorer_error(request: Request, exc: ExplorerError) -> SafeJSONResponse:
        log.info("%s %s refused: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        # FastAPI's own handler echoes the input with the stdlib encoder: a NaN or 1e309 in the
        # body (Python's JSON parser accepts both) became a 500. Same 422 body, made JSON-safe.
        # SafeJSONResponse also writes integers beyond 64 bits as text ("steps": 10**22 was a 500).
        return SafeJSONResponse(status_code=422, content={"detail": jsonable_encoder(exc.errors())})
