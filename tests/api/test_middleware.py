"""The edge middleware: body limit, concurrency cap, security headers, request ids, last-resort 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.api.errors import install_error_handlers
from autograd_explorer.api.middleware import install_middleware
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
    async def run() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        gate = asyncio.Event()
        app = small_app(edge_settings, gate)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
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


def _in_flight(app: FastAPI) -> bool:
    # The middleware stack is built on the first request; find the cap's counter in it.
    layer: Any = app.middleware_stack
    while layer is not None:
        if hasattr(layer, "in_flight"):
            return bool(layer.in_flight)
        layer = getattr(layer, "app", None)
    return False


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
