"""A classroom on loopback: N concurrent clients for T seconds against a fresh server, with a
training job running. Mixes traces of the lecture's examples, trajectories and predictions.

Bounded and self-stopping: loopback only, at most --seconds of load and --max-requests requests.
First one client alone measures the baseline latency of each kind of request (same run, same
machine), then the classroom runs; the report gives throughput, p50/p99 and errors, and the
p50 ratio loaded / alone.

    python bench/load.py                       # 50 clients, 60 s, 0.5 s mean think time
    python bench/load.py --clients 10 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live import LiveServer  # noqa: E402  (the same real uvicorn the tests use)

RESULTS = REPO / "bench" / "results"
TRAJECTORY = {
    "preset": "himmelblau",
    "start": {"u": 1.0, "v": 1.0},
    "optimizer": {"name": "gd", "lr": 0.01},
    "steps": 100,
}
SMALL_MODEL = {"dataset": "moons", "model": "binary_classifier", "steps": 200, "train_size": 400, "seed": 1}
# Trains for the whole run (cancelled at the end): the server's worker pool is busy meanwhile.
BACKGROUND_JOB = {
    "dataset": "moons",
    "model": "binary_classifier",
    "hidden": 256,
    "steps": 5_000,
    "train_size": 20_000,
    "seed": 2,
}
MIX = {"trace": 0.6, "trajectory": 0.25, "predict": 0.15}


@dataclass
class Tally:
    """Latencies (ms) and failures of one kind of request."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(q: float) -> float | None:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

        return {
            "requests": len(ordered) + len(self.errors),
            "errors": len(self.errors),
            "error_examples": self.errors[:5],
            "throughput_per_s": round(len(ordered) / seconds, 1),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "mean_ms": round(statistics.fmean(ordered), 1) if ordered else None,
        }


def requests_of(examples: list[dict[str, Any]], model_id: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The request bodies each kind draws from."""
    traces = [
        ("/api/trace", {"source": e["source"], "inputs": e.get("inputs") or {}})
        for e in examples
        if not e.get("expect_error")
    ]
    return {
        "trace": traces,
        "trajectory": [("/api/trajectory", TRAJECTORY)],
        "predict": [
            (
                f"/api/models/{model_id}/predict",
                {"input": {"shape": [2, 2], "data": [[0.5, 0.25], [-0.3, 0.8]]}},
            )
        ],
    }


SENT = itertools.count()


async def one(client: httpx.AsyncClient, kind: str, path: str, body: dict[str, Any], tally: Tally) -> None:
    if kind == "trace":
        # Each its own program, as students type theirs: the server answers a program it was asked
        # a moment ago from memory (api/answer_cache.py), which is not what this bench measures
        # (bench/shared_trace_bench.py does). A comment changes the request, not the program.
        body = {**body, "source": f"{body['source']}\n# request {next(SENT)}"}
    started = time.perf_counter()
    try:
        r = await client.post(path, json=body)
    except httpx.HTTPError as exc:
        tally.errors.append(f"{kind}: {type(exc).__name__}")
        return
    elapsed = (time.perf_counter() - started) * 1000
    if r.status_code == 200:
        tally.latencies.append(elapsed)
    else:
        tally.errors.append(f"{kind}: {r.status_code} {r.text[:120]}")


async def classroom(
    url: str,
    catalog: dict[str, list[tuple[str, dict[str, Any]]]],
    clients: int,
    seconds: float,
    think: float,
    max_requests: int,
    seed: int,
) -> tuple[dict[str, Tally], float]:
    """`clients` students, each: pick a request by MIX, send it, think, repeat until time is up."""
    tallies = {kind: Tally() for kind in MIX}
    budget = [max_requests]
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def student(index: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1_000 + index)
        await asyncio.sleep(rng.uniform(0, think))  # students do not all click at once
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
            path, body = rng.choice(catalog[kind])
            await one(client, kind, path, body, tallies[kind])
            await asyncio.sleep(rng.uniform(0, 2 * think))

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(student(i, client) for i in range(clients)))
    return tallies, time.monotonic() - started


async def alone(
    url: str, catalog: dict[str, list[tuple[str, dict[str, Any]]]], rounds: int
) -> dict[str, Tally]:
    """One client, one request at a time: the baseline of each kind."""
    tallies = {kind: Tally() for kind in MIX}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for kind, requests in catalog.items():
            for _ in range(rounds):
                for path, body in requests:
                    await one(client, kind, path, body, tallies[kind])
    return tallies


def wait_done(url: str, model_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/api/models/{model_id}", timeout=10).json()["status"]
        if status == "done":
            return
        if status in ("failed", "cancelled"):
            raise RuntimeError(f"set-up model {model_id} {status}")
        time.sleep(0.2)
    raise RuntimeError("set-up model did not finish")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--think", type=float, default=0.5, help="mean pause between a student's requests (s)"
    )
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 0 < args.seconds <= 600):
        parser.error("clients must be 1–200 and seconds at most 600")

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        server = LiveServer(data_dir, env={"AUTOGRAD_EXPLORER_LOG_LEVEL": "WARNING"})
        server.start()
        try:
            url = server.url  # always 127.0.0.1: LiveServer binds loopback only
            examples = httpx.get(f"{url}/api/examples", timeout=30).json()
            model = httpx.post(f"{url}/api/models", json=SMALL_MODEL, timeout=30).json()
            wait_done(url, model["id"])
            catalog = requests_of(examples, model["id"])
            baseline = asyncio.run(alone(url, catalog, rounds=3))
            job = httpx.post(f"{url}/api/models", json=BACKGROUND_JOB, timeout=30).json()
            tallies, elapsed = asyncio.run(
                classroom(url, catalog, args.clients, args.seconds, args.think, args.max_requests, args.seed)
            )
            job_state = httpx.get(f"{url}/api/models/{job['id']}", timeout=30).json()
            cancel_headers = {"Authorization": f"Bearer {job['token']}"}  # only the job's owner may cancel
            httpx.post(f"{url}/api/models/{job['id']}/cancel", headers=cancel_headers, timeout=30)
        finally:
            server.stop()

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "think_mean_s": args.think,
        "training_job_during_load": {"status": job_state["status"], "progress": job_state["progress"]},
        "alone": {kind: t.summary(1.0) for kind, t in baseline.items()},
        "loaded": {kind: t.summary(elapsed) for kind, t in tallies.items()},
    }
    for kind in MIX:
        base, loaded = report["alone"][kind]["p50_ms"], report["loaded"][kind]["p50_ms"]
        report["loaded"][kind]["p50_ratio_vs_alone"] = round(loaded / base, 2) if base and loaded else None
    total = sum(t["requests"] for t in report["loaded"].values())
    errors = sum(t["errors"] for t in report["loaded"].values())
    report["total"] = {
        "requests": total,
        "errors": errors,
        "throughput_per_s": round((total - errors) / elapsed, 1),
    }

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    (RESULTS / "load.md").write_text(markdown(report) + "\n")
    return 0 if errors == 0 else 1


def markdown(report: dict[str, Any]) -> str:
    """The report as the table docs/deployment.md shows."""
    lines = [
        f"Load test {report['date']}: {report['clients']} clients for {report['seconds']} s "
        f"(mean think time {report['think_mean_s']} s), training job {report['training_job_during_load']}",
        "",
        "| request | requests | errors | throughput /s | p50 ms | p99 ms | max ms | alone p50 | ×alone |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, row in report["loaded"].items():
        alone_p50 = report["alone"][kind]["p50_ms"]
        lines.append(
            f"| {kind} | {row['requests']} | {row['errors']} | {row['throughput_per_s']} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['max_ms']} | {alone_p50} | {row['p50_ratio_vs_alone']} |"
        )
    total = report["total"]
    lines.append(f"| all | {total['requests']} | {total['errors']} | {total['throughput_per_s']} | | | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
