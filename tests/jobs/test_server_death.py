"""A real uvicorn killed with SIGKILL mid-job: its worker stops, and the next server fails the job."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.jobs.helpers import LONG_MNIST
from tests.live import LiveServer


def status(server: LiveServer, model_id: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{server.url}/api/models/{model_id}", timeout=10).json()
    return body


@pytest.mark.slow
def test_a_killed_server_leaves_no_worker_running_and_the_job_failed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    first = LiveServer(data_dir)
    first.start()
    try:
        model_id = httpx.post(f"{first.url}/api/models", json=LONG_MNIST, timeout=10).json()["id"]
        deadline = time.monotonic() + 60
        while status(first, model_id)["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        worker_pid = int(str(status(first, model_id)["worker_pid"]))
    finally:
        assert first.process is not None
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        first.stop()  # dead already: removes its temp dir
    deadline = time.monotonic() + 10
    while _alive(worker_pid):  # the worker notices its server is gone and exits
        assert time.monotonic() < deadline, "worker outlived its server"
        time.sleep(0.1)

    second = LiveServer(data_dir)
    second.start()
    try:
        job = status(second, model_id)
        assert (job["status"], job["error"]) == ("failed", "interrupted by a server restart")
    finally:
        second.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by the forkserver) counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
