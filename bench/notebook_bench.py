"""Benchmark (not a test): record()'s overhead on the issue's real models, and the page's cost and size.

For each model of tests/notebook/models.py (MLP, small CNN, transformer encoder layer, LSTM, a
module used twice; float32, seeded), measured in one run, the variants interleaved in every round
(bare, watched, recorded, bare, …) so that load from other processes hits them alike, median of
--repeat rounds:
  bare       — forward + loss + backward, nothing watching (the baseline),
  watched    — the recorder alone, no Jacobians, no names, nothing frozen: every op seen, the
               backward hooked (the cost of watching itself),
  recorded   — the whole `with record()` block, what a user waits for: watched + Jacobians of
               scalar nodes + names, module paths and the state frozen at its end. The payload is
               not built here: it is built when the recording is shown (or to_dict()/save_html()),
and, separately, that display cost: the page's payload (compact + step details, what the widget
and save_html show) and the readable payload (to_dict), each built on a fresh recording.
Times are this thread's CPU time (time.thread_time): on a machine shared with other jobs, wall
time also counts the waits for a core, which hit the variants unevenly. Ratios are against `bare`
of the same rounds. Target (issue 14): recording ≤ 3× the bare
forward+backward, as for the web trace.
Prints a table and saves bench/results/notebook_bench.json.
--batch N repeats each model's input N times along its batch dimension: the same graph with more
work per op, as real batches have (the per-op cost of watching is fixed, so its ratio falls).
Usage: python bench/notebook_bench.py [--repeat 21] [--batch 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.notebook.models import MODELS, build, loss_of  # noqa: E402

import autograd_explorer as ax  # noqa: E402
from autograd_explorer.notebook.live import LiveOps  # noqa: E402
from autograd_explorer.notebook.shaping import RecordLimits  # noqa: E402

RESULTS = REPO / "bench" / "results" / "notebook_bench.json"


def interleaved_medians(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Each run's median seconds, the runs taking turns in every round (after one warm-up each)."""
    for run in runs.values():
        run()  # warm-up (first calls load kernels and fill caches)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.thread_time()
            run()
            times[name].append(time.thread_time() - started)
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench_model(name: str, repeat: int, batch: int) -> dict[str, float | int | str]:
    model, x = build(name, torch.float32)
    x = x.repeat(batch, *([1] * (x.dim() - 1)))

    def bare() -> None:
        model.zero_grad(set_to_none=True)
        loss_of(model, x).backward()

    def watched() -> None:  # the recorder without Jacobians, names or freezing
        model.zero_grad(set_to_none=True)
        recorder = RecordLimits(jacobians=False).recorder()
        with LiveOps(recorder, sys._getframe()):
            loss_of(model, x).backward()

    def recorded() -> ax.Recording:
        model.zero_grad(set_to_none=True)
        with ax.record() as rec:
            loss_of(model, x).backward()
        return rec

    medians = interleaved_medians({"bare": bare, "watched": watched, "recorded": recorded}, repeat)
    shown = interleaved_medians(
        {"page": lambda: recorded().page_json(), "readable": lambda: recorded().to_json()},
        max(3, repeat // 4),
    )
    rec = recorded()
    with tempfile.TemporaryDirectory() as tmp:
        size = rec.save_html(Path(tmp) / "page.html").stat().st_size
    payload = rec.to_dict()
    base, record_s = medians["bare"], medians["recorded"]
    return {
        "model": name,
        "batch": int(x.shape[0]),
        "parameters": sum(p.numel() for p in model.parameters()),
        "nodes": len(payload["nodes"]),
        "steps": len(payload["passes"][0]["steps"]),
        "bare_ms": base * 1000,
        "watched_ms": medians["watched"] * 1000,
        "recorded_ms": record_s * 1000,
        "watched_ratio": medians["watched"] / base,
        "recorded_ratio": record_s / base,
        # building a payload on a fresh recording, less that recording's own block
        "page_build_ms": (shown["page"] - record_s) * 1000,
        "readable_build_ms": (shown["readable"] - record_s) * 1000,
        "page_payload_bytes": len(rec.page_json()),
        "readable_payload_bytes": len(rec.to_json()),
        "html_bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a shared 2-core machine: one thread keeps the ratios steady
    rows = [bench_model(name, args.repeat, args.batch) for name in MODELS]
    header = (
        f"{'model':<12}{'batch':>6}{'nodes':>6}{'bare ms':>9}{'watched':>9}{'record()':>10}"
        f"{'page ms':>9}{'to_dict ms':>11}{'page':>8}{'readable':>10}{'html':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['model']:<12}{r['batch']:>6}{r['nodes']:>6}{r['bare_ms']:>9.2f}{r['watched_ratio']:>8.1f}×"
            f"{r['recorded_ratio']:>9.1f}×{r['page_build_ms']:>9.1f}{r['readable_build_ms']:>11.1f}"
            f"{int(r['page_payload_bytes']) / 1e3:>6.0f}kB{int(r['readable_payload_bytes']) / 1e3:>8.0f}kB"
            f"{int(r['html_bytes']) / 1e6:>6.2f}MB"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = {k: v for k, v in old.get("runs", {}).items() if k != str(args.batch)}
    runs[str(args.batch)] = rows  # one entry per --batch, so both sizes stay on record
    RESULTS.write_text(
        json.dumps({"torch": torch.__version__, "repeat": args.repeat, "runs": runs}, indent=2)
    )
    print(f"saved {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
