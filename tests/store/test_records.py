"""The records database: job states, run tokens, curves, restart recovery."""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from autograd_explorer.errors import Conflict, NotFound
from autograd_explorer.store.records import INTERRUPTED_MESSAGE, MIGRATIONS, ModelStore


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "data")


def test_a_job_goes_queued_running_done_with_its_curve(store: ModelStore) -> None:
    record = store.create({"model": "logistic"})
    assert record is not None and record.status == "queued"
    claimed = store.claim_next(worker_pid=123)
    assert claimed is not None
    model_id, token = claimed
    assert model_id == record.id and store.get(model_id).status == "running"
    assert store.claim_next(worker_pid=124) is None  # nothing else waits
    assert store.report(model_id, token, 0.5, [(0, {"step": 0, "train_loss": math.nan})])
    assert store.report(model_id, token, 0.75, [(1, {"step": 5, "train_loss": 0.25})])
    assert store.finish(model_id, token, "done", metrics={"test_accuracy": 0.9})
    done = store.get(model_id)
    assert (done.status, done.progress, done.metrics) == ("done", 1.0, {"test_accuracy": 0.9})
    points = store.points(model_id)
    assert [i for i, _ in points] == [0, 1] and math.isnan(points[0][1]["train_loss"])
    assert store.points(model_id, after=0) == [(1, {"step": 5, "train_loss": 0.25})]


def test_a_stale_token_changes_nothing(store: ModelStore) -> None:
    record = store.create({})
    assert record is not None
    _, token = store.claim_next(worker_pid=1) or ("", "")
    store.fail_active("boom")
    assert not store.report(record.id, token, 0.9, [(0, {"step": 0})])
    assert not store.finish(record.id, token, "done")
    assert store.get(record.id).status == "failed" and store.points(record.id) == []


def test_cancel_queued_at_once_and_running_by_request(store: ModelStore) -> None:
    first, second = store.create({}), store.create({})
    assert first is not None and second is not None
    claimed = store.claim_next(worker_pid=1)
    assert claimed is not None and claimed[0] == first.id
    assert store.request_cancel(second.id).status == "cancelled"
    running = store.request_cancel(first.id)
    assert running.status == "running" and running.cancel_requested
    assert not store.report(first.id, claimed[1], 0.1, [])  # the worker is told to stop
    assert store.finish(first.id, claimed[1], "cancelled")
    with pytest.raises(Conflict, match=f"model {first.id} has already finished \\(cancelled\\)"):
        store.request_cancel(first.id)
    with pytest.raises(NotFound, match="no model with id 'nope'"):
        store.get("nope")


def test_queue_limit_and_restart_recovery(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    assert store.create({}, max_queued=2) is not None
    assert store.create({}, max_queued=2) is not None
    assert store.create({}, max_queued=2) is None
    store.claim_next(worker_pid=9)
    reopened = ModelStore(tmp_path)  # a new server on the same file
    failed = reopened.fail_active(INTERRUPTED_MESSAGE)
    assert len(failed) == 2
    assert {(r.status, r.error) for r in reopened.records()} == {("failed", INTERRUPTED_MESSAGE)}


# The schema before job tokens (issue 9), as older servers created it.
OLD_SCHEMA = """
CREATE TABLE models (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0, metrics TEXT, error TEXT, started_at REAL, finished_at REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0, run_token TEXT, worker_pid INTEGER
);
CREATE TABLE curve_points (model_id TEXT NOT NULL, idx INTEGER NOT NULL, point TEXT NOT NULL,
    PRIMARY KEY (model_id, idx));
INSERT INTO models (id, created_at, config, status) VALUES ('0ld0ld', 1.0, '{"model": "logistic"}', 'done');
"""


def test_an_older_database_gains_the_new_columns_and_keeps_its_models(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "models.sqlite3")) as db:
        db.executescript(OLD_SCHEMA)
    store = ModelStore(tmp_path)
    old = store.get("0ld0ld")
    assert (old.status, old.config, old.owner_token_hash) == ("done", {"model": "logistic"}, None)
    assert (old.config_digest, old.requests) == (None, 1)  # never joined by a new request
    new = store.create({}, owner_token_hash="ab" * 32)
    assert new is not None and store.get(new.id).owner_token_hash == "ab" * 32
    again = ModelStore(tmp_path)  # opening a migrated database changes nothing
    assert [r.id for r in again.records()] == ["0ld0ld", new.id]
    with closing(sqlite3.connect(tmp_path / "models.sqlite3")) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),) == (5,)


def test_delete_removes_a_finished_record_and_its_points_only(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    ids = []
    for _ in range(2):
        record = store.create({})
        assert record is not None
        token = store.claim(record.id, worker_pid=1)
        assert token is not None
        assert store.report(record.id, token, 0.5, [(0, {"step": 0.0}), (1, {"step": 1.0})])
        with pytest.raises(Conflict, match="is running: cancel it before deleting it"):
            store.delete(record.id)
        assert store.finish(record.id, token, "done")
        ids.append(record.id)
    gone, kept = ids
    store.delete(gone)
    with pytest.raises(NotFound):
        store.get(gone)
    with pytest.raises(NotFound):
        store.delete(gone)
    assert store.points(gone) == []
    assert [r.id for r in store.records()] == [kept]
    assert store.points(kept) == [(0, {"step": 0.0}), (1, {"step": 1.0})]


def test_a_queued_job_unclaimed_too_long_is_handed_out_once_per_period(store: ModelStore) -> None:
    """The task queue's sweep: a job whose message may be lost is re-sent, but not by every sweep."""
    waiting, started = store.create({"n": 1}), store.create({"n": 2})
    assert waiting is not None and started is not None
    assert store.claim(started.id, worker_pid=7) is not None
    assert store.stale_queued(50.0) == []  # both just made
    with store.engine.begin() as db:  # a hundred seconds pass for both
        db.execute(text("UPDATE models SET created_at = created_at - 100, heartbeat_at = heartbeat_at - 100"))
    assert store.stale_queued(50.0) == [waiting.id]  # not the running one: its worker has it
    assert store.stale_queued(50.0) == []  # sent again just now: the next sweep leaves it
    assert store.get(waiting.id).status == "queued"
