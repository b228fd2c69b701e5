"""End to end with real processes: two app replicas and two `autograd-explorer worker`s on one
PostgreSQL and one shared data folder (issue 15 §2, §4, §5)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import MNIST_DIR
from tests.faults.processes import kill
from tests.live import LiveServer
from tests.scale.processes import Worker, events, job, wait_for
from tests.services import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # two servers start on a busy machine

LEASE_SECONDS = 4.0
QUICK = {
    "dataset": "moons",
    "model": "binary_classifier",
    "steps": 200,
    "optimizer": {"name": "gd", "lr": 0.5},
}
# Long enough to be caught running on a loaded machine, short enough to train twice.
LONG = {**QUICK, "steps": 5000, "eval_every": 50}


@dataclass
class Cluster:
    servers: list[LiveServer]
    workers: list[Worker]
    shared: Path
    database_url: str

    def worker_running(self, model_id: str) -> Worker:
        """The worker that runs `model_id` (the store records its process id; all run here)."""
        engine = create_engine(self.database_url)
        with engine.connect() as db:
            pid = db.execute(text("SELECT worker_pid FROM models WHERE id = :id"), {"id": model_id}).scalar()
        engine.dispose()
        return next(w for w in self.workers if w.process.pid == pid)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    postgres = PostgresServer.started()
    shared = tmp_path_factory.mktemp("shared") / "data"  # the folder every replica and worker mounts
    shared.mkdir()
    env = {
        "AUTOGRAD_EXPLORER_DATABASE_URL": postgres.url,
        "AUTOGRAD_EXPLORER_JOB_WORKERS": "external",
        "AUTOGRAD_EXPLORER_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
        "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
        "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
    }
    servers = [LiveServer(shared, env) for _ in range(2)]
    workers: list[Worker] = []
    try:
        for server in servers:
            server.start()
        workers = [Worker(env, shared.parent / f"worker-{i}.log") for i in range(2)]
        yield Cluster(servers, workers, shared, postgres.url)
    finally:
        for worker in workers:
            worker.stop()
        for server in servers:
            server.stop()
        postgres.discard()


def test_identical_requests_on_both_replicas_are_one_job_trained_once_and_served_by_both(
    cluster: Cluster,
) -> None:
    (a, b), shared = cluster.servers, cluster.shared
    answers = [
        httpx.post(f"{server.url}/api/models", json={**QUICK, "name": f"student {i}"}, timeout=30)
        for i, server in enumerate([a, b] * 10)
    ]
    assert {r.status_code for r in answers} == {202}
    ids = {r.json()["id"] for r in answers}
    assert len(ids) == 1 and [r.json()["deduplicated"] for r in answers].count(False) == 1
    (model_id,) = ids
    done = wait_for(b.url, model_id, {"done", "failed"})
    assert done["status"] == "done", done["error"]
    assert job(a.url, model_id) == done  # the same record on both replicas
    assert (shared / "weights" / f"{model_id}.pt").is_file()
    for server in (a, b):  # either replica serves the model a worker trained
        predicted = httpx.post(
            f"{server.url}/api/models/{model_id}/predict",
            json={"input": {"shape": [1, 2], "data": [[0.5, 0.25]]}},
            timeout=30,
        )
        assert predicted.status_code == 200 and 0.0 <= predicted.json()["probabilities"]["data"][0] <= 1.0
    # A stream begun on one replica resumes on the other (a replica died; EventSource reconnected
    # with Last-Event-ID): the second one sends exactly the points after that id.
    first = events(a.url, model_id)
    assert first[-1][0] == "end" and [p["step"] for p in first[0][1]["points"]] == [
        p["step"] for p in done["curves"]
    ]
    resumed = events(b.url, model_id, last_event_id=str(len(done["curves"]) - 4))
    assert resumed[0][1]["points"] == done["curves"][-3:] and resumed[-1][0] == "end"


def test_a_worker_killed_mid_job_has_its_job_retried_by_the_other_worker(
    cluster: Cluster,
) -> None:
    a, b = cluster.servers
    model_id = httpx.post(f"{a.url}/api/models", json=LONG, timeout=30).json()["id"]
    deadline = time.monotonic() + 240
    while (record := job(b.url, model_id))["progress"] <= 0:
        assert record["status"] in ("queued", "running") and time.monotonic() < deadline, record
        time.sleep(0.1)
    victim = cluster.worker_running(model_id)
    kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    done = wait_for(b.url, model_id, {"done", "failed"})
    assert done["status"] == "done", done["error"]  # the other worker trained it from the start
    assert done["curves"][-1]["step"] == LONG["steps"] and done["progress"] == 1.0
    steps = [p["step"] for p in done["curves"]]
    assert steps == sorted(set(steps))  # the retry's curve, not two runs' points interleaved
