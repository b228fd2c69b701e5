"""/api/rooms over HTTP: create, drive (403/404/400/413/422), read, and the SSE stream on a real uvicorn."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.api.middleware import ROOM_STREAM_PATH
from autograd_explorer.settings import Settings
from tests.rooms.conftest import ThreadServer, open_room

STATE = {"page": "explorer", "state": {"example": "polynomial", "position": 3, "view": "graph"}}


@pytest.fixture
def rooms_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        eval_isolation="inline",
        rooms_max_state_bytes=1_000,
        rooms_stream_seconds=0.3,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_lecturer_opens_drives_and_anyone_reads_a_room(rooms_client: TestClient) -> None:
    created = rooms_client.post("/api/rooms")
    assert created.status_code == 201
    code, token = created.json()["code"], created.json()["token"]
    assert created.headers["location"] == f"/api/rooms/{code}"
    assert rooms_client.get(f"/api/rooms/{code}").json() == {"code": code, "version": 0, "state": None}
    put = rooms_client.put(f"/api/rooms/{code}/state", json=STATE, headers=bearer(token))
    assert put.status_code == 200 and put.json() == {"version": 1}
    # Typed in lower case with a dash, as a student might.
    read = rooms_client.get(f"/api/rooms/{code[:3].lower()}-{code[3:].lower()}")
    assert read.json() == {"code": code, "version": 1, "state": STATE}


def test_refusals_name_what_and_never_change_the_state(rooms_client: TestClient) -> None:
    code, token = rooms_client.post("/api/rooms").json().values()
    other_token = rooms_client.post("/api/rooms").json()["token"]
    url = f"/api/rooms/{code}/state"
    for headers in ({}, bearer(other_token), {"Authorization": token}):
        refused = rooms_client.put(url, json=STATE, headers=headers)
        assert refused.status_code == 403 and refused.json()["detail"]["type"] == "forbidden"
    unknown = rooms_client.put("/api/rooms/222222/state", json=STATE, headers=bearer(token))
    assert unknown.status_code == 404 and "No room 222222" in unknown.json()["detail"]["message"]
    malformed = rooms_client.put("/api/rooms/NOPE!/state", json=STATE, headers=bearer(token))
    assert malformed.status_code == 400 and malformed.json()["detail"]["field"] == "code"
    big = {"page": "explorer", "state": {"source": "x" * 2_000}}
    too_large = rooms_client.put(url, json=big, headers=bearer(token))
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == {
        "type": "too_large",
        "message": too_large.json()["detail"]["message"],
        "limit": 1_000,
    }
    assert "rooms_max_state_bytes" in too_large.json()["detail"]["message"]
    for body in ({"state": {}}, {"page": "Explorer page", "state": {}}, {"page": "x", "state": [1]}, [1]):
        invalid = rooms_client.put(url, json=body, headers=bearer(token))
        assert invalid.status_code == 422, body
    not_json = rooms_client.put(
        url, content=b"{page", headers={**bearer(token), "content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert rooms_client.get(f"/api/rooms/{code}").json()["version"] == 0


def test_non_finite_numbers_travel_as_strings(rooms_client: TestClient) -> None:
    code, token = rooms_client.post("/api/rooms").json().values()
    body = b'{"page": "optimize", "state": {"lr": NaN, "big": 1e309}}'
    put = rooms_client.put(
        f"/api/rooms/{code}/state",
        content=body,
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert put.status_code == 200
    assert rooms_client.get(f"/api/rooms/{code}").json()["state"]["state"] == {"lr": "nan", "big": "inf"}


def test_the_stream_starts_with_the_current_state_and_resumes_after_last_event_id(
    rooms_client: TestClient,
) -> None:
    code, token = rooms_client.post("/api/rooms").json().values()
    for step in (1, 2):
        state = {"page": "explorer", "state": {"position": step}}
        rooms_client.put(f"/api/rooms/{code}/state", json=state, headers=bearer(token))
    stream = rooms_client.get(f"/api/rooms/{code}/events")  # ends after rooms_stream_seconds
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert (stream.headers["cache-control"], stream.headers["x-accel-buffering"]) == ("no-cache", "no")
    text = stream.text
    assert text.startswith("retry: 1000\n\n")
    assert 'id: 2\nevent: state\ndata: {"page":"explorer","state":{"position":2}}\n\n' in text
    assert "id: 1\n" not in text  # only the latest
    resumed = rooms_client.get(f"/api/rooms/{code}/events", headers={"Last-Event-ID": "2"}).text
    assert "event: state" not in resumed
    bad = rooms_client.get(f"/api/rooms/{code}/events", headers={"Last-Event-ID": "two"})
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "Last-Event-ID"
    assert rooms_client.get("/api/rooms/222222/events").status_code == 404


def test_only_the_lecturer_ends_a_room_and_then_it_is_gone(rooms_client: TestClient) -> None:
    code, token = rooms_client.post("/api/rooms").json().values()
    other_token = rooms_client.post("/api/rooms").json()["token"]
    rooms_client.put(f"/api/rooms/{code}/state", json=STATE, headers=bearer(token))
    for headers in ({}, bearer(other_token)):
        refused = rooms_client.delete(f"/api/rooms/{code}", headers=headers)
        assert refused.status_code == 403 and refused.json()["detail"]["type"] == "forbidden"
    assert rooms_client.get(f"/api/rooms/{code}").json()["version"] == 1  # refusals changed nothing
    ended = rooms_client.delete(f"/api/rooms/{code.lower()}", headers=bearer(token))
    assert ended.status_code == 204 and ended.content == b""
    for gone in (
        rooms_client.get(f"/api/rooms/{code}"),
        rooms_client.get(f"/api/rooms/{code}/events"),
        rooms_client.put(f"/api/rooms/{code}/state", json=STATE, headers=bearer(token)),
        rooms_client.delete(f"/api/rooms/{code}", headers=bearer(token)),  # ended twice
    ):
        assert gone.status_code == 404 and "its lecturer ended it" in gone.json()["detail"]["message"]
    unknown = rooms_client.delete("/api/rooms/222222", headers=bearer(token))
    assert unknown.status_code == 404
    malformed = rooms_client.delete("/api/rooms/0OIL", headers=bearer(token))
    assert malformed.status_code == 400 and malformed.json()["detail"]["field"] == "code"


def test_a_follower_on_a_real_server_is_told_the_lecture_ended(room_server: ThreadServer) -> None:
    code, token = open_room(room_server.url)
    httpx2.put(f"{room_server.url}/api/rooms/{code}/state", json=STATE, headers=bearer(token))
    lines: list[str] = []

    def follow() -> None:
        with httpx2.stream("GET", f"{room_server.url}/api/rooms/{code}/events", timeout=10) as stream:
            lines.extend(stream.iter_lines())  # ends when the server ends the stream

    reader = threading.Thread(target=follow)
    reader.start()
    deadline = time.monotonic() + 5
    while "event: state" not in lines:  # following: the current state came first
        assert time.monotonic() < deadline, lines
        time.sleep(0.02)
    ended = httpx2.delete(f"{room_server.url}/api/rooms/{code}", headers=bearer(token))
    assert ended.status_code == 204
    reader.join(timeout=5)
    assert not reader.is_alive()  # long before rooms_stream_seconds (20 s)
    assert [line for line in lines if line.startswith("event: ")] == ["event: state", "event: ended"]


def read_events(response: httpx2.Response, wanted: int, into: list[tuple[str, str, float]]) -> None:
    """Collect (id, data, arrival time) of `wanted` state events from an open stream (keep-alives as
    ("", "keep-alive", time))."""
    event_id, kind = "", ""
    for line in response.iter_lines():
        if line == ": keep-alive":
            into.append(("", "keep-alive", time.monotonic()))
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind == "state":
            into.append((event_id, line[6:], time.monotonic()))
            if sum(1 for _, data, _ in into if data != "keep-alive") >= wanted:
                return


def test_followers_on_a_real_server_get_each_step_live(room_server: ThreadServer) -> None:
    code, token = open_room(room_server.url)
    received: list[list[tuple[str, str, float]]] = [[], []]
    with httpx2.Client(base_url=room_server.url, timeout=10) as client:
        streams = [client.stream("GET", f"/api/rooms/{code}/events") for _ in received]
        responses = [s.__enter__() for s in streams]
        readers = [
            threading.Thread(target=read_events, args=(r, 3, got))
            for r, got in zip(responses, received, strict=True)
        ]
        for reader in readers:
            reader.start()
        for step in (1, 2, 3):
            # A lecturer's pace, slower than the keep-alives (0.2 s): each step comes after a quiet spell.
            time.sleep(0.5)
            state = {"page": "explorer", "state": {"position": step}}
            assert httpx2.put(
                f"{room_server.url}/api/rooms/{code}/state", json=state, headers=bearer(token)
            ).json() == {"version": step}
        for reader in readers:
            reader.join(timeout=5)
        for s in streams:
            s.__exit__(None, None, None)
    for got in received:
        assert any(data == "keep-alive" for _, data, _ in got)  # a quiet stream says it is alive
        assert [(i, d) for i, d, _ in got if d != "keep-alive"] == [
            (str(step), f'{{"page":"explorer","state":{{"position":{step}}}}}') for step in (1, 2, 3)
        ]


def test_room_streams_have_their_own_cap(room_server: ThreadServer) -> None:
    code, _ = open_room(room_server.url)
    with httpx2.Client(base_url=room_server.url, timeout=10) as client:
        streams = [client.stream("GET", f"/api/rooms/{code}/events") for _ in range(3)]  # rooms_max_streams=3
        opened = [s.__enter__() for s in streams]
        assert [r.status_code for r in opened] == [200, 200, 200]
        refused = httpx2.get(f"{room_server.url}/api/rooms/{code}/events")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert "rooms_max_streams" in refused.json()["detail"]["message"]
        # Other requests, job streams included, still answer.
        assert httpx2.get(f"{room_server.url}/api/rooms/{code}").status_code == 200
        for s in streams:
            s.__exit__(None, None, None)
    # Closed streams give their slots back.
    deadline = time.monotonic() + 5
    while True:
        with httpx2.stream("GET", f"{room_server.url}/api/rooms/{code}/events") as again:
            if again.status_code == 200:
                break
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_room_left_idle_closes_and_its_stream_says_ended(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", eval_isolation="inline", rooms_idle_seconds=0.3)
    with TestClient(create_app(settings)) as client:
        code = client.post("/api/rooms").json()["code"]
        text = client.get(f"/api/rooms/{code}/events").text  # ends when the room expires
        assert text.endswith("event: ended\ndata: {}\n\n")
        assert client.get(f"/api/rooms/{code}").status_code == 404


def test_the_room_stream_cap_knows_exactly_the_room_stream_route(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, eval_isolation="inline"))
    paths = [path for path, operations in app.openapi()["paths"].items() if "get" in operations]
    matched = [p for p in paths if ROOM_STREAM_PATH.fullmatch(re.sub(r"\{[^}]+\}", "ABCDEF", p))]
    assert matched == ["/api/rooms/{code}/events"]
