"""A real database file across two app lifetimes: finished models survive, interrupted jobs fail."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from tests.conftest import MNIST_DIR
from tests.jobs.helpers import LONG_MNIST, MOONS, wait_for


def test_models_and_curves_survive_a_restart_and_the_running_job_is_failed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, training_workers=1)
    with TestClient(create_app(settings)) as first:
        done_id = first.post("/api/models", json=MOONS).json()["id"]
        before = wait_for(first, done_id, {"done", "failed"})
        interrupted_id = first.post("/api/models", json=LONG_MNIST).json()["id"]
        wait_for(first, interrupted_id, {"running"})
        queued_id = first.post("/api/models", json={**MOONS, "seed": 1}).json()["id"]
    assert (tmp_path / "data" / "models.sqlite3").is_file()

    with TestClient(create_app(settings)) as second:
        after = second.get(f"/api/models/{done_id}").json()
        assert after["status"] == "done"
        assert after["curves"] == before["curves"] and after["metrics"] == before["metrics"]
        for job_id in (interrupted_id, queued_id):
            job = second.get(f"/api/models/{job_id}").json()
            assert (job["status"], job["error"]) == ("failed", "interrupted by a server restart")
        predicted = second.post(f"/api/models/{done_id}/predict", json={"input": [0.0, 0.0]})
        assert predicted.status_code == 200
        listed = second.get("/api/models").json()["items"]
        assert [m["id"] for m in listed] == [done_id, interrupted_id, queued_id]
        assert all(m["curves"] is None for m in listed)
