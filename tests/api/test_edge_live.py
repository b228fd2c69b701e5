"""The edge against a real uvicorn: what only sockets show (a refused upload, HEAD, readiness).

The in-process client never resets a connection; urllib, httpx and a browser talk to uvicorn.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import httpx
import pytest

from tests.live import LiveServer

TEN_MB = b'{"source": "' + b"x" * 10_000_000 + b'"}'
TOO_LARGE = {
    "detail": {
        "type": "too_large",
        "message": "The request body is larger than 1000000 bytes (max_body_bytes).",
        "limit": 1_000_000,
    }
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("edge") / "data"
    data_dir.mkdir()
    live = LiveServer(data_dir, env={"AUTOGRAD_EXPLORER_EVAL_WORKERS": "1"})
    live.start()
    yield live
    live.stop()


def wait_ready(server: LiveServer, timeout: float = 120.0) -> httpx.Response:
    """Poll /api/ready until 200 (bounded); every answer before must be the documented 503."""
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{server.url}/api/ready", timeout=5)
        if r.status_code == 200:
            return r
        assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
        assert r.json()["detail"]["type"] == "not_ready"
        assert time.monotonic() < deadline, f"not ready after {timeout} s: {r.text}"
        time.sleep(0.2)


def test_urllib_sees_the_413_of_a_10_mb_upload(server: LiveServer) -> None:
    request = urllib.request.Request(
        f"{server.url}/api/trace", data=TEN_MB, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert json.loads(refused.value.read()) == TOO_LARGE


def test_httpx_sees_the_413_with_and_without_a_length_and_keeps_the_connection(server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 100_000

    with httpx.Client(base_url=server.url, timeout=30) as client:
        declared = client.post("/api/trace", content=TEN_MB, headers={"Content-Type": "application/json"})
        streamed = client.post("/api/trace", content=chunks(), headers={"Content-Type": "application/json"})
        after = client.get("/api/health")  # the same pooled connection: the body was read to its end
    assert (declared.status_code, declared.json()) == (413, TOO_LARGE)
    assert (streamed.status_code, streamed.json()) == (413, TOO_LARGE)
    assert after.status_code == 200


def test_head_health_and_ready(server: LiveServer) -> None:
    wait_ready(server)
    for path in ("/api/health", "/api/ready"):
        r = httpx.head(server.url + path, timeout=5)
        assert (r.status_code, r.content) == (200, b"")


def test_ready_means_the_first_trace_is_served(server: LiveServer) -> None:
    body = wait_ready(server).json()
    assert body["status"] == "ready"
    r = httpx.post(f"{server.url}/api/trace", json={"source": "x**3 - 3*x", "inputs": {"x": 1.0}}, timeout=30)
    assert r.status_code == 200
    assert r.json()["grads"]["x"]["data"] == 0.0


def test_the_issues_findings_on_a_real_server(server: LiveServer) -> None:
    surrogate = httpx.post(
        f"{server.url}/api/trace",
        content=b'{"source": "u + v\\ud800"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert surrogate.status_code == 400 and surrogate.json()["detail"]["field"] == "source"
    stream = httpx.get(
        f"{server.url}/api/models/0123abcd/events",
        headers={"Last-Event-ID": "10000000000000000000000000"},
        timeout=30,
    )
    assert stream.status_code == 400 and stream.json()["detail"]["field"] == "Last-Event-ID"
    for path in ("/package.json", "/package-lock.json", "/tests/format.test.mjs"):
        assert httpx.get(server.url + path, timeout=5).status_code == 404, path
    assert httpx.get(server.url + "/models.html", timeout=5).status_code == 200


def test_event_streams_are_never_gzipped_and_arrive_as_written(server: LiveServer) -> None:
    """A gzip compressor holds bytes back: an SSE event must reach the page at once, as text."""
    room = httpx.post(f"{server.url}/api/rooms", timeout=10).json()
    events_url = f"{server.url}/api/rooms/{room['code']}/events"
    with (
        httpx.Client(timeout=httpx.Timeout(30.0)) as client,
        client.stream("GET", events_url, headers={"Accept-Encoding": "gzip"}) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in stream.headers
        shared = {"page": "explorer", "state": {"source": "x * 2"}}
        put = httpx.put(
            f"{server.url}/api/rooms/{room['code']}/state",
            json=shared,
            headers={"Authorization": f"Bearer {room['token']}"},
            timeout=10,
        )
        assert put.status_code == 200
        # The stream stays open for ROOMS_STREAM_SECONDS (300 s): reading the event within the read
        # timeout means it was sent as written, not buffered until the stream ends.
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("event:")) == "event: state"
        data = next(line for line in lines if line.startswith("data:"))
        assert json.loads(data.removeprefix("data:")) == shared
