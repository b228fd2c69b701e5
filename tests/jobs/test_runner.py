"""Job lifecycle through the API with real worker processes: queued, running, done, failed, cancelled."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from autograd_explorer.train.mnist import expected_files
from tests.conftest import MNIST_DIR
from tests.jobs.helpers import LONG_MNIST, MOONS, owner, submit, wait_for


@pytest.fixture(scope="module")
def mnist_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MNIST folder of symlinks to the shared files (a test removes them to make a job fail)."""
    folder = tmp_path_factory.mktemp("mnist")
    for name in expected_files():
        (folder / f"{name}.gz").symlink_to(MNIST_DIR / f"{name}.gz")
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, mnist_links: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("lab") / "data",
        mnist_dir=mnist_links,
        training_workers=1,
        max_queued_jobs=2,
        cancel_grace_seconds=1.0,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_queued_running_done_and_cancelled(lab: TestClient) -> None:
    long = lab.post("/api/models", json=LONG_MNIST)
    assert long.status_code == 202 and long.json()["status"] == "queued"
    waiting, waiting_owner = submit(lab, MOONS)
    long_id, long_owner = long.json()["id"], owner(long.json())
    running = wait_for(lab, long_id, {"running"})
    assert {k: running["config"]["optimizer"][k] for k in ("name", "lr", "batch_size")} == {
        "name": "gd",
        "lr": 0.01,
        "batch_size": None,
    }
    assert lab.get(f"/api/models/{waiting}").json()["status"] == "queued"  # one worker: it waits

    cancelled = lab.post(f"/api/models/{waiting}/cancel", headers=waiting_owner)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert lab.post(f"/api/models/{long_id}/cancel", headers=long_owner).json()["cancel_requested"] is True
    stopped = wait_for(lab, long_id, {"cancelled", "done", "failed"}, timeout=10)
    assert stopped["status"] == "cancelled" and stopped["progress"] < 1
    again = lab.post(f"/api/models/{long_id}/cancel", headers=long_owner)
    assert again.status_code == 409
    assert again.json()["detail"] == {
        "type": "conflict",
        "message": f"model {long_id} has already finished (cancelled)",
    }

    done_id = lab.post("/api/models", json=MOONS).json()["id"]
    done = wait_for(lab, done_id, {"done", "failed"})
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 1.0 and done["metrics"]["test_accuracy"] > 0.8
    assert [p["step"] for p in done["curves"]][:3] == [0, 4, 8] and done["curves"][-1]["step"] == 200
    assert done["metrics"]["test_loss"] == done["curves"][-1]["test_loss"]


def test_queue_full_is_503_and_steps_over_the_limit_400(lab: TestClient) -> None:
    long_id, long_owner = submit(lab, LONG_MNIST)
    wait_for(lab, long_id, {"running"})
    queued = [submit(lab, {**MOONS, "seed": seed}) for seed in (11, 12)]  # distinct: not joined
    full = lab.post("/api/models", json={**MOONS, "seed": 13})
    assert full.status_code == 503 and full.headers["retry-after"] == "5"
    assert full.json()["detail"]["message"] == "the training queue is full (2 jobs waiting); try again later"
    too_long = lab.post("/api/models", json={**MOONS, "steps": 5001})
    assert too_long.status_code == 400
    assert too_long.json()["detail"] == {
        "type": "invalid",
        "message": "steps must be at most 5000 (setting max_training_steps), got 5001",
        "field": "steps",
    }
    for model_id, headers in [*queued, (long_id, long_owner)]:
        lab.post(f"/api/models/{model_id}/cancel", headers=headers)
    wait_for(lab, long_id, {"cancelled"}, timeout=10)


def test_a_job_whose_data_vanished_fails_with_the_reason(lab: TestClient, mnist_links: Path) -> None:
    long_id, long_owner = submit(lab, LONG_MNIST)
    wait_for(lab, long_id, {"running"})
    doomed = lab.post("/api/models", json={**LONG_MNIST, "steps": 10}).json()["id"]
    for link in mnist_links.iterdir():
        link.unlink()
    lab.post(f"/api/models/{long_id}/cancel", headers=long_owner)
    failed = wait_for(lab, doomed, {"failed", "done"})
    assert failed["status"] == "failed"
    assert "train-images-idx3-ubyte.gz not found in" in failed["error"]
    refused = lab.post("/api/models", json=LONG_MNIST)  # now refused up front
    assert refused.status_code == 503 and refused.json()["detail"]["type"] == "data_unavailable"
    for name in expected_files():
        (mnist_links / f"{name}.gz").symlink_to(MNIST_DIR / f"{name}.gz")


def test_a_killed_worker_fails_its_job_and_is_replaced(lab: TestClient) -> None:
    long_id = lab.post("/api/models", json={**LONG_MNIST, "seed": 21}).json()["id"]  # a job of its own
    wait_for(lab, long_id, {"running"})
    runner = lab.app.state.runner  # type: ignore[attr-defined]
    (pid,) = runner.worker_pids()
    os.kill(pid, signal.SIGKILL)
    failed = wait_for(lab, long_id, {"failed"}, timeout=10)
    assert failed["error"] == "the training worker stopped unexpectedly (exit code -9)"
    done_id = lab.post("/api/models", json={**MOONS, "seed": 22}).json()["id"]
    assert wait_for(lab, done_id, {"done", "failed"})["status"] == "done"
    assert runner.worker_pids() != [pid]
