"""What scripts/podman-compose-scale-smoke.sh checks through the scale profile's proxy, with the
standard library only (it runs on the host's python3, outside the image):

1. a lecturer opens a room and PUTs two steps; STREAMS students follow it over SSE through the
   proxy (nginx spreads them over the replicas: the shell script then reads each replica's access
   log to show that every replica served some), and each gets both versions, with the state sent;
   a PUT without the lecturer token is refused (403);
2. a training job: POSTed twice (the second answer is the first job, deduplicated), its event
   stream followed through the proxy to `end`, the record `done`, and a prediction from it.

Prints one line per check and, last, a JSON line the shell script reads (room code, job id, timings).
Usage: python3 scripts/scale_smoke_check.py http://127.0.0.1:8080 [streams]
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 60.0
# A small job: the moons data set is generated, so the workers need no MNIST in the shared volume.
JOB = {"dataset": "moons", "model": "binary_classifier", "steps": 300, "optimizer": {"name": "gd", "lr": 0.5}}


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            text = answer.read()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def sse(
    base: str, path: str, until: Any, events: list[tuple[str, str, Any, float]], opened: threading.Event
) -> None:
    """Read an SSE stream (what EventSource does) until `until(events)` holds or TIMEOUT passes."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"accept": "text/event-stream"})
        answer = connection.getresponse()
        if answer.status != 200:
            events.append(("error", "", answer.status, time.monotonic()))
            return
        opened.set()
        fields: dict[str, str] = {}
        while not until(events):
            line = answer.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            if line:
                name, _, value = line.decode().partition(":")
                fields[name] = value.removeprefix(" ")
            elif "data" in fields:
                events.append(
                    (
                        fields.get("event", "message"),
                        fields.get("id", ""),
                        json.loads(fields["data"]),
                        time.monotonic(),
                    )
                )
                fields = {}
            else:
                fields = {}
    finally:
        opened.set()
        connection.close()


def step(position: int) -> dict[str, Any]:
    """The explorer page's shared state at a step of the least-squares example (as a lecturer's page)."""
    return {
        "page": "explorer",
        "state": {"example": "least-squares", "passIndex": 0, "position": position, "view": "graph"},
    }


def check_room(base: str, streams: int) -> dict[str, Any]:
    status, room = call(base, "POST", "/api/rooms")
    assert status == 201, (status, room)
    code, token = room["code"], room["token"]
    print(f"room {code} opened through the proxy")
    logs: list[list[tuple[str, str, Any, float]]] = [[] for _ in range(streams)]
    opened = [threading.Event() for _ in range(streams)]

    def both(events: list[tuple[str, str, Any, float]]) -> bool:
        return any(e[0] == "state" and e[1] == "2" for e in events) or any(e[0] == "error" for e in events)

    threads = [
        threading.Thread(
            target=sse, args=(base, f"/api/rooms/{code}/events", both, logs[i], opened[i]), daemon=True
        )
        for i in range(streams)
    ]
    for thread in threads:
        thread.start()
    for event in opened:
        assert event.wait(TIMEOUT), "a stream did not open"
    assert not any(e[0] == "error" for log in logs for e in log), [log for log in logs if log]
    time.sleep(0.5)  # every stream is past its `retry:` line and following
    status, _ = call(base, "PUT", f"/api/rooms/{code}/state", step(1), token="not-the-token")
    assert status == 403, status
    sent: dict[int, float] = {}
    for version in (1, 2):
        sent[version] = time.monotonic()
        status, answer = call(base, "PUT", f"/api/rooms/{code}/state", step(version), token=token)
        assert status == 200 and answer["version"] == version, (status, answer)
        time.sleep(0.3)
    for thread in threads:
        thread.join(TIMEOUT)
    latencies = []
    for i, log in enumerate(logs):
        states = {int(e[1]): e for e in log if e[0] == "state"}
        assert set(states) == {1, 2}, f"stream {i} got {sorted(states)}"
        for version, (_, _, data, arrived) in states.items():
            assert data["state"]["position"] == version, data
            latencies.append((arrived - sent[version]) * 1000)
    status, current = call(base, "GET", f"/api/rooms/{code}")
    assert status == 200 and current["version"] == 2, (status, current)
    print(
        f"{streams} SSE streams through the proxy got versions 1 and 2 (PUT to arrival: max "
        f"{max(latencies):.0f} ms); a PUT without the lecturer token: 403"
    )
    return {"room": code, "follow_max_ms": round(max(latencies))}


def check_job(base: str) -> dict[str, Any]:
    started = time.monotonic()
    status, first = call(base, "POST", "/api/models", JOB)
    assert status == 202 and not first["deduplicated"], (status, first)
    status, again = call(base, "POST", "/api/models", {**JOB, "name": "a second student"})
    assert status == 202 and again["id"] == first["id"] and again["deduplicated"], (status, again)
    model_id = first["id"]
    print(f"job {model_id} queued through the proxy; the same request again: the same job (deduplicated)")
    log: list[tuple[str, str, Any, float]] = []
    sse(
        base,
        f"/api/models/{model_id}/events",
        lambda events: any(e[0] == "end" for e in events),
        log,
        threading.Event(),
    )
    assert log and log[-1][0] == "end", [e[:2] for e in log[-3:]]
    status, record = call(base, "GET", f"/api/models/{model_id}")
    assert status == 200 and record["status"] == "done", (status, record.get("status"), record.get("error"))
    took = time.monotonic() - started
    status, predicted = call(
        base, "POST", f"/api/models/{model_id}/predict", {"input": {"shape": [1, 2], "data": [[0.5, 0.25]]}}
    )
    assert status == 200 and 0.0 <= predicted["probabilities"]["data"][0] <= 1.0, (status, predicted)
    print(
        f"job {model_id}: its event stream through the proxy ended, status done after {took:.1f} s "
        f"({len(record['curve']['step'])} curve points), a prediction answered"
    )
    return {"job": model_id, "job_seconds": round(took, 1)}


def main() -> None:
    base = sys.argv[1].rstrip("/")
    streams = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    result = {**check_room(base, streams), **check_job(base)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
