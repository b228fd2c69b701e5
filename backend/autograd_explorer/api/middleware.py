"""The app's edge: request ids and logs, security headers, CORS, a concurrency cap, a body limit.

Pure ASGI middleware (no BaseHTTPMiddleware: it buffers streams and breaks server-sent events).
Order, outermost first: RequestContext (id, access log, headers, last-resort 500) → CORS →
ConcurrencyLimit → GZip → BodySizeLimit → UnicodeBody → the app. GZip sits inside the concurrency
cap, so compressing a big answer holds the request's slot like the rest of its work.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autograd_explorer.jsonsafe import dumps
from autograd_explorer.logging_setup import configure_logging, request_id_var
from autograd_explorer.settings import Settings

log = logging.getLogger("autograd_explorer.api")
access_log = logging.getLogger("autograd_explorer.access")

REQUEST_ID_HEADER = "x-request-id"
# An incoming id is echoed only when it is short and plain: it ends up in every log line.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Always answered, even when the server is saturated: probes must not see "overloaded".
EXEMPT_FROM_CAP = frozenset({"/api/health", "/api/ready"})
# The one long-lived answer, GET /api/models/{id}/events (api/routes/models.py): it has its own cap
# (max_event_streams) instead of holding request slots for minutes. A test matches it to the route.
EVENT_STREAM_PATH = re.compile(r"/api/models/[^/]+/events")
# A room's stream (api/routes/rooms.py): a whole class follows one room, so rooms have a larger cap.
ROOM_STREAM_PATH = re.compile(r"/api/rooms/[^/]+/events")
# Methods whose body FastAPI may parse as JSON.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def send_json(
    send: Send, status: int, detail: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """Answer with `{"detail": detail}` directly on the ASGI channel."""
    body = dumps({"detail": detail})
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers added to every answer (static files included)."""
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"content-security-policy", settings.content_security_policy.encode()),
    ]


class RequestContextMiddleware:
    """Request id in and out, one JSON access line per request, security headers, last-resort 500."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER)
        request_id = incoming if incoming and _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                    *self.headers,
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Should never happen: every expected failure is a domain error with its own answer.
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if status == 0:
                status = 500
                await send_json(
                    send_with_headers,
                    500,
                    {
                        "type": "internal",
                        "message": "Internal server error; it has been logged.",
                        "request_id": request_id,
                    },
                )
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


class Slots:
    """A number of things allowed at once, and the words of the 503 beyond it."""

    def __init__(self, limit: int, what: str, setting: str) -> None:
        self.limit = limit
        self.what = what
        self.setting = setting
        self.in_use = 0  # one event loop: no lock needed between check and increment


class ConcurrencyLimitMiddleware:
    """At most `limit` API requests, `stream_limit` job and `room_stream_limit` room event streams at once.

    Beyond, 503 + Retry-After.

    Refused at once, never queued. Static files and the health and readiness probes are exempt.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        stream_limit: int,
        room_stream_limit: int = 1_000,
        retry_after: int = 1,
    ) -> None:
        self.app = app
        self.requests = Slots(limit, "requests are already running", "max_concurrent_requests")
        self.streams = Slots(stream_limit, "event streams are already open", "max_event_streams")
        self.room_streams = Slots(room_stream_limit, "room streams are already open", "rooms_max_streams")
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope):
            await self.app(scope, receive, send)
            return
        slots = self._slots(scope)
        if slots.in_use >= slots.limit:
            log.warning("overloaded: %d %s", slots.in_use, slots.what)
            await send_json(
                send,
                503,
                {
                    "type": "overloaded",
                    "message": f"The server is busy: {slots.limit} {slots.what} ({slots.setting}). "
                    f"Try again in {self.retry_after} s.",
                },
                {"Retry-After": str(self.retry_after)},
            )
            return
        slots.in_use += 1
        try:
            await self.app(scope, receive, send)
        finally:
            slots.in_use -= 1

    def _slots(self, scope: Scope) -> Slots:
        # By route, never by what the client says it accepts: any request can send Accept.
        if scope["method"] == "GET" and EVENT_STREAM_PATH.fullmatch(scope["path"]):
            return self.streams
        if scope["method"] == "GET" and ROOM_STREAM_PATH.fullmatch(scope["path"]):
            return self.room_streams
        return self.requests


class BodyTooLarge(Exception):
    """Raised from `receive` when the streamed body passes the limit."""


class BodySizeLimitMiddleware:
    """Refuse bodies above `limit` bytes with 413: by Content-Length up front, else while streaming.

    Before answering, the rest of the body is read and dropped (up to `drain_bytes`, for at most
    `drain_seconds`): a server that answers and closes while the client is still sending resets
    the connection, and urllib, requests and httpx then report the reset, never the 413.
    """

    def __init__(self, app: ASGIApp, limit: int, drain_bytes: int = 0, drain_seconds: float = 0.0) -> None:
        self.app = app
        self.limit = limit
        self.drain_bytes = drain_bytes
        self.drain_seconds = drain_seconds

    def _detail(self) -> dict[str, Any]:
        return {
            "type": "too_large",
            "message": f"The request body is larger than {self.limit} bytes (max_body_bytes).",
            "limit": self.limit,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, "content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json(send, 400, {"type": "invalid", "message": "Content-Length is not a number."})
                return
            if int(declared) > self.limit:
                await self._refuse(send, receive, received=0, expected=int(declared))
                return
        received = 0
        body_ended = False
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, body_ended, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_ended = not message.get("more_body", False)
                if received > self.limit:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # The app may turn BodyTooLarge into its own error answer: replace it with ours.
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send, receive, received, ended=body_ended)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, receive, received, ended=body_ended)

    async def _refuse(
        self, send: Send, receive: Receive, received: int, *, expected: int | None = None, ended: bool = False
    ) -> None:
        drained = ended or await self._drain(receive, received, expected)
        # A body left unread means the connection cannot carry another request: say so.
        await send_json(send, 413, self._detail(), None if drained else {"Connection": "close"})

    async def _drain(self, receive: Receive, received: int, expected: int | None) -> bool:
        """Read and drop the rest of a refused body within the bounds; True if it was all read."""
        if expected is not None and expected > self.drain_bytes:
            return False
        with anyio.move_on_after(self.drain_seconds):
            while received <= self.drain_bytes:
                message = await receive()
                if message["type"] != "http.request":
                    return False  # the client went away
                received += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return True
        return False


class UnicodeBodyMiddleware:
    """Refuse a JSON body that is not valid Unicode text with 400 naming where, before any route.

    FastAPI parses bodies with json.loads, which accepts lone surrogates ("\\ud800", or their raw
    bytes): such a string fails every later UTF-8 encoding (the response, the worker pipe) as a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS or not _parsed_as_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:  # bounded: BodySizeLimit (outside this one) raises past max_body_bytes
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = unicode_problem(body)
        if problem is not None:
            await send_json(send, 400, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# A JSON escape of a UTF-16 surrogate (\ud800–\udfff): only bodies holding one need parsing here.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_MAX_NAME = 40


def unicode_problem(body: bytes) -> dict[str, Any] | None:
    """The 400 detail for a body that is not UTF-8 or holds a lone surrogate; None when it is fine."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        column = exc.start - body.rfind(b"\n", 0, exc.start)
        return {
            "type": "invalid",
            "message": f"The request body is not valid UTF-8 at byte {exc.start} (line {line}, "
            f"column {column}): JSON must be UTF-8 text.",
            "byte": exc.start,
            "line": line,
            "column": column,
        }
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        data = json.loads(body)  # the parser FastAPI uses, so the same strings as the route sees
    except (ValueError, RecursionError):
        return None  # not JSON: FastAPI's own 422 says where
    field = _lone_surrogate_field(data)
    if field is None:
        return None
    return {
        "type": "invalid",
        "message": f"{field} contains a lone surrogate (a \\ud800–\\udfff escape without its pair): "
        "strings must be valid Unicode.",
        "field": field,
    }


def _lone_surrogate_field(data: Any) -> str | None:
    """Where the first string with a lone surrogate is: `source`, `inputs.x`, `points[2]`, `keys of inputs`.

    Iterative: a body may nest as deep as json.loads allows, deeper than this stack should go.
    """
    stack: list[tuple[str, Any]] = [("body", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not _is_unicode(value):
                return path
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, dict):
            if not all(_is_unicode(key) for key in value):
                return f"a key of {path}"
            prefix = "" if path == "body" else f"{path}."
            stack.extend((prefix + key[:_MAX_NAME], item) for key, item in reversed(list(value.items())))
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Logging set-up and the edge middleware, in the order the module docstring gives."""
    configure_logging(settings.log_format, settings.log_level)
    # add_middleware wraps what is there: the last one added is the outermost.
    app.add_middleware(UnicodeBodyMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        limit=settings.max_body_bytes,
        drain_bytes=settings.body_drain_bytes,
        drain_seconds=settings.body_drain_seconds,
    )
    # Answers over gzip_min_bytes go out gzipped to a client that sends Accept-Encoding: gzip (a
    # compact trace shrinks ~6x). Starlette's list already leaves text/event-stream alone (a
    # compressor buffers, and an SSE event must reach the page as written); naming it again keeps
    # that true if the list changes.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=settings.gzip_min_bytes,
        compresslevel=settings.gzip_level,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "text/event-stream"),
    )
    app.add_middleware(
        ConcurrencyLimitMiddleware,
        limit=settings.max_concurrent_requests,
        stream_limit=settings.max_event_streams,
        room_stream_limit=settings.rooms_max_streams,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["content-type", "authorization", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "retry-after", "location"],
        )
    app.add_middleware(RequestContextMiddleware, settings=settings)


def _header(scope: Scope, name: str) -> str | None:
    key = name.encode()
    for k, v in scope["headers"]:
        if k == key:
            return str(v.decode("latin-1"))
    return None


def _exempt(scope: Scope) -> bool:
    path: str = scope["path"]
    return not path.startswith("/api/") or path in EXEMPT_FROM_CAP


def _parsed_as_json(scope: Scope) -> bool:
    """Bodies FastAPI may parse as JSON: application/json, application/*+json, none (non-strict routes)."""
    content_type = _header(scope, "content-type")
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
