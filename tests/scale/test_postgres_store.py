"""The records store on a real PostgreSQL: same behaviour as SQLite, plus what several machines need."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from autograd_explorer.api.app import create_app
from autograd_explorer.errors import Conflict, NotFound, Overloaded
from autograd_explorer.settings import Settings
from autograd_explorer.store.migrate import upgrade
from autograd_explorer.store.records import MAX_ATTEMPTS, ModelStore
from tests.jobs.helpers import MOONS
from tests.services import PostgresServer


@pytest.fixture
def store(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[ModelStore]:
    made = ModelStore(tmp_path, postgres_server.url)
    yield made
    made.dispose()


def test_migrations_run_once_and_leave_the_schema_at_head(postgres_server: PostgresServer) -> None:
    upgrade(postgres_server.url)  # again: nothing to do
    engine = create_engine(postgres_server.url)
    with engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
        kinds = dict(
            db.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'models'"
                )
            ).all()
        )
    engine.dispose()
    assert kinds["created_at"] == kinds["progress"] == "double precision"  # not PostgreSQL's 4-byte real
    assert {"config_digest", "requests", "attempts", "heartbeat_at", "owner_token_hash"} <= set(kinds)


def test_the_lifecycle_round_trips_exactly(store: ModelStore) -> None:
    made = store.create({"dataset": "moons", "lr": 0.1}, owner_token_hash="ab" * 32)
    assert made is not None and made.status == "queued" and abs(made.created_at - time.time()) < 60
    claimed = store.claim_next(worker_pid=7)
    assert claimed is not None and claimed[0] == made.id
    model_id, token = claimed
    point = {"step": 0, "train_loss": 0.6931471805599453}
    assert store.report(model_id, token, 0.5, [(0, point), (1, {**point, "step": 1})])
    assert store.report(model_id, token, 0.75, [(1, {**point, "step": 2})])  # a re-sent index: replaced
    assert store.points(model_id) == [(0, point), (1, {**point, "step": 2})]
    assert store.points(model_id, 2**63 - 1) == []  # the largest Last-Event-ID
    assert not store.report(model_id, "not-the-token", 1.0, [])
    assert store.finish(model_id, token, "done", metrics={"test_accuracy": 0.875})
    record = store.get(model_id)
    assert (record.status, record.progress, record.metrics, record.attempts) == (
        "done",
        1.0,
        {"test_accuracy": 0.875},
        1,
    )
    with pytest.raises(Conflict):
        store.request_cancel(model_id)
    store.delete(model_id)
    with pytest.raises(NotFound):
        store.get(model_id)


def test_workers_on_many_connections_claim_each_job_exactly_once(
    store: ModelStore, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    ids = set()
    for i in range(30):
        made = store.create({"i": i})
        assert made is not None
        ids.add(made.id)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(pid: int) -> None:
        own = ModelStore(tmp_path, postgres_server.url)  # its own pool, as another machine would
        while (job := own.claim_next(worker_pid=pid)) is not None:
            with lock:
                claimed.append(job[0])
        own.dispose()

    threads = [threading.Thread(target=worker, args=(pid,)) for pid in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)  # every job once: none twice, none missed


def test_identical_requests_from_many_connections_are_one_job(
    store: ModelStore, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    outcomes: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def request() -> None:
        own = ModelStore(tmp_path, postgres_server.url)
        got = own.join_or_create({"k": 1}, "f" * 64)
        own.dispose()
        assert got is not None
        with lock:
            outcomes.append((got[0].id, got[1]))

    threads = [threading.Thread(target=request) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({i for i, _ in outcomes}) == 1 and [c for _, c in outcomes].count(True) == 1
    assert store.records()[0].requests == 20


def test_a_silent_workers_job_is_requeued_once_then_failed_with_the_reason(store: ModelStore) -> None:
    made = store.create({})
    assert made is not None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = store.claim_next(worker_pid=attempt)
        assert claimed is not None
        store.report(claimed[0], claimed[1], 0.5, [(0, {"step": 0})])
        assert store.recover_silent(60.0) == ([], [])  # it reported just now: alive
        time.sleep(0.05)
        requeued, failed = store.recover_silent(0.01)
        if attempt < MAX_ATTEMPTS:
            assert (requeued, failed) == ([made.id], [])
            again = store.get(made.id)
            assert (again.status, again.progress, again.run_token) == ("queued", 0.0, None)
            assert store.points(made.id) == []  # the retry writes its own curve
            assert not store.report(claimed[0], claimed[1], 0.9, [])  # the silent worker, if it wakes
        else:
            assert (requeued, failed) == ([], [made.id])
    final = store.get(made.id)
    assert final.status == "failed" and final.attempts == MAX_ATTEMPTS
    assert final.error == "the training worker stopped reporting (no progress for 0.01 s), 2 times: given up"


def test_a_stopped_database_is_503_with_retry_after_and_nothing_half_written(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=postgres_server.url,
        job_workers="external",
        eval_workers=1,
    )
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/models", json=MOONS)
        assert first.status_code == 202
        postgres_server.stop()
        for method, url, body in [
            ("POST", "/api/models", {**MOONS, "seed": 1}),
            ("GET", "/api/models", None),
            ("GET", f"/api/models/{first.json()['id']}", None),
        ]:
            answer = client.request(method, url, json=body)
            assert answer.status_code == 503, (url, answer.text)
            assert answer.headers["retry-after"] == "5"
            assert answer.json()["detail"] == {
                "type": "overloaded",
                "message": "the records database is unavailable; try again in a few seconds",
            }
        postgres_server.start()
        listed = client.get("/api/models")
        assert listed.status_code == 200
        # the refused POST left nothing
        assert [m["id"] for m in listed.json()["items"]] == [first.json()["id"]]
        assert client.post("/api/models", json={**MOONS, "seed": 1}).status_code == 202


def test_the_sqlite_default_is_untouched_by_the_url_setting(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    assert not store.postgres and store.where() == str(tmp_path / "models.sqlite3")
    with pytest.raises(Overloaded):  # an unreachable server is an outage, not a crash
        ModelStore(tmp_path, "postgresql://nobody@127.0.0.1:1/none")


def test_each_stale_queued_job_goes_to_one_sweeping_worker(
    store: ModelStore, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """Six workers sweep at once: each job whose message may be lost is re-sent by exactly one."""
    made = [store.create({"n": n}) for n in range(10)]
    ids = sorted(r.id for r in made if r is not None)
    with store.engine.begin() as db:
        db.execute(text("UPDATE models SET created_at = created_at - 100"))
    handed: list[str] = []
    lock = threading.Lock()

    def sweep() -> None:
        own = ModelStore(tmp_path, postgres_server.url)
        got = own.stale_queued(50.0)
        own.dispose()
        with lock:
            handed.extend(got)

    threads = [threading.Thread(target=sweep) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(handed) == ids
