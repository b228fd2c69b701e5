"""Kill an app replica (issue 15 §4): its students' streams reconnect to the other replica and resume
from their last event. Real processes: two uvicorn replicas on one PostgreSQL and one Redis, a
training worker on the task queue; replica A is killed with SIGKILL (with its children, as a
container or machine would be) while a job's curve and a room stream to a student, and each
student reconnects to replica B with its Last-Event-ID, as EventSource does."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import MNIST_DIR
from tests.faults.processes import children, grandchildren, kill, wait_until_gone
from tests.live import LiveServer
from tests.scale.processes import Worker, wait_for
from tests.services import PostgresServer, RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# Long enough to be caught mid-training on a quiet machine, a few seconds in all.
LONG = {
    "dataset": "moons",
    "model": "binary_classifier",
    "steps": 5000,
    "eval_every": 25,
    "optimizer": {"name": "gd", "lr": 0.5},
}


@dataclass
class Stream:
    """One SSE connection read in a thread: its (id, event, data) until `until` holds or it breaks."""

    url: str
    last_event_id: str | None = None
    until: Callable[[list[tuple[str | None, str, Any]]], bool] = lambda _events: False
    events: list[tuple[str | None, str, Any]] = field(default_factory=list)
    broke: BaseException | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        try:
            with httpx.stream("GET", self.url, headers=headers, timeout=60) as answer:
                assert answer.status_code == 200, answer.status_code
                event_id, kind = None, "message"
                for line in answer.iter_lines():
                    if line.startswith("id: "):
                        event_id = line.removeprefix("id: ")
                    elif line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        with self.changed:
                            self.events.append((event_id, kind, json.loads(line.removeprefix("data: "))))
                            self.changed.notify_all()
                        if kind == "end" or self.until(self.events):
                            return
                        event_id, kind = None, "message"
        except httpx.HTTPError as exc:  # the replica died under the stream
            self.broke = exc
        finally:
            with self.changed:
                self.changed.notify_all()

    def wait(
        self, condition: Callable[[list[tuple[str | None, str, Any]]], bool], timeout: float = 240
    ) -> None:
        with self.changed:
            assert self.changed.wait_for(
                lambda: condition(self.events) or not self.thread.is_alive(), timeout
            )
        assert condition(self.events), self.events

    def last_id(self) -> str:
        return next(i for i, _, _ in reversed(self.events) if i is not None)


@dataclass
class Replicas:
    a: LiveServer
    b: LiveServer
    env: dict[str, str]
    folder: Path


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    postgres = PostgresServer.started()
    redis = RedisServer(tmp_path / "redis")
    shared = tmp_path / "data"
    shared.mkdir()
    env = {
        "AUTOGRAD_EXPLORER_DATABASE_URL": postgres.url,
        "AUTOGRAD_EXPLORER_BROKER_URL": redis.url,
        "AUTOGRAD_EXPLORER_JOB_WORKERS": "external",
        "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
        "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
        "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
    }
    servers = [LiveServer(shared, env) for _ in range(2)]
    try:
        redis.start()
        for server in servers:
            server.start()
        yield Replicas(servers[0], servers[1], env, tmp_path)
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        postgres.discard()


def kill_replica(server: LiveServer) -> None:
    """SIGKILL the replica and its child processes at once, as a lost container or machine."""
    assert server.process is not None
    pid = server.process.pid
    family = [*children(pid), *grandchildren(pid)]
    for victim in [pid, *family]:
        kill(victim, signal.SIGKILL)
    server.process.wait()
    assert all(wait_until_gone(p, 10) for p in family)


def test_killed_replica_s_job_and_room_streams_resume_on_the_other_from_their_last_event(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    worker = Worker(replicas.env, replicas.folder / "worker.log")
    try:
        room = httpx.post(f"{b.url}/api/rooms", timeout=30).json()
        lecturer = {"Authorization": f"Bearer {room['token']}"}

        def share(step: int) -> int:
            body = {"page": "explorer", "state": {"step": step}}
            put = httpx.put(
                f"{b.url}/api/rooms/{room['code']}/state", json=body, headers=lecturer, timeout=30
            )
            assert put.status_code == 200, put.text
            version: int = put.json()["version"]
            return version

        share(1)
        accepted = httpx.post(f"{a.url}/api/models", json=LONG, timeout=30)
        assert accepted.status_code == 202, accepted.text
        model_id = accepted.json()["id"]
        curve = Stream(f"{a.url}/api/models/{model_id}/events")
        follow = Stream(f"{a.url}/api/rooms/{room['code']}/events")
        follow.wait(lambda events: len(events) == 1)  # the current state first
        share(2)
        share(3)
        follow.wait(lambda events: len(events) == 3)
        curve.wait(lambda events: any(kind == "progress" and data["points"] for _, kind, data in events))

        kill_replica(a)
        curve.thread.join(30)
        follow.thread.join(30)
        assert curve.broke is not None and follow.broke is not None  # both streams were cut, not ended
        assert curve.events[-1][1] == "progress" and curve.events[-1][2]["status"] == "running"
        assert [i for i, _, _ in follow.events] == ["1", "2", "3"]

        # The job stream resumes on B after its last point: A's points and B's are the curve, once each.
        resumed = Stream(f"{b.url}/api/models/{model_id}/events", last_event_id=curve.last_id())
        resumed.thread.join(240)
        assert resumed.events[-1][1] == "end" and resumed.broke is None
        done = wait_for(b.url, model_id, {"done", "failed"})
        assert done["status"] == "done", done["error"]
        points = [
            p
            for events in (curve.events, resumed.events)
            for _, kind, d in events
            if kind == "progress"
            for p in d["points"]
        ]
        assert points == done["curves"]  # no gap, no repeat
        # an event's id is the index of its last point: one that only reports progress keeps the id
        # it resumed from, and every one that brings points is past it
        last = int(curve.last_id())
        assert all(int(i or -1) >= last for i, _, _ in resumed.events if i)
        assert all(int(i) > last for i, kind, d in resumed.events if kind == "progress" and d["points"])

        # The lecturer went on while the student was away: B sends the newest state after version 3
        # (rooms send the newest state only), then follows live.
        share(4)
        newest = share(5)
        rejoined = Stream(
            f"{b.url}/api/rooms/{room['code']}/events",
            last_event_id=follow.last_id(),
            until=lambda e: len(e) == 2,
        )
        rejoined.wait(lambda events: len(events) == 1)
        assert rejoined.events[0][0] == str(newest) and rejoined.events[0][2]["state"] == {"step": 5}
        share(6)
        rejoined.thread.join(30)
        assert [(i, d["state"]["step"]) for i, _, d in rejoined.events] == [
            (str(newest), 5),
            (str(newest + 1), 6),
        ]
    finally:
        worker.stop()
