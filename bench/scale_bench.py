"""Scale-out on loopback: 50 training submissions deduplicated to a handful of jobs across two app
replicas and two `autograd-explorer worker`s on a real PostgreSQL, against the same jobs trained by
one worker (issue 15). By default the jobs reach the workers through the task queue (Dramatiq on a
real redis-server); `--transport database` has the workers poll PostgreSQL instead (no broker).

Bounded and self-stopping: loopback only, --timeout seconds per phase. Phase 1 (baseline): one
worker trains `--jobs` distinct jobs. Phase 2: a second worker joins, and `--submissions` requests,
drawn from `--jobs` other distinct configs and spread over both replicas, must make exactly
`--jobs` jobs; the report gives errors, jobs made, and the throughput ratio two workers / one.

    python bench/scale_bench.py                     # 50 submissions, 4 jobs of 3000 steps
    python bench/scale_bench.py --jobs 2 --steps 200
    python bench/scale_bench.py --transport database --out bench/results/scale-database.json
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.conftest import MNIST_DIR  # noqa: E402
from tests.live import LiveServer  # noqa: E402  (the same real uvicorn the tests use)
from tests.scale.processes import Worker  # noqa: E402  (the same worker process the tests use)
from tests.services import PostgresServer, RedisServer  # noqa: E402  (the same throw-away servers)


def config(seed: int, steps: int) -> dict[str, Any]:
    # 2000 points and 32 hidden units: each job trains for seconds, so training, not overhead, is timed.
    return {
        "dataset": "moons",
        "model": "binary_classifier",
        "hidden": 32,
        "train_size": 2000,
        "steps": steps,
        "seed": seed,
    }


def worker(env: dict[str, str], log: Path, timeout: float) -> Worker:
    """A worker process, returned once it is ready (torch imported): start-up is not throughput."""
    started = Worker({**env, "AUTOGRAD_EXPLORER_LOG_LEVEL": "INFO"}, log)  # its "ready" line is at INFO
    started.ready(timeout)
    return started


def wait_done(url: str, ids: set[str], timeout: float, started: float) -> float:
    """Seconds from `started` (the first submission) until every job in `ids` is done."""
    deadline = time.monotonic() + timeout
    while True:
        records = {m["id"]: m for m in httpx.get(f"{url}/api/models", timeout=30).json()["items"]}
        statuses = {records[i]["status"] for i in ids}
        if statuses == {"done"}:
            return time.perf_counter() - started
        if statuses & {"failed", "cancelled"}:
            raise RuntimeError(f"a job ended {statuses}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs not done after {timeout} s: {statuses}")
        time.sleep(0.2)


def submit(url: str, body: dict[str, Any]) -> tuple[int, str | None]:
    try:
        r = httpx.post(f"{url}/api/models", json=body, timeout=60)
        return r.status_code, r.json().get("id") if r.status_code == 202 else None
    except httpx.HTTPError:
        return 0, None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=4, help="distinct configs among the submissions")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--transport", choices=["queue", "database"], default="queue")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.json")
    args = parser.parse_args()

    postgres = PostgresServer()
    postgres.init()
    postgres.start()
    procs: list[Worker] = []
    servers: list[LiveServer] = []
    redis: RedisServer | None = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            shared = Path(tmp) / "data"
            shared.mkdir()
            env = {
                "AUTOGRAD_EXPLORER_DATABASE_URL": postgres.url,
                "AUTOGRAD_EXPLORER_JOB_WORKERS": "external",
                "AUTOGRAD_EXPLORER_DATA_DIR": str(shared),
                "AUTOGRAD_EXPLORER_MNIST_DIR": str(MNIST_DIR),
                "AUTOGRAD_EXPLORER_EVAL_WORKERS": "1",
                "AUTOGRAD_EXPLORER_LOG_LEVEL": "WARNING",
            }
            if args.transport == "queue":
                redis = RedisServer(Path(tmp) / "redis")
                redis.start()
                env["AUTOGRAD_EXPLORER_BROKER_URL"] = redis.url
            servers = [LiveServer(shared, env) for _ in range(2)]
            for server in servers:
                server.start()
            a, b = (s.url for s in servers)

            procs.append(worker(env, Path(tmp) / "worker-0.log", args.timeout))
            started = time.perf_counter()
            baseline = {submit(a, config(seed, args.steps))[1] for seed in range(args.jobs)}
            assert None not in baseline
            one_worker = wait_done(a, {i for i in baseline if i}, args.timeout, started)

            procs.append(worker(env, Path(tmp) / "worker-1.log", args.timeout))
            bodies = [config(1000 + n % args.jobs, args.steps) for n in range(args.submissions)]
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(lambda nb: submit((a, b)[nb[0] % 2], nb[1]), enumerate(bodies)))
            errors = sum(1 for status, _ in answers if status != 202)
            made = {i for _, i in answers if i}
            two_workers = wait_done(b, made, args.timeout, started)
    finally:
        for p in procs:
            p.stop()
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        postgres.stop()

    result = {
        "transport": args.transport,
        "submissions": args.submissions,
        "distinct_configs": args.jobs,
        "jobs_made": len(made),
        "errors": errors,
        "steps": args.steps,
        "one_worker_seconds": round(one_worker, 2),
        "two_workers_seconds": round(two_workers, 2),
        "one_worker_jobs_per_minute": round(60 * args.jobs / one_worker, 1),
        "two_workers_jobs_per_minute": round(60 * len(made) / two_workers, 1),
        "speed_up": round(one_worker / two_workers * len(made) / args.jobs, 2),
        "cores": os.cpu_count(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if errors or len(made) != args.jobs:
        sys.exit(f"{errors} errors; {len(made)} jobs made for {args.jobs} distinct configs")


if __name__ == "__main__":
    main()
