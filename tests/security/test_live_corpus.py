"""Every hostile request, sent to a real uvicorn, is answered 2xx/4xx while /api/health keeps answering.

Issue 9: one anonymous request to /api/surface froze the whole server for 40 s. Here both corpora
(the language's hostile programs and the requests spread over every endpoint) go to one server
with the deployed isolation, while a second thread probes /api/health all along.

No latency is asserted (a loaded machine would fail it); the timeouts below only tell a hang
from an answer. The probe's measured latencies are written to test-output/ and bench/ reports them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import OUTPUT_DIR
from tests.live import LiveServer
from tests.security.conftest import NORMAL_TRACE
from tests.security.corpus import CORPUS, Case
from tests.security.endpoint_corpus import ENDPOINT_CORPUS, EndpointCase

# Hang detectors, not latency targets: the server's own limits here end any request within about
# 3.5 s (max_trajectory_seconds 3 + grace), and /api/health does no work at all.
REQUEST_TIMEOUT = 60.0
PROBE_TIMEOUT = 10.0
PROBE_EVERY = 0.25

SETTINGS_ENV = {
    "AUTOGRAD_EXPLORER_EVAL_ISOLATION": "process",
    "AUTOGRAD_EXPLORER_EVAL_WORKERS": "2",
    "AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": "2",
    "AUTOGRAD_EXPLORER_EVAL_GRACE_SECONDS": "0.5",
    "AUTOGRAD_EXPLORER_MAX_TRAJECTORY_SECONDS": "3",
    "AUTOGRAD_EXPLORER_LOG_FORMAT": "json",
}


class HealthProbe(threading.Thread):
    """GET /api/health every PROBE_EVERY seconds; remembers each latency and every failure."""

    def __init__(self, url: str) -> None:
        super().__init__(name="health-probe", daemon=True)
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=PROBE_TIMEOUT) as client:
            while not self._stop_event.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url + "/api/health").status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__} after {time.monotonic() - started:.1f} s")
                self.latencies.append(time.monotonic() - started)
                self._stop_event.wait(PROBE_EVERY)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(PROBE_TIMEOUT + 5)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    data_dir.mkdir()
    server = LiveServer(data_dir, SETTINGS_ENV)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def probe(hostile_server: LiveServer) -> Iterator[HealthProbe]:
    thread = HealthProbe(hostile_server.url)
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def http(hostile_server: LiveServer, probe: HealthProbe) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_server.url, timeout=REQUEST_TIMEOUT) as client:
        yield client


def send(
    client: httpx.Client,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    chunked: bool = False,
) -> httpx.Response:
    if chunked and body is not None:
        data = body

        def pieces() -> Iterator[bytes]:
            for start in range(0, len(data), 65_536):
                yield data[start : start + 65_536]

        return client.request(method, path, content=pieces(), headers=headers)
    return client.request(method, path, content=body, headers=headers)


def send_raw(url: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """Bytes on a socket: for requests a well-behaved client refuses to send (a bad Content-Length)."""
    host, port = url.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n{head}\r\n".encode() + body
    with socket.create_connection((host, int(port)), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65_536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    header_block, _, content = rest.partition(b"\r\n\r\n")
    parsed = dict(line.decode().split(": ", 1) for line in header_block.split(b"\r\n") if b": " in line)
    return httpx.Response(int(status_line.split()[1]), headers=parsed, content=content)


def assert_clear_refusal(response: httpx.Response) -> dict[str, object]:
    """A JSON error in the project's one shape with a message a person can act on."""
    assert response.headers["content-type"].startswith("application/json"), response.text[:300]
    detail = orjson.loads(response.content)["detail"]  # strict JSON: NaN or Infinity would not parse
    assert detail, "an empty refusal says nothing"
    if isinstance(detail, dict):
        assert len(str(detail.get("message", ""))) > 10, detail
        return detail
    return {"type": "validation", "errors": detail}


def assert_normal_trace_works(client: httpx.Client) -> None:
    r = client.post("/api/trace", json=NORMAL_TRACE)
    assert r.status_code == 200, r.text
    assert r.json()["grads"]["x"]["data"] == 0.0


def test_the_language_corpus_is_large_and_names_are_unique() -> None:
    assert len(CORPUS) >= 200
    assert len({case.id for case in CORPUS}) == len(CORPUS)


def test_the_endpoint_corpus_is_large_and_spread_over_every_endpoint() -> None:
    assert len(ENDPOINT_CORPUS) >= 150
    assert len({case.id for case in ENDPOINT_CORPUS}) == len(ENDPOINT_CORPUS)
    paths = {case.path.split("?")[0] for case in ENDPOINT_CORPUS}
    for path in [
        "/api/trace",
        "/api/torchviz",
        "/api/surface",
        "/api/trajectory",
        "/api/trajectories",
        "/api/regression/polynomial",
        "/api/regression/polynomial/sweep",
        "/api/least-squares",
        "/api/models",
    ]:
        assert path in paths


@pytest.mark.parametrize("case", ENDPOINT_CORPUS, ids=[c.id for c in ENDPOINT_CORPUS])
def test_every_endpoint_answers_hostile_requests_with_2xx_or_a_clear_4xx(
    http: httpx.Client, case: EndpointCase
) -> None:
    r = send(http, case.method, case.path, case.body, case.headers)
    assert r.status_code < 500, r.text[:400]
    assert r.status_code in case.status, r.text[:400]
    if r.status_code >= 400:
        detail = assert_clear_refusal(r)
        if r.status_code == 400:
            assert detail.get("type") in case.kinds, detail
    else:
        orjson.loads(r.content)  # valid strict JSON, non-finite numbers as strings


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_hostile_programs_are_refused_for_the_right_reason(
    http: httpx.Client, hostile_server: LiveServer, case: Case
) -> None:
    if not case.headers.get("content-length", "0").isdigit():
        r = send_raw(hostile_server.url, case.method, case.path, case.body or b"", case.headers)
        if r.status_code == 400 and r.content == b"Invalid HTTP request received.":
            return  # uvicorn's HTTP parser refused it before the app saw it: a clear 400 all the same
    else:
        r = send(http, case.method, case.path, case.body, case.headers, case.chunked)
    assert r.status_code in case.status, r.text[:400]
    detail = assert_clear_refusal(r)
    if case.kind is not None:
        assert detail["type"] == case.kind, detail
    if case.says:
        assert case.says.lower() in orjson.dumps(detail).decode().lower(), detail
    if case.path.startswith("/api/trace") or case.kind == "limit":
        assert_normal_trace_works(http)


def _asking_for_the_graph(case: Case) -> dict[str, object] | None:
    """The body of a hostile program sent to /api/trace, asking for the graph made up to any error."""
    if case.path != "/api/trace" or case.body is None or case.headers != {"content-type": "application/json"}:
        return None
    try:
        body = orjson.loads(case.body)
    except orjson.JSONDecodeError:
        return None
    return {**body, "on_error": "graph"} if isinstance(body, dict) and "source" in body else None


GRAPH_CASES = [case for case in CORPUS if _asking_for_the_graph(case) is not None]


@pytest.mark.parametrize("case", GRAPH_CASES, ids=[c.id for c in GRAPH_CASES])
def test_hostile_programs_asking_for_their_graph_are_refused_all_the_same(
    http: httpx.Client, case: Case
) -> None:
    """on_error 'graph' answers the graph made up to a program's own error: a refusal, a limit or a
    syntax error is still the same 400, and nothing answers 5xx."""
    r = http.post("/api/trace", json=_asking_for_the_graph(case))
    assert r.status_code < 500, r.text[:400]
    if case.kind in ("forbidden", "limit", "syntax") or r.status_code != 200:
        assert r.status_code in case.status, r.text[:400]
        detail = assert_clear_refusal(r)
        if case.kind in ("forbidden", "limit", "syntax"):
            assert detail["type"] == case.kind, detail
    else:  # a runtime error after the program made a tensor: its graph, and where it stopped
        stopped = orjson.loads(r.content)["stopped"]
        assert stopped["type"] in ("runtime", "autograd") and case.kind in ("runtime", "autograd", None), (
            stopped
        )


def test_health_answered_throughout_and_the_server_still_traces(
    http: httpx.Client, probe: HealthProbe, hostile_server: LiveServer
) -> None:
    """Runs last in this module: the probe has watched every request above."""
    assert_normal_trace_works(http)
    assert hostile_server.process is not None and hostile_server.process.poll() is None
    latencies = list(probe.latencies)
    assert len(latencies) > 10, "the probe did not run alongside the corpus"
    assert not probe.failures, probe.failures
    OUTPUT_DIR.mkdir(exist_ok=True)
    ordered = sorted(latencies)
    report = {
        "probes": len(ordered),
        "max_seconds": ordered[-1],
        "p99_seconds": ordered[int(0.99 * (len(ordered) - 1))],
        "median_seconds": ordered[len(ordered) // 2],
    }
    Path(OUTPUT_DIR / "hostile-health-probe.json").write_bytes(
        orjson.dumps(report, option=orjson.OPT_INDENT_2)
    )
