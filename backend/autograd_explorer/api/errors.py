"""Domain errors mapped to HTTP in one place, and declared in the schema from the same table."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.api.schemas.errors import Error
from autograd_explorer.errors import (
    Conflict,
    DataUnavailable,
    ExplorerError,
    Forbidden,
    InvalidRequest,
    NotFound,
    Overloaded,
    ProgramError,
    TooLarge,
    Unauthorized,
)

log = logging.getLogger("autograd_explorer.api")

# error class -> (HTTP status, detail type); ProgramError carries its own type.
STATUS_OF: dict[type[ExplorerError], tuple[int, str]] = {
    ProgramError: (400, "program"),
    InvalidRequest: (400, "invalid"),
    Unauthorized: (401, "unauthorized"),
    Forbidden: (403, "forbidden"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    TooLarge: (413, "too_large"),
    Overloaded: (503, "overloaded"),
    DataUnavailable: (503, "data_unavailable"),
}


def answers(*errors: type[ExplorerError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may raise `errors`: each status with the one error body.

    The statuses every route shares (422, 413, 503 …) are added to the schema by api/openapi.py.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for cls in errors:
        status, kind = STATUS_OF[cls]
        kind = "syntax, forbidden, limit, runtime, autograd" if cls is ProgramError else kind
        about = f"{kind}: {(cls.__doc__ or '').strip().splitlines()[0]}"
        entry = responses.setdefault(status, {"model": Error, "description": ""})
        entry["description"] = f"{entry['description']}; {about}" if entry["description"] else about
    return responses


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
        if isinstance(exc, TooLarge):
            detail["limit"] = exc.limit
        if isinstance(exc, Overloaded):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = "Bearer"
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
            allowed = ", ".join(allowed_methods(request)) or (exc.headers or {}).get("Allow", "")
            headers = {**(exc.headers or {}), "Allow": allowed}
            message = (
                f"{request.url.path} does not answer {request.method}; it answers {allowed or 'no method'}."
            )
            return SafeJSONResponse(
                status_code=405, content=_body("method_not_allowed", message), headers=headers
            )
        elif message == UNPARSABLE_BODY:
            message = (
                "The request body could not be parsed as JSON: it is nested too deeply or holds a "
                "number with too many digits."
            )
        detail = {"type": HTTP_TYPES.get(exc.status_code, "http_error"), "message": message}
    return SafeJSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)


def _body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"detail": {"type": kind, "message": message, **extra}}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in getattr(request.app.state, "api_routes", request.app.router.routes):
        route_methods: Iterable[str] | None = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods.update(route_methods)
    return sorted(methods)


def validation_body(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A 422 in the one shape: the first problem as the message, every problem under `errors`.

    The offending input is not echoed: it may be megabytes, or a NaN JSON cannot carry.
    """
    issues = [{"loc": list(e["loc"]), "msg": str(e["msg"]), "type": str(e["type"])} for e in errors]
    first = issues[0] if issues else {"loc": ["body"], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(issues) - 1} more problems: see errors)" if len(issues) > 1 else ""
    return _body("validation", f"{where}: {first['msg']}{more}", errors=issues)


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
        # FastAPI's own handler echoed the input with the stdlib encoder: a NaN or 1e309 in the
        # body (Python's JSON parser accepts both) became a 500. Ours names the fields, not the input.
        return SafeJSONResponse(status_code=422, content=validation_body(exc.errors()))
