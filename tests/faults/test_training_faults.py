"""Training under faults, through the public API of a real server: a killed training worker, a server
stopped (and one killed) in the middle of a job. Finished models stay; nothing is left "running"."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.processes import grandchildren, kill, wait_until_gone
from tests.live import LiveServer

pytestmark = pytest.mark.slow

# Inline evaluation: the only processes under the fork server are then training workers.
ENV = {"AUTOGRAD_EXPLORER_EVAL_ISOLATION": "inline", "AUTOGRAD_EXPLORER_TRAINING_WORKERS": "1"}
QUICK = {"dataset": "moons", "model": "binary_classifier", "steps": 30, "train_size": 200, "seed": 1}
# Long enough to be caught running: a large 2-D set and a wide hidden layer.
LONG = {
    "dataset": "moons",
    "model": "binary_classifier",
    "hidden": 1024,
    "steps": 5_000,
    "train_size": 20_000,
    "seed": 2,
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def server(data_dir: Path) -> Iterator[LiveServer]:
    s = LiveServer(data_dir, env=ENV)
    s.start()
    yield s
    s.stop()


def wait_for(url: str, model_id: str, statuses: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    record: dict[str, Any] = {}
    while time.monotonic() < deadline:
        record = httpx.get(f"{url}/api/models/{model_id}", timeout=10).json()
        if record["status"] in statuses:
            return record
        time.sleep(0.1)
    pytest.fail(f"model {model_id} stayed {record.get('status')}, wanted {statuses}")


def start(url: str, config: dict[str, Any]) -> str:
    r = httpx.post(f"{url}/api/models", json=config, timeout=10)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def finished_model(url: str, seed: int = 0) -> tuple[str, dict[str, Any]]:
    model_id = start(url, {**QUICK, "seed": seed})  # another seed: not joined to an identical job
    return model_id, wait_for(url, model_id, {"done"})


def predicts(url: str, model_id: str) -> bool:
    point = {"shape": [1, 2], "data": [[0.5, 0.25]]}
    r = httpx.post(f"{url}/api/models/{model_id}/predict", json={"input": point}, timeout=10)
    return r.status_code == 200 and 0.0 <= float(r.json()["probabilities"]["data"][0]) <= 1.0


def training_worker(server: LiveServer) -> int:
    assert server.process is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = grandchildren(server.process.pid)
        if workers:
            return workers[0]
        time.sleep(0.1)
    pytest.fail("no training worker process found under the server")


def test_a_killed_training_worker_fails_its_job_and_is_replaced(server: LiveServer) -> None:
    done_id, done = finished_model(server.url)
    long_id = start(server.url, LONG)
    wait_for(server.url, long_id, {"running"})
    victim = training_worker(server)
    kill(victim, signal.SIGKILL)
    failed = wait_for(server.url, long_id, {"failed"})
    assert failed["status"] == "failed"
    # a new worker trains the next job; the finished model is untouched
    again_id, _ = finished_model(server.url, seed=1)
    assert again_id != done_id
    assert httpx.get(f"{server.url}/api/models/{done_id}", timeout=10).json()["metrics"] == done["metrics"]
    assert predicts(server.url, done_id)


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_a_server_stopped_mid_training_loses_nothing_finished(data_dir: Path, how: str) -> None:
    first = LiveServer(data_dir, env=ENV)
    first.start()
    try:
        done_id, done = finished_model(first.url)
        long_id = start(first.url, LONG)
        wait_for(first.url, long_id, {"running"})
        worker = training_worker(first)
        assert first.process is not None
        if how == "kill":
            first.process.kill()  # a crash: no shutdown code runs
            first.process.wait()
        else:
            first.stop()  # SIGTERM: the orderly shutdown
        # the worker notices its server is gone and stops; no orphan keeps training
        assert wait_until_gone(worker, 30)
    finally:
        first.stop()

    second = LiveServer(data_dir, env=ENV)
    second.start()
    try:
        interrupted = httpx.get(f"{second.url}/api/models/{long_id}", timeout=10).json()
        assert interrupted["status"] == "failed"  # never left "running" by a dead server
        kept = httpx.get(f"{second.url}/api/models/{done_id}", timeout=10).json()
        assert kept["status"] == "done"
        assert kept["metrics"] == done["metrics"]
        assert predicts(second.url, done_id)
        listed = {m["id"] for m in httpx.get(f"{second.url}/api/models", timeout=10).json()["items"]}
        assert {done_id, long_id} <= listed
    finally:
        second.stop()
