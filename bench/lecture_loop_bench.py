"""The lecture's 4000-iteration autograd loop (CONTENT.md §8): the trace against CPython, one run.

The program is the examples menu's `lecture-fit-autograd`, the one a student opens on the page.

Issue 10 §5 asks that the loop through /api/trace take at most 3x the same program under CPython.
Measured here, interleaved, each `--repeat` times (the median is reported):
  cpython   the program exec'd by CPython with torch (trusted bench code): the baseline
  lang      the explorer's evaluator alone (PlainObserver: no recording)
  compact   the trace job the page asks for (format compact): evaluator + recorder + payload JSON
  readable  the readable trace (Jacobians of the shown pass: the loop runs twice, docs/trace.md)
  api       POST /api/trace (compact) on a running server, when --url is given (worker pool, HTTP)
and the payload sizes. Prints a table and writes bench/results/lecture_loop_bench.{json,md}.
Not a test: nothing here fails (the machine is shared; the ratio is what to compare).

    python bench/lecture_loop_bench.py [--repeat 3] [--iterations 4000] [--clock cpu] [--url http://127.0.0.1:PORT]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import torch

from autograd_explorer.examples import get_example
from autograd_explorer.jsonsafe import dumps
from autograd_explorer.lang.contract import LanguageLimits, PlainObserver
from autograd_explorer.lang.run import run_program
from autograd_explorer.process_setup import configure_process
from autograd_explorer.settings import Settings
from autograd_explorer.trace.jobs import run_trace_job

# The examples menu's §8 entry: the program a student opens and runs on the page.
PROGRAM = get_example("lecture-fit-autograd").source
RESULTS = Path(__file__).resolve().parent / "results"


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


def timed(fn: Callable[[], Any], clock: Callable[[], float] = time.perf_counter) -> tuple[float, Any]:
    started = clock()
    result = fn()
    return clock() - started, result


def in_cpython(source: str) -> None:
    state = torch.random.get_rng_state()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<lecture>", "exec"), {"__name__": "__main__"})  # noqa: S102 (trusted)
    finally:
        torch.random.set_rng_state(state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=4000)
    parser.add_argument("--url", help="also POST /api/trace to this running server")
    parser.add_argument("--no-readable", action="store_true", help="skip the readable form")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="cpu: this process's CPU time (steadier than wall time on a shared, loaded machine)",
    )
    args = parser.parse_args()
    configure_process()
    source = PROGRAM.replace("range(4000)", f"range({args.iterations})")
    settings = Settings(max_wall_seconds=600)  # measured, not limited
    columns: dict[str, Callable[[], Any]] = {
        "cpython": lambda: in_cpython(source),
        "lang": lambda: run_program(source, None, LanguageLimits(max_wall_seconds=600), PlainObserver()),
        "compact": lambda: dumps(run_trace_job({"source": source, "format": "compact"}, settings)),
    }
    if not args.no_readable:
        columns["readable"] = lambda: dumps(run_trace_job({"source": source}, settings))
    if args.url:
        client = httpx.Client(base_url=args.url, timeout=600)
        body = {"source": source, "format": "compact"}
        columns["api"] = lambda: client.post("/api/trace", json=body).content
    times: dict[str, list[float]] = {name: [] for name in columns}
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved: the load of a shared machine hits every column alike
        for name, fn in columns.items():
            seconds, result = timed(fn, CLOCKS[args.clock])
            times[name].append(seconds)
            if isinstance(result, bytes):
                sizes[name] = len(result)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["cpython"]
    rows = [(name, median[name], median[name] / base, sizes.get(name)) for name in columns]
    lines = [
        f"CONTENT.md §8 loop, {args.iterations} iterations, median of {args.repeat}, {args.clock} time "
        "(target: trace ≤ 3x CPython)",
        "",
        "| run | seconds | × CPython | payload bytes |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {s:.3f} | {r:.2f} | {'' if b is None else f'{b:,}'} |" for n, s, r, b in rows]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lecture_loop_bench.md").write_text(text + "\n", encoding="utf-8")
    record = {
        "iterations": args.iterations,
        "repeat": args.repeat,
        "clock": args.clock,
        "seconds": times,
        "bytes": sizes,
    }
    (RESULTS / "lecture_loop_bench.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
