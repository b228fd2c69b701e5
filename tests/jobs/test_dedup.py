"""Identical training requests are one job (issue 15): the digest, the store's join, the API's answer."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from autograd_explorer.store.records import ModelStore
from autograd_explorer.train.config import TrainConfig, training_digest
from tests.conftest import MNIST_DIR
from tests.jobs.helpers import LONG_MNIST, MOONS, owner, wait_for

LECTURER = "lecturer-token-for-the-dedup-tests"


def digest(**fields: object) -> str:
    return training_digest(TrainConfig.model_validate(fields).resolved())


# --- the digest -------------------------------------------------------------------------------


def test_the_digest_is_the_sha256_of_the_sorted_compact_json_without_the_label() -> None:
    resolved = TrainConfig.model_validate({**MOONS, "name": "mine"}).resolved()
    fields = resolved.model_dump(mode="json")
    del fields["name"]
    expected = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert training_digest(resolved) == expected


def test_defaults_spelled_out_or_left_out_and_the_label_do_not_change_the_digest() -> None:
    implicit = digest(**MOONS)
    explicit = digest(**MOONS, hidden=8, activation="tanh", train_size=400, test_size=200, eval_every=4)
    assert implicit == explicit == digest(**MOONS, name="the lecture's network")
    different = {
        digest(**{**MOONS, "seed": 1}),
        digest(**{**MOONS, "steps": 201}),
        digest(**{**MOONS, "optimizer": {"name": "gd", "lr": 0.25}}),
        digest(**{**MOONS, "dataset": "circles"}),
        digest(**{**MOONS, "model": "logistic"}),
        digest(**{**MOONS, "noise": 0.2}),
    }
    assert implicit not in different and len(different) == 6


# --- the store: one transaction per request -----------------------------------------------------


def test_concurrent_identical_requests_make_one_job_that_counts_them(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def request() -> None:
        outcome = ModelStore(tmp_path).join_or_create({"k": 1}, "d" * 64, owner_token_hash="h" * 64)
        assert outcome is not None
        with lock:
            results.append((outcome[0].id, outcome[1]))

    threads = [threading.Thread(target=request) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {model_id for model_id, _ in results}
    assert len(ids) == 1 and [created for _, created in results].count(True) == 1
    (job,) = store.records()
    assert job.requests == 24 and job.config_digest == "d" * 64 and job.owner_token_hash == "h" * 64


def test_failed_and_cancelled_jobs_are_not_joined_and_a_full_queue_refuses_only_new_jobs(
    tmp_path: Path,
) -> None:
    store = ModelStore(tmp_path)
    first = store.join_or_create({}, "a" * 64, max_queued=1)
    assert first is not None and first[1]
    joined = store.join_or_create({}, "a" * 64, max_queued=1)  # the queue is full, but this is no new job
    assert joined is not None and (joined[0].id, joined[1]) == (first[0].id, False)
    assert store.join_or_create({}, "b" * 64, max_queued=1) is None
    store.request_cancel(first[0].id)
    fresh = store.join_or_create({}, "a" * 64)
    assert fresh is not None and fresh[1] and fresh[0].id != first[0].id
    token = store.claim(fresh[0].id, worker_pid=1)
    assert token is not None and store.finish(fresh[0].id, token, "failed", error="boom")
    retried = store.join_or_create({}, "a" * 64)
    assert retried is not None and retried[1] and retried[0].id not in (first[0].id, fresh[0].id)


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, lecturer_token=LECTURER, training_workers=1
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_identical_request_answers_the_same_job_without_a_token(lab: TestClient) -> None:
    long = lab.post("/api/models", json=LONG_MNIST)  # holds the one worker: the next job waits
    first = lab.post("/api/models", json={**MOONS, "name": "first"})
    second = lab.post("/api/models", json={**MOONS, "name": "second", "hidden": 8})  # 8: the default
    assert first.status_code == second.status_code == 202
    assert first.json()["deduplicated"] is False and isinstance(first.json()["token"], str)
    assert second.json() == {
        "id": first.json()["id"],
        "status": "queued",
        "token": None,
        "deduplicated": True,
    }
    assert second.headers["location"] == f"/api/models/{first.json()['id']}"
    job_id = first.json()["id"]
    assert [m["id"] for m in lab.get("/api/models").json()["items"]].count(job_id) == 1
    assert lab.get(f"/api/models/{job_id}").json()["name"] == "first"  # the first request's label

    # Shared now: the creator's token no longer cancels it (the other requester is watching it).
    refused = lab.post(f"/api/models/{job_id}/cancel", headers=owner(first.json()))
    assert refused.status_code == 403
    assert refused.json()["detail"]["message"] == (
        f"Model {job_id} answers 2 identical training requests: only the lecturer token (setting "
        "lecturer_token) may cancel or delete it, as Authorization: Bearer <token>."
    )
    lab.post(f"/api/models/{long.json()['id']}/cancel", headers=owner(long.json()))
    done = wait_for(lab, job_id, {"done", "failed"})
    assert done["status"] == "done", done["error"]

    later = lab.post("/api/models", json=MOONS)  # after it finished: still the same model
    assert (later.json()["id"], later.json()["status"], later.json()["deduplicated"]) == (
        job_id,
        "done",
        True,
    )
    other_seed = lab.post("/api/models", json={**MOONS, "seed": 5})
    assert other_seed.json()["id"] != job_id and other_seed.json()["deduplicated"] is False
    deleted = lab.delete(f"/api/models/{job_id}", headers={"Authorization": f"Bearer {LECTURER}"})
    assert deleted.status_code == 204
    anew = lab.post("/api/models", json=MOONS)  # deleted: the next request trains it again
    assert anew.json()["id"] != job_id and anew.json()["deduplicated"] is False


def test_many_concurrent_identical_requests_through_the_api_are_one_job(lab: TestClient) -> None:
    answers: list[dict[str, object]] = []
    lock = threading.Lock()

    def post() -> None:
        body = lab.post("/api/models", json={**MOONS, "seed": 9}).json()
        with lock:
            answers.append(body)

    threads = [threading.Thread(target=post) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({a["id"] for a in answers}) == 1
    assert [a["deduplicated"] for a in answers].count(False) == 1
    assert [a["token"] is None for a in answers].count(True) == 15
    (job,) = [m for m in lab.get("/api/models").json()["items"] if m["config"]["seed"] == 9]
    assert wait_for(lab, job["id"], {"done", "failed"})["status"] == "done"


def test_deduplication_can_be_switched_off(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", deduplicate_jobs=False)
    with TestClient(create_app(settings)) as client:
        ids = {client.post("/api/models", json=MOONS).json()["id"] for _ in range(3)}
    assert len(ids) == 3
