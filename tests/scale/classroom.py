"""A whole class on loopback, shared by the Done-when test (tests/scale/test_class_done_when.py) and
bench/class_bench.py: the scale profile's services started by hand (PostgreSQL, Redis, app replicas,
training workers) or the embedded default (one process, SQLite), SSE students, and a lecturer.

One copy of each piece, so the test proves what the benchmark measures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.conftest import MNIST_DIR, REPO
from tests.live import LiveServer
from tests.scale.processes import Worker
from tests.services import PostgresServer, RedisServer

# How long a process may take to start (a hang detector: each one imports torch).
START_SECONDS = 420.0
LECTURE_EXAMPLE = "least-squares"  # 5 steps: the step label reads "step 5 / 5" at the end


def lecture_runs() -> list[dict[str, Any]]:
    """The two bodies the models lab's "Lecture comparison" button POSTs (frontend/js/models/config.js,
    LECTURE_RUNS), read from the page's own source so the test presses the real button's requests."""
    source = (REPO / "frontend" / "js" / "models" / "config.js").read_text()
    found = re.search(r"export const LECTURE_RUNS = (\[.*?\n\]);", source, re.S)
    assert found, "LECTURE_RUNS not found in frontend/js/models/config.js"
    literal = re.sub(r"([{,]\s*)([A-Za-z_]\w*):", r'\1"\2":', found.group(1)).replace("'", '"')
    runs: list[dict[str, Any]] = json.loads(re.sub(r",(\s*[}\]])", r"\1", literal))
    return runs


def explorer_state(example: dict[str, Any], position: int) -> dict[str, Any]:
    """What the explorer page shares in a room at a step (frontend/js/explorer: follow's snapshot)."""
    return {
        "page": "explorer",
        "state": {
            "example": example["id"],
            "source": example["source"],
            "inputs": example.get("inputs") or {},
            "passIndex": 0,
            "position": position,
            "view": "graph",
        },
    }


class Follower:
    """One SSE student on its own TCP connection: the wall-clock time each version arrived.

    A plain HTTP/1.1 reader on asyncio streams (what an EventSource does, minus the browser): with
    300 of them in one Python process, httpx's per-line machinery was itself most of the latency.
    """

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.connected = asyncio.Event()
        self.error: str | None = None

    async def run(self, host: str, port: int, path: str) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
            status = await reader.readline()
            if b" 200 " not in status:
                self.error = status.decode().strip()
                return
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # headers
            self.connected.set()
            version = None
            while line := await reader.readline():
                # Chunked encoding: size lines and blank lines carry no "id: " or "data: ".
                if line.startswith(b"id: "):
                    version = int(line[4:])
                elif line.startswith(b"data: ") and version is not None:
                    self.arrived[version] = time.time()
        except OSError as exc:
            self.error = repr(exc)
        finally:
            self.connected.set()
            if writer is not None:
                writer.close()


@dataclass
class Deployment:
    """Running services: app replicas (LiveServer), training workers, and their backing servers."""

    servers: list[LiveServer]
    env: dict[str, str]
    folder: Path
    workers: list[Worker] = field(default_factory=list)
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None

    def spawn_workers(self, count: int) -> list[Worker]:
        """`count` more training workers, started (not yet ready: see add_workers)."""
        env = {**self.env, "AUTOGRAD_EXPLORER_LOG_LEVEL": "INFO"}  # its "ready" line is at INFO
        added = [Worker(env, self.folder / f"worker-{len(self.workers) + i}.log") for i in range(count)]
        self.workers += added
        return added

    def add_workers(self, count: int, timeout: float = START_SECONDS) -> list[Worker]:
        """`count` more training workers, started together, returned once each is ready."""
        added = self.spawn_workers(count)
        for worker in added:
            worker.ready(timeout)
        return added

    def worker_of(self, model_id: str) -> Worker:
        """The worker training `model_id` now (the record keeps its process id)."""
        pid = self.column(model_id, "worker_pid")
        return next(w for w in self.workers if w.process.pid == pid)

    def column(self, model_id: str, name: str) -> int:
        """An integer column of a job's record in PostgreSQL (worker_pid, attempts): not in the API."""
        assert self.postgres is not None and name in ("worker_pid", "attempts")
        engine = create_engine(self.postgres.url)
        try:
            with engine.connect() as db:
                found = db.execute(text(f"SELECT {name} FROM models WHERE id = :id"), {"id": model_id})
                return int(found.scalar_one())
        finally:
            engine.dispose()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.discard()


def scale_out(folder: Path, *, replicas: int = 2, workers: int = 0, lease_seconds: float = 3.0) -> Deployment:
    """The scale profile by hand, as docs/deployment.md lists it: PostgreSQL for the records, Redis for
    the task queue and the rooms, `replicas` app processes on one shared data folder and `workers`
    training workers, all starting side by side (each imports torch: the longest part). Stopped by
    the caller (Deployment.stop); stopped here when starting fails half-way."""
    shared = folder / "data"
    shared.mkdir(parents=True)
    deployment = Deployment([], {}, folder)
    try:
        deployment.postgres = PostgresServer.started()
        deployment.redis = RedisServer(folder / "redis")
        deployment.redis.start()
        deployment.env = {
            "AUTOGRAD_EXPLORER_DATABASE_URL": deployment.postgres.url,
            "AUTOGRAD_EXPLORER_BROKER_URL": deployment.redis.url,
            "AUTOGRAD_EXPLORER_JOB_WORKERS": "external",
            "AUTOGRAD_EXPLORER_WORKER_LEASE_SECONDS": str(lease_seconds),
            "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
            "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
            "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
            "AUTOGRAD_EXPLORER_LOG_LEVEL": "WARNING",
        }
        deployment.servers = [LiveServer(shared, deployment.env) for _ in range(replicas)]
        deployment.spawn_workers(workers)
        start_all(deployment.servers)
        for worker in deployment.workers:
            worker.ready(START_SECONDS)
    except BaseException:
        deployment.stop()
        raise
    return deployment


def start_all(servers: list[LiveServer]) -> None:
    """Start the replicas side by side (each waits for its evaluation workers: tens of seconds on a
    quiet machine; over three minutes was seen at load average 20 on two cores)."""
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        for started in [pool.submit(server.start, START_SECONDS) for server in servers]:
            started.result()


def embedded(folder: Path) -> Deployment:
    """The embedded default: one app process with SQLite, local training workers and in-process rooms."""
    shared = folder / "data"
    shared.mkdir(parents=True)
    env = {
        "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
        "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
        "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
        "AUTOGRAD_EXPLORER_LOG_LEVEL": "WARNING",
    }
    deployment = Deployment([LiveServer(shared, env)], env, folder)
    try:
        deployment.servers[0].start()
    except BaseException:
        deployment.stop()
        raise
    return deployment


async def follow_all(
    servers: list[LiveServer], code: str, count: int
) -> tuple[list[Follower], list[asyncio.Task[None]]]:
    """`count` SSE students on the room, spread over the replicas, each connected before returning."""
    followers = [Follower() for _ in range(count)]
    tasks = [
        asyncio.create_task(f.run("127.0.0.1", servers[i % len(servers)].port, f"/api/rooms/{code}/events"))
        for i, f in enumerate(followers)
    ]
    await asyncio.wait_for(asyncio.gather(*(f.connected.wait() for f in followers)), 60)
    return followers, tasks
