"""The app's edge: request ids and logs, security headers, CORS, a concurrency cap, a body limit.

Pure ASGI middleware (no BaseHTTPMiddleware: it buffers streams and breaks server-sent events).
Order, outermost first: RequestContext (id, access log, headers, last-resort 500) → CORS →
ConcurrencyLimit → BodySizeLimit → the app.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autograd_explorer.jsonsafe import dumps
from autograd_explorer.logging_setup import configure_logging, request_id_var
from autograd_explorer.settings import Settings

log = logging.getLogger("autograd_explorer.api")
access_log = logging.getLogger("autograd_explorer.access")

REQUEST_ID_HEADER = "x-request-id"
# An incoming id is echoed only when it is short and plain: it ends up in every log line.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Always answered, even when the server is saturated: liveness probes must not see 503.
EXEMPT_FROM_CAP = frozenset({"/api/health"})


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


class ConcurrencyLimitMiddleware:
    """At most `limit` API requests at once; beyond it answer 503 + Retry-After at once, never queue.

    Static files, the health probe and server-sent event streams (long-lived by design) are exempt.
    """

    def __init__(self, app: ASGIApp, limit: int, retry_after: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.in_flight = 0  # one event loop: no lock needed between check and increment

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            log.warning("overloaded: %d requests in flight", self.in_flight)
            await send_json(
                send,
                503,
                {
                    "type": "overloaded",
                    "message": f"The server is busy: {self.limit} requests are already running "
                    f"(max_concurrent_requests). Try again in {self.retry_after} s.",
                },
                {"Retry-After": str(self.retry_after)},
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class BodyTooLarge(Exception):
    """Raised from `receive` when the streamed body passes the limit."""


class BodySizeLimitMiddleware:
    """Refuse bodies above `limit` bytes with 413: by Content-Length up front, else while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

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
                await send_json(send, 413, self._detail())
                return
        received = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
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
                    await send_json(send, 413, self._detail())
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, self._detail())


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Logging set-up and the edge middleware, in the order the module docstring gives."""
    configure_logging(settings.log_format, settings.log_level)
    # add_middleware wraps what is there: the last one added is the outermost.
    app.add_middleware(BodySizeLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["content-type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "retry-after"],
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
    if not path.startswith("/api/") or path in EXEMPT_FROM_CAP:
        return True
    return "text/event-stream" in (_header(scope, "accept") or "")
