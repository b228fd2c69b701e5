"""Domain errors mapped to HTTP in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    Forbidden,
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
    Forbidden: (403, "forbidden"),
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


# Starlette's own refusals (unknown path, wrong method, a body FastAPI could not decode) get the
# same shape as ours instead of a bare string; the type says which.
HTTP_TYPES = {400: "invalid", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
# FastAPI's words for a body json.loads gave up on (nesting beyond the recursion limit, an
# integer of more than 4,300 digits) say nothing a client can act on.
UNPARSABLE_BODY = "There was an error parsing the body"


def http_error_response(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
    """A framework-level HTTP error in the one shape: {"detail": {"type", "message"}}."""
    if isinstance(exc.detail, dict) and "type" in exc.detail:
        detail = dict(exc.detail)
    else:
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"Nothing is at {request.url.path}: see /docs for the API's routes."
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            message = (
                f"{request.url.path} does not answer {request.method}; it answers {allowed or 'no method'}."
            )
        elif message == UNPARSABLE_BODY:
            message = (
                "The request body could not be parsed as JSON: it is nested too deeply or holds a "
                "number with too many digits."
            )
        detail = {"type": HTTP_TYPES.get(exc.status_code, "http_error"), "message": message}
    return SafeJSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping; the core never raises HTTPException."""

    @app.exception_handler(ExplorerError)
    async def explorer_error(request: Request, exc: ExplorerError) -> SafeJSONResponse:
        log.info("%s %s refused: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
        return http_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        # FastAPI's own handler echoes the input with the stdlib encoder: a NaN or 1e309 in the
        # body (Python's JSON parser accepts both) became a 500. Same 422 body, made JSON-safe.
        # SafeJSONResponse also writes integers beyond 64 bits as text ("steps": 10**22 was a 500).
        return SafeJSONResponse(status_code=422, content={"detail": jsonable_encoder(exc.errors())})
