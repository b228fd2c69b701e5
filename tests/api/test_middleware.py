"""The edge middleware: body limit, concurrency cap, security headers, request ids, last-resort 500."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.api.errors import install_error_handlers
from autograd_explorer.api.middleware import (
    EVENT_STREAM_PATH,
    ConcurrencyLimitMiddleware,
    install_middleware,
)
from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.errors import Overloaded
from autograd_explorer.logging_setup import JsonFormatter
from autograd_explorer.settings import Settings

LIMIT = 2_000


def small_app(settings: Settings, gate: asyncio.Event | None = None) -> FastAPI:
    """An app with the real edge and a few routes that misbehave on purpose."""
    app = FastAPI(default_response_class=SafeJSONResponse)
    install_middleware(app, settings)
    install_error_handlers(app)

    @app.post("/api/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    @app.post("/api/json")
    def parse(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    @app.get("/api/boom")
    def boom() -> None:
        raise ZeroDivisionError("boom on purpose")

    @app.get("/api/busy")
    def busy() -> None:
        raise Overloaded("no worker free", retry_after=3)

    @app.get("/api/wait")
    async def wait() -> dict[str, bool]:
        assert gate is not None
        await gate.wait()
        return {"waited": True}

    @app.get("/api/models/{model_id}/events")
    async def events(model_id: str) -> dict[str, bool]:
        assert gate is not None
        await gate.wait()
        return {"streamed": True}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


@pytest.fixture
def edge_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_body_bytes=LIMIT, max_concurrent_requests=1, log_format="json")


@pytest.fixture
def edge(edge_settings: Settings) -> Iterator[TestClient]:
    with TestClient(small_app(edge_settings), raise_server_exceptions=False) as c:
        yield c


TOO_LARGE = {
    "detail": {
        "type": "too_large",
        "message": f"The request body is larger than {LIMIT} bytes (max_body_bytes).",
        "limit": LIMIT,
    }
}


def test_body_over_the_limit_is_refused_by_content_length(edge: TestClient) -> None:
    r = edge.post("/api/echo", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413
    assert r.json() == TOO_LARGE


def test_body_at_the_limit_passes(edge: TestClient) -> None:
    r = edge.post("/api/echo", content=b"x" * LIMIT)
    assert r.status_code == 200
    assert r.json() == {"length": LIMIT}


def test_streamed_body_without_length_is_counted(edge: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 500

    r = edge.post("/api/echo", content=chunks())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert r.json() == TOO_LARGE


def test_streamed_json_body_over_the_limit_is_413_not_a_parse_error(edge: TestClient) -> None:
    # FastAPI would turn a failing receive into "400 error parsing the body": ours must win.
    def chunks() -> Iterator[bytes]:
        yield b'{"a": "'
        yield b"z" * (LIMIT + 10)
        yield b'"}'

    r = edge.post("/api/json", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json() == TOO_LARGE


def test_garbage_content_length_is_400(edge_settings: Settings) -> None:
    messages: list[dict[str, Any]] = []

    async def run() -> None:
        app = small_app(edge_settings)
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/echo",
            "headers": [(b"content-length", b"12abc")],
            "query_string": b"",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, send)

    asyncio.run(run())
    assert messages[0]["status"] == 400
    assert orjson.loads(messages[1]["body"]) == {
        "detail": {"type": "invalid", "message": "Content-Length is not a number."}
    }


def test_concurrency_cap_answers_503_at_once_and_spares_health(edge_settings: Settings) -> None:
    async def run() -> tuple[httpx2.Response, httpx2.Response, httpx2.Response]:
        gate = asyncio.Event()
        app = small_app(edge_settings, gate)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as c:
            first = asyncio.create_task(c.get("/api/wait"))
            while not gate.is_set() and not _in_flight(app):
                await asyncio.sleep(0.001)
            second = await c.get("/api/json")  # refused before the body is even read
            health = await c.get("/api/health")
            gate.set()
            return await first, second, health

    first, second, health = asyncio.run(run())
    assert first.status_code == 200
    assert second.status_code == 503
    assert second.headers["retry-after"] == "1"
    assert second.json() == {
        "detail": {
            "type": "overloaded",
            "message": "The server is busy: 1 requests are already running (max_concurrent_requests). "
            "Try again in 1 s.",
        }
    }
    assert health.status_code == 200


def _cap(app: FastAPI) -> ConcurrencyLimitMiddleware | None:
    # The middleware stack is built on the first request; find the cap in it.
    layer: Any = app.middleware_stack
    while layer is not None:
        if isinstance(layer, ConcurrencyLimitMiddleware):
            return layer
        layer = getattr(layer, "app", None)
    return None


def _in_flight(app: FastAPI) -> bool:
    cap = _cap(app)
    return cap is not None and cap.requests.in_use > 0


def test_requests_after_the_cap_released_are_served(edge: TestClient) -> None:
    for _ in range(3):
        assert edge.post("/api/echo", content=b"ok").status_code == 200


def test_domain_overloaded_keeps_its_retry_after(edge: TestClient) -> None:
    r = edge.get("/api/busy")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "3"
    assert r.json() == {"detail": {"type": "overloaded", "message": "no worker free"}}


def test_security_headers_on_every_answer(edge: TestClient) -> None:
    for r in (edge.get("/api/health"), edge.post("/api/echo", content=b"x" * (LIMIT + 1))):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self' 'wasm-unsafe-eval'" in csp
        assert "style-src 'self' 'unsafe-inline'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")


def test_security_headers_on_the_real_apps_static_page(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    with TestClient(create_app(Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path))) as c:
        r = c.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_request_id_is_echoed_when_plain_and_replaced_when_not(edge: TestClient) -> None:
    assert edge.get("/api/health", headers={"X-Request-ID": "lecture-7.a"}).headers["x-request-id"] == (
        "lecture-7.a"
    )
    hostile = edge.get("/api/health", headers={"X-Request-ID": 'x"\n{"level":"forged"}'})
    generated = edge.get("/api/health")
    for r in (hostile, generated):
        assert len(r.headers["x-request-id"]) == 32
        int(r.headers["x-request-id"], 16)
    assert hostile.headers["x-request-id"] != generated.headers["x-request-id"]


class Lines(logging.Handler):
    """Formats records as they are emitted (the request id lives only during the request)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(orjson.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    handler = Lines()
    logger = logging.getLogger("autograd_explorer")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_access_log_is_json_with_the_request_id(edge: TestClient, log_lines: list[dict[str, Any]]) -> None:
    edge.get("/api/health", headers={"X-Request-ID": "abc123"})
    access = [line for line in log_lines if line["logger"] == "autograd_explorer.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "abc123"
    assert access[0]["method"] == "GET"
    assert access[0]["path"] == "/api/health"
    assert access[0]["status"] == 200
    assert access[0]["duration_ms"] >= 0


def test_unexpected_exception_is_a_logged_json_500_logged_once(
    edge: TestClient, log_lines: list[dict[str, Any]]
) -> None:
    r = edge.get("/api/boom", headers={"X-Request-ID": "req-boom"})
    assert r.status_code == 500
    assert r.json() == {
        "detail": {
            "type": "internal",
            "message": "Internal server error; it has been logged.",
            "request_id": "req-boom",
        }
    }
    assert r.headers["x-frame-options"] == "DENY"
    errors = [line for line in log_lines if "error" in line]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-boom"
    assert errors[0]["error"]["type"] == "ZeroDivisionError"
    assert "boom on purpose" in errors[0]["error"]["traceback"]
    status = [line["status"] for line in log_lines if line["logger"] == "autograd_explorer.access"]
    assert status == [500]


def test_cors_only_when_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "http://lecture.example", "Access-Control-Request-Method": "POST"}
    closed = Settings(data_dir=tmp_path)
    opened = Settings(data_dir=tmp_path, cors_origins=["http://lecture.example"])
    with TestClient(small_app(closed)) as c:
        assert "access-control-allow-origin" not in c.options("/api/echo", headers=preflight).headers
    with TestClient(small_app(opened)) as c:
        r = c.options("/api/echo", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "http://lecture.example"
        assert r.headers["x-content-type-options"] == "nosniff"


# --- the cap: by route, never by what the client says it accepts ---------------------------


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for something the event loop will make true."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        await asyncio.sleep(0.001)


def _streams_open(app: FastAPI) -> int:
    cap = _cap(app)
    return 0 if cap is None else cap.streams.in_use


def test_accept_event_stream_does_not_bypass_the_cap(edge_settings: Settings) -> None:
    async def run() -> tuple[httpx2.Response, httpx2.Response]:
        gate = asyncio.Event()
        app = small_app(edge_settings, gate)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as c:
            first = asyncio.create_task(c.get("/api/wait"))
            await until(lambda: _in_flight(app), "the first request")
            sneaky = await c.post("/api/echo", content=b"x", headers={"Accept": "text/event-stream"})
            gate.set()
            return await first, sneaky

    first, sneaky = asyncio.run(run())
    assert first.status_code == 200
    assert sneaky.status_code == 503
    assert sneaky.json()["detail"]["type"] == "overloaded"


def test_event_streams_have_their_own_bounded_cap(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_concurrent_requests=1, max_event_streams=1)

    async def run() -> tuple[httpx2.Response, httpx2.Response, httpx2.Response]:
        gate = asyncio.Event()
        app = small_app(settings, gate)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as c:
            stream = asyncio.create_task(c.get("/api/models/abc/events"))
            await until(lambda: _streams_open(app) == 1, "the first stream")
            second_stream = await c.get("/api/models/def/events")
            request = await c.post("/api/echo", content=b"ok")  # the open stream holds no request slot
            gate.set()
            return await stream, second_stream, request

    stream, second_stream, request = asyncio.run(run())
    assert (stream.status_code, request.status_code) == (200, 200)
    assert second_stream.status_code == 503
    assert second_stream.headers["retry-after"] == "1"
    assert second_stream.json() == {
        "detail": {
            "type": "overloaded",
            "message": "The server is busy: 1 event streams are already open (max_event_streams). "
            "Try again in 1 s.",
        }
    }


def api_paths(app: FastAPI, method: str) -> list[str]:
    """The app's documented paths that answer `method` (routers nest: read them from the schema)."""
    return [path for path, operations in app.openapi()["paths"].items() if method in operations]


def test_the_stream_cap_knows_exactly_the_apps_event_stream_route(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, eval_isolation="inline"))
    matched = [
        path
        for path in api_paths(app, "get")
        if EVENT_STREAM_PATH.fullmatch(re.sub(r"\{[^}]+\}", "0123abcd", path))
    ]
    assert matched == ["/api/models/{model_id}/events"]


# --- bodies that are not Unicode text ---------------------------------------------------------

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"source": "u + v\\ud800"}', "source"),
        (b'{"inputs": {"x": [1, "\\udc00"]}}', "inputs.x[1]"),
        (b'{"inputs": {"u\\ud800": 1.0}}', "a key of inputs"),
        (b'{"a": ["\\ud800\\u0041"]}', "a[0]"),  # a high surrogate followed by no low one
        (b'{"a": "\\\\\\ud800"}', "a"),  # an escaped backslash, then a real escape
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(edge: TestClient, body: bytes, field: str) -> None:
    r = edge.post("/api/json", content=body, headers=JSON)
    assert r.status_code == 400
    assert r.json() == {
        "detail": {
            "type": "invalid",
            "message": f"{field} contains a lone surrogate (a \\ud800–\\udfff escape without its pair): "
            "strings must be valid Unicode.",
            "field": field,
        }
    }


def test_surrogate_pairs_and_escaped_backslashes_pass(edge: TestClient) -> None:
    for body in (b'{"emoji": "\\ud83d\\ude00"}', b'{"text": "\\\\ud800"}', '{"é": "ü"}'.encode()):
        r = edge.post("/api/json", content=body, headers=JSON)
        assert (r.status_code, r.json()) == (200, {"keys": 1}), body


def test_raw_surrogate_bytes_are_a_400_with_byte_line_and_column(edge: TestClient) -> None:
    # The UTF-8 encoding of U+D800: json.loads decodes bodies with "surrogatepass" and took it.
    r = edge.post("/api/json", content=b'{"a":\n  "x\xed\xa0\x80"}', headers=JSON)
    assert r.status_code == 400
    assert r.json() == {
        "detail": {
            "type": "invalid",
            "message": "The request body is not valid UTF-8 at byte 10 (line 2, column 5): "
            "JSON must be UTF-8 text.",
            "byte": 10,
            "line": 2,
            "column": 5,
        }
    }


def test_bodies_not_parsed_as_json_are_left_alone(edge: TestClient) -> None:
    r = edge.post("/api/echo", content=b"\xff\xed\xa0\x80", headers={"content-type": "text/plain"})
    assert (r.status_code, r.json()) == (200, {"length": 4})


def test_malformed_json_is_a_422_in_the_one_error_shape(edge: TestClient) -> None:
    r = edge.post("/api/json", content=b'{"a": "\\ud800', headers=JSON)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["type"] == "validation" and detail["message"].startswith("body.")
    assert detail["errors"][0]["type"] == "json_invalid"


def test_every_post_endpoint_of_the_app_refuses_a_lone_surrogate(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", eval_isolation="inline"))
    posts = api_paths(app, "post")
    assert len(posts) >= 8
    client = TestClient(app)  # no lifespan: the edge answers before any route or worker
    for path in posts:
        r = client.post(
            path.replace("{model_id}", "0123abcd"), content=b'{"source": "u + v\\ud800"}', headers=JSON
        )
        assert (path, r.status_code, r.json()["detail"].get("field")) == (path, 400, "source")


# --- a refused body is read first, so the client sees the 413 ---------------------------------


def run_raw(
    app: FastAPI, headers: list[tuple[bytes, bytes]], chunks: list[bytes] | None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Send one POST through the ASGI app; what happened, in order, and the messages sent.

    `chunks=None`: a client that stops sending (receive never returns).
    """
    events: list[str] = []
    sent: list[dict[str, Any]] = []
    left = list(chunks or [])

    async def receive() -> dict[str, Any]:
        if chunks is None:
            events.append("stalled")
            await asyncio.Event().wait()
        if not left:
            events.append("disconnect")
            return {"type": "http.disconnect"}
        events.append("chunk")
        return {"type": "http.request", "body": left.pop(0), "more_body": bool(left)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            events.append(f"answer {message['status']}")
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/echo", "headers": headers, "query_string": b""}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return events, sent


def _headers(message: dict[str, Any]) -> dict[bytes, bytes]:
    return dict(message["headers"])


def test_a_body_refused_by_its_length_is_drained_before_the_413(edge_settings: Settings) -> None:
    events, sent = run_raw(small_app(edge_settings), [(b"content-length", b"6000")], [b"x" * 2000] * 3)
    assert events == ["chunk", "chunk", "chunk", "answer 413"]
    assert orjson.loads(sent[1]["body"]) == TOO_LARGE
    assert b"connection" not in _headers(sent[0])  # all read: the connection can carry the next request


def test_a_streamed_body_over_the_limit_is_drained_before_the_413(edge_settings: Settings) -> None:
    events, sent = run_raw(small_app(edge_settings), [], [b"y" * 1500] * 4)
    assert events == ["chunk", "chunk", "chunk", "chunk", "answer 413"]
    assert orjson.loads(sent[1]["body"]) == TOO_LARGE


def test_draining_is_bounded_in_bytes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_body_bytes=LIMIT, body_drain_bytes=5000)
    app = small_app(settings)
    declared, _ = run_raw(app, [(b"content-length", b"50000")], [b"x" * 2000] * 25)
    assert declared == ["answer 413"]  # too much to read: answered at once
    events, sent = run_raw(app, [], [b"y" * 1500] * 10)  # no length: read up to the bound, then answer
    assert events == ["chunk"] * 4 + ["answer 413"]
    assert _headers(sent[0])[b"connection"] == b"close"


def test_draining_is_bounded_in_time(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_body_bytes=LIMIT, body_drain_seconds=0.2)
    events, sent = run_raw(small_app(settings), [(b"content-length", b"6000")], None)
    assert events == ["stalled", "answer 413"]
    assert _headers(sent[0])[b"connection"] == b"close"
    assert orjson.loads(sent[1]["body"]) == TOO_LARGE
