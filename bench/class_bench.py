"""The whole class at once (issue 15's measures): 300 followers plus 50 training submissions, on the
scale-out setup and on the embedded default, in one run.

Scale-out: PostgreSQL, Redis (task queue and rooms), two app replicas, training workers, the same
processes the Done-when test starts (tests/scale/classroom.py). First one worker alone trains
`--jobs` distinct jobs (the baseline); a second worker joins; then, while a lecturer steps a room on
the least-squares example every `--pace` seconds with `--followers` SSE students spread over both
replicas, `--submissions` training requests drawn from `--jobs` other distinct configs are POSTed
to both replicas (16 at a time) and must make exactly `--jobs` jobs. The lecturer keeps stepping
until every job is done, so every latency is measured while training runs.

Embedded: one app process (SQLite, its own training worker, in-process rooms), the same load.

Reported per setup: errors (non-202 submissions, refused streams, steps a student never got,
failed jobs), jobs made, follow latency (PUT sent → the state parsed by each student) p50/p99/max,
seconds and jobs per minute until every job was done; scale-out also the one-worker baseline and
the throughput ratio two workers / one. Tiny jobs (2-D, 2000 points, `--steps`), so it finishes
in a few minutes; bounded by --timeout per phase; loopback only.

    python bench/class_bench.py                       # 300 followers, 50 submissions, 4 jobs
    python bench/class_bench.py --followers 50 --submissions 10 --jobs 2 --steps 300
"""

from __future__ import annotations

import argparse
import asyncio
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
from tests.scale.classroom import (  # noqa: E402  (the Done-when test's own processes and students)
    LECTURE_EXAMPLE,
    Deployment,
    embedded,
    explorer_state,
    follow_all,
    scale_out,
)

from follow_bench import summary  # noqa: E402  (one latency summary for both follow benches)
from scale_bench import config  # noqa: E402  (the same tiny training jobs as the scale bench)

RESULTS = REPO / "bench" / "results"


async def statuses(api: httpx.AsyncClient, url: str, ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for model_id in ids:
        found[model_id] = (await api.get(f"{url}/api/models/{model_id}")).json()["status"]
    return found


async def until_done(api: httpx.AsyncClient, url: str, ids: set[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        now = await statuses(api, url, ids)
        if set(now.values()) <= {"done", "failed", "cancelled"} or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.2)


async def baseline(deployment: Deployment, jobs: int, steps: int, timeout: float) -> float:
    """Seconds for the one worker to train `jobs` distinct jobs (from the first POST)."""
    url = deployment.servers[0].url
    async with httpx.AsyncClient(timeout=60) as api:
        started = time.perf_counter()
        ids = {
            (await api.post(f"{url}/api/models", json=config(seed, steps))).json()["id"]
            for seed in range(jobs)
        }
        ended = await until_done(api, url, ids, timeout)
        if set(ended.values()) != {"done"}:
            raise RuntimeError(f"baseline jobs ended {ended}")
        return time.perf_counter() - started


async def class_load(deployment: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    """The lecture (followers, stepping) and the submissions at once; the figures of one setup."""
    urls = [server.url for server in deployment.servers]
    async with httpx.AsyncClient(timeout=60) as api:
        room = (await api.post(f"{urls[0]}/api/rooms")).json()
        code, auth = room["code"], {"Authorization": f"Bearer {room['token']}"}
        examples = (await api.get(f"{urls[0]}/api/examples")).json()
        example = next(e for e in examples if e["id"] == LECTURE_EXAMPLE)
        await api.put(f"{urls[0]}/api/rooms/{code}/state", json=explorer_state(example, 0), headers=auth)
        students, streams = await follow_all(deployment.servers, code, args.followers)
        refused = sum(1 for s in students if s.error)
        await asyncio.sleep(1.0)  # every stream past its first (current) event

        limit = asyncio.Semaphore(16)

        async def submit(n: int) -> tuple[int, str | None]:
            body = config(1000 + n % args.jobs, args.steps)
            async with limit:
                try:
                    answer = await api.post(f"{urls[n % len(urls)]}/api/models", json=body)
                except httpx.HTTPError:
                    return 0, None
            return answer.status_code, answer.json().get("id") if answer.status_code == 202 else None

        started = time.perf_counter()
        submitting = asyncio.gather(*(submit(n) for n in range(args.submissions)))
        sent: dict[int, float] = {}
        latencies: list[float] = []
        ids: set[str] | None = None
        trained_seconds: float | None = None
        answers: list[tuple[int, str | None]] = []
        failed = 0
        deadline = time.monotonic() + args.timeout
        step = 0
        while time.monotonic() < deadline:
            step += 1
            put_at = time.time()
            answer = await api.put(
                f"{urls[step % len(urls)]}/api/rooms/{code}/state",
                json=explorer_state(example, step % 6),  # least squares: steps 1…5, 0, 1…
                headers=auth,
            )
            version = answer.json()["version"]
            sent[version] = put_at
            wait_until = time.monotonic() + args.wait
            while time.monotonic() < wait_until and any(version not in s.arrived for s in students):
                await asyncio.sleep(0.005)
            latencies += [(s.arrived[version] - put_at) * 1000 for s in students if version in s.arrived]
            if ids is None and submitting.done():
                answers = submitting.result()
                ids = {i for _, i in answers if i}
            if ids is not None and trained_seconds is None:
                now = await statuses(api, urls[-1], ids)
                if set(now.values()) <= {"done", "failed", "cancelled"}:
                    trained_seconds = time.perf_counter() - started
                    failed = sum(1 for status in now.values() if status != "done")
            if trained_seconds is not None and step >= args.min_steps:
                break
            await asyncio.sleep(args.pace)
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
        if ids is None or trained_seconds is None:
            raise RuntimeError(f"not done within --timeout {args.timeout} s")
    rejected = sum(1 for status, _ in answers if status != 202)
    follow = summary(latencies, len(students) * len(sent))
    return {
        "errors": rejected + refused + follow["missing"] + failed,
        "rejected_submissions": rejected,
        "refused_streams": refused,
        "failed_jobs": failed,
        "jobs_made": len(ids),
        "lecturer_steps": len(sent),
        "follow": follow,
        "seconds_until_every_job_done": round(trained_seconds, 2),
        "jobs_per_minute": round(60 * len(ids) / trained_seconds, 1),
    }


def run_scale(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    deployment = scale_out(folder, replicas=2, workers=1)
    try:
        one_worker = asyncio.run(baseline(deployment, args.jobs, args.steps, args.timeout))
        deployment.add_workers(1)
        result = asyncio.run(class_load(deployment, args))
    finally:
        deployment.stop()
    return {
        "setup": "2 replicas, 2 workers, Redis (queue + rooms), PostgreSQL",
        **result,
        "one_worker_seconds": round(one_worker, 2),
        "one_worker_jobs_per_minute": round(60 * args.jobs / one_worker, 1),
        "throughput_vs_one_worker": round(result["jobs_per_minute"] / (60 * args.jobs / one_worker), 2),
    }


def run_embedded(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    deployment = embedded(folder)
    try:
        result = asyncio.run(class_load(deployment, args))
    finally:
        deployment.stop()
    return {"setup": "embedded default: one process, SQLite, one local training worker", **result}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=4, help="distinct configs among the submissions")
    parser.add_argument("--steps", type=int, default=1500, help="training steps per job (tiny: seconds)")
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between the lecturer's steps")
    parser.add_argument("--min-steps", type=int, default=20, help="lecturer steps at least this many")
    parser.add_argument("--wait", type=float, default=5.0, help="longest wait for every student per step")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", choices=["scale", "embedded"], default=None)
    parser.add_argument("--out", type=Path, default=RESULTS / "class_bench.json")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "followers": args.followers,
        "submissions": args.submissions,
        "distinct_configs": args.jobs,
        "training_steps": args.steps,
        "pace_s": args.pace,
        "cores": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 1),
    }
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "scale"):
            result["scale_out"] = run_scale(args, Path(tmp) / "scale")
        if args.only in (None, "embedded"):
            result["embedded"] = run_embedded(args, Path(tmp) / "embedded")
    result["load_average_after"] = round(os.getloadavg()[0], 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    setups = [result[k] for k in ("scale_out", "embedded") if k in result]
    return 0 if all(s["errors"] == 0 and s["jobs_made"] == args.jobs for s in setups) else 1


if __name__ == "__main__":
    raise SystemExit(main())
