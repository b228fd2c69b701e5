"""A class opens the lecturer's program at once: N students ask for the same trace together.

In follow mode every student's page asks for the program the lecturer shared on its own request
(js/shared/follow.js), then for its first window of step details, as the page does. Two fresh
uvicorn servers on loopback, measured in the same run, in turn: one that runs every request
(`trace_cache_seconds=0`, the server before traces were kept) and one with the default, which
keeps a trace's answer and lets identical requests wait for the one being computed
(api/answer_cache.py). Reported for each: the students who got their trace (the others' status
codes: 503 when the worker pool's queue waited too long), the time until the last one had it,
p50 and p99, and the ratio of the two servers' last-student times.

Bounded: at most --students requests per round, each with a --timeout; loopback only. Not a test:
nothing here fails.

    python bench/shared_trace_bench.py                         # 30 students, lecture MLP, 5,000 nodes
    python bench/shared_trace_bench.py --students 10 --nodes 1000 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lecture_programs import mlp20_of_size  # noqa: E402
from tests.live import LiveServer  # noqa: E402  (the same real uvicorn the tests use)

from follow_bench import percentile  # noqa: E402  (the follow benches' own)

RESULTS = REPO / "bench" / "results"
SERVERS = {"every request runs": {"AUTOGRAD_EXPLORER_TRACE_CACHE_SECONDS": "0"}, "kept (default)": {}}


async def student(api: httpx.AsyncClient, url: str, source: str, timeout: float) -> tuple[int, float]:
    """One page opening the shared program: the compact trace, then its first window of details."""
    t = time.perf_counter()
    r = await api.post(f"{url}/api/trace", json={"source": source, "format": "compact"}, timeout=timeout)
    took = time.perf_counter() - t
    if r.status_code == 200:
        window = {"source": source, "steps": [0, 200]}
        await api.post(f"{url}/api/trace/details", json=window, timeout=timeout)
    return r.status_code, took


async def a_class(url: str, source: str, students: int, timeout: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=students, max_keepalive_connections=students)
    async with httpx.AsyncClient(limits=limits) as api:
        outcomes = await asyncio.gather(*(student(api, url, source, timeout) for _ in range(students)))
    answered = [took for status, took in outcomes if status == 200]
    refused = Counter(str(status) for status, _ in outcomes if status != 200)

    def at(q: float) -> float | None:
        value = percentile(answered, q)
        return None if value is None else round(value, 2)

    return {
        "answered": len(answered),
        "refused": dict(refused),
        "last_s": at(1.0),
        "p50_s": at(0.5),
        "p99_s": at(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--nodes", type=int, default=5_000, help="the lecture-style MLP's graph size")
    parser.add_argument("--rounds", type=int, default=2, help="classes per server, the servers in turn")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    students = max(1, min(args.students, 60))
    source = mlp20_of_size(args.nodes)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in SERVERS}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {}
        for k, (name, env) in enumerate(SERVERS.items()):
            data_dir = Path(tmp) / f"data{k}"
            data_dir.mkdir()
            servers[name] = LiveServer(data_dir, {"AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": "120", **env})
            servers[name].start()
        try:
            for round_ in range(args.rounds):
                for name, server in servers.items():
                    # each round another program (a comment apart): the first class of a kept server
                    # computes it, as a lecturer's new program would be
                    program = f"{source}\n# round {round_}"
                    outcome = asyncio.run(a_class(server.url, program, students, args.timeout))
                    results[name].append(outcome)
                    print(f"round {round_ + 1}, {name}: {outcome}", flush=True)
        finally:
            for server in servers.values():
                server.stop()
    runs, kept = (results[name] for name in SERVERS)
    ratios = [
        round(b["last_s"] / a["last_s"], 3)
        for a, b in zip(runs, kept, strict=True)
        if a["last_s"] and b["last_s"]
    ]
    report = {"students": students, "nodes": args.nodes, "results": results, "kept_over_runs_last": ratios}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "shared_trace_bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n| server | students answered | refused | last student | p50 | p99 |\n|---|---|---|---|---|---|")
    for name, outcomes in results.items():
        for o in outcomes:
            print(
                f"| {name} | {o['answered']} of {students} | {o['refused'] or '-'} | {o['last_s']} s "
                f"| {o['p50_s']} s | {o['p99_s']} s |"
            )
    print(f"\nlast student, kept ÷ every request runs: {ratios}")


if __name__ == "__main__":
    main()
