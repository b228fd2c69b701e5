"""Training through the task queue (Dramatiq on Redis) with real processes (issue 15 §2, §4):
an app replica sends each new job's id to Redis, `autograd-explorer worker`s consume it and claim
the job in PostgreSQL exactly once; a restart of a Redis without persistence loses the messages,
and the workers' sweep sends them again, so every accepted job still trains (once)."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from autograd_explorer.jobs.queue import NAMESPACE, QUEUE_NAME, TrainingQueue
from tests.conftest import MNIST_DIR
from tests.faults.processes import kill
from tests.live import LiveServer
from tests.scale.processes import Worker, job, wait_for
from tests.services import PostgresServer, RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

LEASE_SECONDS = 3.0
DRAIN_SECONDS = 60.0  # re-sent messages of a finished job are dropped in well under a second each
QUICK = {
    "dataset": "moons",
    "model": "binary_classifier",
    "steps": 200,
    "optimizer": {"name": "gd", "lr": 0.5},
}


@dataclass
class Setup:
    app: LiveServer
    redis: RedisServer
    env: dict[str, str]
    folder: Path
    database_url: str

    def worker(self, name: str) -> Worker:
        return Worker(self.env, self.folder / f"{name}.log")

    def attempts(self, model_id: str) -> int:
        """How many times a worker claimed the job (the record counts every start)."""
        engine = create_engine(self.database_url)
        with engine.connect() as db:
            found = db.execute(
                text("SELECT attempts FROM models WHERE id = :id"), {"id": model_id}
            ).scalar_one()
        engine.dispose()
        return int(found)

    def worker_pid(self, model_id: str) -> int:
        engine = create_engine(self.database_url)
        with engine.connect() as db:
            pid = db.execute(
                text("SELECT worker_pid FROM models WHERE id = :id"), {"id": model_id}
            ).scalar_one()
        engine.dispose()
        return int(pid)

    def queued_job_ids(self) -> list[str]:
        """The job ids of the messages waiting in Redis (Dramatiq keeps each message in a hash)."""
        client = redis.Redis.from_url(self.redis.url)
        try:
            bodies = client.hvals(f"{NAMESPACE}:{QUEUE_NAME}.msgs")
            return [json.loads(body)["args"][0] for body in bodies]
        finally:
            client.close()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("queue")
    postgres = PostgresServer.started()
    queue_redis = RedisServer(folder / "redis", persistent=False)
    shared = folder / "data"
    shared.mkdir()
    env = {
        "AUTOGRAD_EXPLORER_DATABASE_URL": postgres.url,
        "AUTOGRAD_EXPLORER_BROKER_URL": queue_redis.url,
        "AUTOGRAD_EXPLORER_JOB_WORKERS": "external",
        "AUTOGRAD_EXPLORER_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
        "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
        "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
    }
    app = LiveServer(shared, env)
    try:
        queue_redis.start()
        app.start()
        yield Setup(app, queue_redis, env, folder, postgres.url)
    finally:
        app.stop()
        queue_redis.stop()
        postgres.discard()


def submit(setup: Setup, config: dict[str, object]) -> str:
    answer = httpx.post(f"{setup.app.url}/api/models", json=config, timeout=30)
    assert answer.status_code == 202, answer.text
    model_id: str = answer.json()["id"]
    return model_id


def test_a_job_goes_through_redis_and_is_trained_once_however_many_messages_name_it(setup: Setup) -> None:
    model_id = submit(setup, {**QUICK, "seed": 1})
    assert setup.queued_job_ids() == [model_id]  # no worker yet: the message waits in Redis
    extra = TrainingQueue(setup.redis.url)
    try:  # redeliveries and re-sends: three more messages for the same job
        assert all(extra.send(model_id) for _ in range(3))
    finally:
        extra.close()
    workers = [setup.worker(f"worker-a{i}") for i in range(2)]
    try:
        done = wait_for(setup.app.url, model_id, {"done", "failed"})
        # the job can be done while the other worker still holds a re-sent message (taken, not yet
        # acknowledged): the workers stay up until the queue is drained or the bound runs out (a
        # worker stopped mid-message left it in Redis, and the next test found it there)
        deadline = time.monotonic() + DRAIN_SECONDS
        while setup.queued_job_ids() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()
    assert done["status"] == "done", done["error"]
    assert setup.attempts(model_id) == 1  # four messages, one claim, one training
    logs = "".join((setup.folder / f"worker-a{i}.log").read_text() for i in range(2))
    assert logs.count(f"job {model_id} is no longer queued; message dropped") >= 1
    assert setup.queued_job_ids() == []  # every message consumed and acknowledged


def test_redis_restarted_without_persistence_loses_no_accepted_job(setup: Setup) -> None:
    before = submit(setup, {**QUICK, "seed": 2})
    assert setup.queued_job_ids() == [before]
    setup.redis.stop()  # no append-only file: its message is gone
    during = submit(setup, {**QUICK, "seed": 3})  # accepted while Redis is down: only in PostgreSQL
    setup.redis.start()
    assert setup.queued_job_ids() == []  # neither job has a message now
    worker = setup.worker("worker-b")
    try:
        finished = [wait_for(setup.app.url, model_id, {"done", "failed"}) for model_id in (before, during)]
        setup.redis.restart()  # now under a consuming worker: its consumer reconnects
        after = submit(setup, {**QUICK, "seed": 5})
        finished.append(wait_for(setup.app.url, after, {"done", "failed"}))
    finally:
        worker.stop()
    assert [r["status"] for r in finished] == ["done"] * 3, [r["error"] for r in finished]
    assert [setup.attempts(before), setup.attempts(during), setup.attempts(after)] == [1, 1, 1]
    log = (setup.folder / "worker-b.log").read_text()
    assert f"job {before}: queued for over" in log and f"job {during}: queued for over" in log


def test_a_worker_killed_mid_job_has_its_job_sent_again_and_trained_by_the_other(setup: Setup) -> None:
    """With the queue, no worker polls the database: the lease's requeue must also send the job again."""
    model_id = submit(setup, {**QUICK, "steps": 5000, "eval_every": 25, "seed": 4})
    workers = [setup.worker(f"worker-c{i}") for i in range(2)]
    try:
        deadline = time.monotonic() + 240
        while (record := job(setup.app.url, model_id))["progress"] <= 0:
            assert record["status"] in ("queued", "running") and time.monotonic() < deadline, record
            time.sleep(0.1)
        victim = next(w for w in workers if w.process.pid == setup.worker_pid(model_id))
        kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        done = wait_for(setup.app.url, model_id, {"done", "failed"})
    finally:
        for worker in workers:
            worker.stop()
    assert done["status"] == "done", done["error"]
    assert setup.attempts(model_id) == 2  # the killed run, then the other worker's from the start
    assert done["curves"][-1]["step"] == 5000 and done["progress"] == 1.0
