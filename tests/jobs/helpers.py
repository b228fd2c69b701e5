"""Waiting for jobs in tests (polling with a deadline, never a fixed sleep)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient


def owner(accepted: dict[str, Any]) -> dict[str, str]:
    """The header that cancels or deletes the job of a 202 answer (its job token)."""
    return {"Authorization": f"Bearer {accepted['token']}"}


def submit(client: TestClient, config: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """POST /api/models: the new job's id and its owner header."""
    response = client.post("/api/models", json=config)
    assert response.status_code == 202, response.text
    return response.json()["id"], owner(response.json())


def wait_for(client: TestClient, model_id: str, statuses: set[str], timeout: float = 60.0) -> dict[str, Any]:
    """GET the model until its status is one of `statuses`; its last record."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/models/{model_id}").json()
        if body["status"] in statuses:
            return body
        assert time.monotonic() < deadline, f"{model_id} still {body['status']} after {timeout} s"
        time.sleep(0.05)


MOONS = {
    "dataset": "moons",
    "model": "binary_classifier",
    "steps": 200,
    "optimizer": {"name": "gd", "lr": 0.5},
}
# Long enough to be caught running (5000 full-batch steps on 2000 images: tens of seconds).
LONG_MNIST = {
    "dataset": "mnist_parity",
    "model": "simple_nn",
    "train_size": 2000,
    "test_size": 500,
    "steps": 5000,
}
