"""The server-sent event stream of a job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.jobs.events import sse
from autograd_explorer.settings import Settings
from tests.conftest import MNIST_DIR
from tests.jobs.helpers import LONG_MNIST, MOONS, submit, wait_for


def read_events(client: TestClient, url: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every event of one stream as {event, id, data}."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with client.stream("GET", url, headers=headers or {}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        # neither cached nor buffered by a proxy on the way (api/responses.py event_stream)
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        for line in response.iter_lines():
            if not line:
                if "event" in current:
                    events.append(current)
                current = {}
                continue
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return events


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, events_poll_seconds=0.05, events_stream_seconds=120
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_stream_carries_every_point_once_then_ends(lab: TestClient) -> None:
    # Long enough to outlast a few polls of the stream even on an idle machine; a seed of its own so
    # no other test's identical job is joined (deduplication would answer a finished one).
    body = {**MOONS, "steps": 5000, "eval_every": 10, "seed": 4711}
    model_id = lab.post("/api/models", json=body).json()["id"]
    events = read_events(lab, f"/api/models/{model_id}/events")
    progress = [e for e in events if e["event"] == "progress"]
    assert events[-1]["event"] == "end" and events[-1]["data"]["status"] == "done"
    streamed = [p for e in progress for p in e["data"]["points"]]
    assert streamed == events[-1]["data"]["curves"]
    assert [p["step"] for p in streamed] == [*range(0, 5000, 10), 5000]
    with_points = [e for e in progress if e["data"]["points"]]
    assert len(with_points) >= 2  # the points arrived along the way, not all at the end
    assert int(with_points[-1]["id"]) == len(streamed) - 1

    resumed = read_events(lab, f"/api/models/{model_id}/events", {"Last-Event-ID": "497"})
    assert [p["step"] for p in resumed[0]["data"]["points"]] == [4980, 4990, 5000]


def test_unknown_model_is_404_before_streaming(lab: TestClient) -> None:
    response = lab.get("/api/models/abc/events")
    assert response.status_code == 404
    assert response.json()["detail"] == {"type": "not_found", "message": "no model with id 'abc'"}


def test_event_format_keeps_non_finite_numbers_valid_json() -> None:
    text = sse("progress", {"loss": float("nan")}, 3)
    assert text == 'id: 3\nevent: progress\ndata: {"loss":null}\n\n'  # as GET /api/models/{id} says it


def test_finished_job_stream_is_one_progress_and_end(lab: TestClient) -> None:
    model_id = lab.post("/api/models", json=MOONS).json()["id"]
    wait_for(lab, model_id, {"done"})
    events = read_events(lab, f"/api/models/{model_id}/events")
    assert [e["event"] for e in events] == ["progress", "end"]


def test_a_long_stream_closes_early_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, events_poll_seconds=0.05, events_stream_seconds=0.3
    )
    with TestClient(create_app(settings)) as client:
        model_id, owner = submit(client, LONG_MNIST)
        wait_for(client, model_id, {"running"})
        first = read_events(client, f"/api/models/{model_id}/events")
        assert first and all(e["event"] == "progress" for e in first)  # no `end`: the browser reconnects
        client.post(f"/api/models/{model_id}/cancel", headers=owner)
        wait_for(client, model_id, {"cancelled"})
        last_id = next((e["id"] for e in reversed(first) if "id" in e), "-1")
        rest = read_events(client, f"/api/models/{model_id}/events", {"Last-Event-ID": last_id})
    streamed = [p for e in first + rest if e["event"] == "progress" for p in e["data"]["points"]]
    assert rest[-1]["event"] == "end" and streamed == rest[-1]["data"]["curves"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("10000000000000000000000000", "'100000000000000000000000…'"),  # overflowed SQLite's integers
        ("9223372036854775808", "'9223372036854775808'"),
        ("-2", "'-2'"),
        ("abc", "'abc'"),
        ("3_0", "'3_0'"),  # int() reads it as 30; an id we sent never looks like that
    ],
)
def test_a_last_event_id_that_is_not_ours_is_400_naming_the_header(
    lab: TestClient, value: str, shown: str
) -> None:
    model_id = lab.post("/api/models", json=MOONS).json()["id"]
    response = lab.get(f"/api/models/{model_id}/events", headers={"Last-Event-ID": value})
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "type": "invalid",
        "message": "Last-Event-ID must be the id of an event this stream sent, a whole number from -1 to "
        f"9223372036854775807; got {shown}",
        "field": "Last-Event-ID",
    }


def test_the_largest_and_empty_last_event_ids_stream(lab: TestClient) -> None:
    model_id = lab.post("/api/models", json=MOONS).json()["id"]
    wait_for(lab, model_id, {"done"})
    beyond = read_events(lab, f"/api/models/{model_id}/events", {"Last-Event-ID": "9223372036854775807"})
    assert [e["event"] for e in beyond] == ["progress", "end"]
    assert beyond[0]["data"]["points"] == []  # nothing after that index
    empty = read_events(lab, f"/api/models/{model_id}/events", {"Last-Event-ID": ""})
    assert len(empty[0]["data"]["points"]) == len(empty[-1]["data"]["curves"]) > 0
