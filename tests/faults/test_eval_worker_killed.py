"""An evaluation worker killed in the middle of a real trace: a clear refusal, and the pool recovers."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.errors import ProgramError
from autograd_explorer.sandbox import EvalPool
from autograd_explorer.settings import Settings
from tests.faults.processes import kill

# Slow enough (about a second of tracing) that the kill lands while it runs.
SLOW_PROGRAM = "y = x\nfor _ in range(3000):\n    y = y * 1.0001 + 0.0001\ny"
NORMAL = {"source": "x**3 - 3*x", "inputs": {"x": 1.0}}


def test_killing_the_worker_during_a_trace(tmp_path: Path) -> None:
    pool = EvalPool(Settings(data_dir=tmp_path, eval_workers=1, max_wall_seconds=30))
    try:
        assert pool.run("trace", NORMAL)["grads"]["x"]["data"] == 0.0
        (victim,) = pool.pids()
        outcome: dict[str, object] = {}

        def trace() -> None:
            try:
                outcome["result"] = pool.run("trace", {"source": SLOW_PROGRAM, "inputs": {"x": 1.0}})
            except ProgramError as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=trace)
        worker.start()
        deadline = time.monotonic() + 10
        while victim in pool.pids() and time.monotonic() < deadline:  # taken from the idle queue
            time.sleep(0.005)
        time.sleep(0.2)  # into the trace itself
        kill(victim, signal.SIGKILL)
        worker.join(30)
        if "result" in outcome:
            pytest.fail("the trace finished before the kill landed: make SLOW_PROGRAM slower")
        error = outcome["error"]
        assert isinstance(error, ProgramError)
        assert error.type == "limit"
        assert error.message.startswith("The evaluation process was killed (out of memory, or stopped")
        # the pool replaced the worker and serves the lecture's example again
        assert pool.run("trace", NORMAL)["grads"]["x"]["data"] == 0.0
        assert pool.pids() and victim not in pool.pids()
    finally:
        pool.close()


def test_killing_the_worker_during_an_api_trace(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", eval_workers=1, max_wall_seconds=30)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        pool = app.state.evaluator
        assert client.post("/api/trace", json=NORMAL).status_code == 200
        (victim,) = pool.pids()
        answers: list[httpx2.Response] = []
        request = threading.Thread(
            target=lambda: answers.append(
                client.post("/api/trace", json={"source": SLOW_PROGRAM, "inputs": {"x": 1.0}})
            )
        )
        request.start()
        while victim in pool.pids() and request.is_alive():
            time.sleep(0.005)
        if not request.is_alive():
            request.join()
            pytest.skip("/api/trace does not run through the evaluation pool yet")
        time.sleep(0.2)
        kill(victim, signal.SIGKILL)
        request.join(30)
        (answer,) = answers
        assert answer.status_code == 400, answer.text
        detail = answer.json()["detail"]
        assert detail["type"] == "limit"
        assert detail["message"].startswith("The evaluation process was killed")
        again = client.post("/api/trace", json=NORMAL)
        assert again.status_code == 200
        assert again.json()["grads"]["x"]["data"] == 0.0
