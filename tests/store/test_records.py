"""The records database: job states, run tokens, curves, restart recovery."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autograd_explorer.errors import Conflict, NotFound
from autograd_explorer.store.records import INTERRUPTED_MESSAGE, ModelStore


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
