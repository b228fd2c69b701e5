"""Liveness (/api/health) and readiness (/api/ready): the first always answers, the second waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from autograd_explorer import __version__
from autograd_explorer.api.app import create_app
from autograd_explorer.errors import Overloaded
from autograd_explorer.settings import Settings


def test_health_reports_ok_and_torch_version(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["torch"].startswith("2.13.0")


def test_head_is_answered_like_get(client: TestClient) -> None:
    ready_after(client)  # readiness flips once the workers answer; compare HEAD and GET after that
    for path in ("/api/health", "/api/ready"):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"", path


class GatedEvaluator:
    """Answers each job once `gate` opens; the first `failures` calls fail like a worker that won't start."""

    def __init__(self, gate: threading.Event, failures: int = 0) -> None:
        self.gate = gate
        self.failures = failures
        self.jobs: list[str] = []

    def start(self) -> None:
        pass

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        raise AssertionError("readiness sends what a route sends: run_json")

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        self.jobs.append(job)
        if len(self.jobs) <= self.failures:
            raise Overloaded("An evaluation worker failed to start; try again.")
        assert self.gate.wait(30)
        return b"{}"

    def close(self) -> None:
        pass


def ready_after(client: TestClient, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (r := client.get("/api/ready")).status_code != 200:
        assert time.monotonic() < deadline, f"not ready: {r.text}"
        time.sleep(0.02)
    body: dict[str, Any] = r.json()
    return body


def test_ready_is_503_until_every_worker_answered_while_health_stays_live(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", eval_isolation="inline", eval_workers=3)
    app = create_app(settings)
    gate = threading.Event()
    evaluator = GatedEvaluator(gate)
    app.state.evaluator = evaluator  # before start-up: readiness pings this one
    with TestClient(app) as client:
        waiting = client.get("/api/ready")
        assert waiting.status_code == 503
        assert waiting.headers["retry-after"] == "1"
        assert waiting.json() == {
            "detail": {
                "type": "not_ready",
                "message": "Starting: waiting for the evaluation workers. Try again in 1 s.",
                "waiting_for": ["evaluation workers"],
            }
        }
        assert client.get("/api/health").status_code == 200
        gate.set()
        assert ready_after(client) == {"status": "ready", "version": __version__}
        assert evaluator.jobs == ["trace"] * 3  # one per worker, sent at once

        app.state.runner.stop()  # a runner that no longer answers is not ready
        stopped = client.get("/api/ready")
        assert stopped.status_code == 503
        assert stopped.json()["detail"]["waiting_for"] == ["training job runner"]


def test_a_worker_that_fails_to_start_is_retried(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", eval_isolation="inline", eval_workers=1))
    gate = threading.Event()
    gate.set()
    evaluator = GatedEvaluator(gate, failures=1)
    app.state.evaluator = evaluator
    with TestClient(app) as client:
        assert ready_after(client)["status"] == "ready"
    assert evaluator.jobs == ["trace", "trace"]


def test_the_real_workers_become_ready(client: TestClient) -> None:
    assert ready_after(client, timeout=120)["status"] == "ready"
