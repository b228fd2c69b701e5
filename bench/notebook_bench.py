"""Benchmark (not a test): record()'s overhead on the issue's real models, and the standalone page's size.

For each model of tests/notebook/models.py (MLP, small CNN, transformer encoder layer, LSTM, a
module used twice; float32, seeded), measured in one run, median of --repeat:
  bare       — forward + loss + backward, nothing watching (the baseline),
  watched    — the recorder alone, no Jacobians, no payload: every op seen, the backward hooked
               (the cost of watching, comparable to the bare run),
  recorded   — the whole `with record()` block: watched + the payload built (what a user waits for),
  no_jac     — recorded with jacobians=False (the local Jacobians cost one call per output element),
and the standalone page (save_html) size and time. Ratios are against `bare` of the same run.
Target (issue 14): recording overhead ≤ 3× the bare forward+backward, as for the web trace.
Prints a table and saves bench/results/notebook_bench.json.
--batch N repeats each model's input N times along its batch dimension: the same graph with more
work per op, as real batches have (the per-op cost of watching is fixed, so its ratio falls).
Usage: python bench/notebook_bench.py [--repeat 7] [--batch 1]
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
from autograd_explorer.notebook.modules import ModuleStack  # noqa: E402
from autograd_explorer.notebook.shaping import RecordLimits  # noqa: E402

RESULTS = REPO / "bench" / "results" / "notebook_bench.json"


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up (first calls load kernels and fill caches)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_model(name: str, repeat: int, batch: int) -> dict[str, float | int | str]:
    model, x = build(name, torch.float32)
    x = x.repeat(batch, *([1] * (x.dim() - 1)))

    def bare() -> None:
        model.zero_grad(set_to_none=True)
        loss_of(model, x).backward()

    def watched() -> None:  # the recorder without shaping: what watching the ops costs
        model.zero_grad(set_to_none=True)
        recorder = RecordLimits(jacobians=False).recorder()
        modules = ModuleStack()
        modules.install()
        try:
            with LiveOps(recorder, modules):
                loss_of(model, x).backward()
        finally:
            modules.remove()

    def recorded(**limits: object) -> Callable[[], object]:
        def run() -> object:
            model.zero_grad(set_to_none=True)
            with ax.record(**limits) as rec:
                loss_of(model, x).backward()
            return rec

        return run

    base = median_seconds(bare, repeat)
    seen = median_seconds(watched, repeat)
    full = median_seconds(recorded(), repeat)
    no_jac = median_seconds(recorded(jacobians=False), repeat)
    rec = recorded()()
    assert isinstance(rec, ax.Recording)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = rec.save_html(Path(tmp) / "page.html")
        save_s = time.perf_counter() - started
        size = path.stat().st_size
    payload = rec.to_dict()
    return {
        "model": name,
        "batch": int(x.shape[0]),
        "parameters": sum(p.numel() for p in model.parameters()),
        "nodes": len(payload["nodes"]),
        "steps": len(payload["passes"][0]["steps"]),
        "bare_ms": base * 1000,
        "watched_ms": seen * 1000,
        "recorded_ms": full * 1000,
        "no_jacobians_ms": no_jac * 1000,
        "watched_ratio": seen / base,
        "recorded_ratio": full / base,
        "no_jacobians_ratio": no_jac / base,
        "payload_bytes": len(rec.to_json()),
        "html_bytes": size,
        "save_html_ms": save_s * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a shared 2-core machine: one thread keeps the ratios steady
    rows = [bench_model(name, args.repeat, args.batch) for name in MODELS]
    header = (
        f"{'model':<12}{'batch':>6}{'nodes':>6}{'bare ms':>9}{'watched':>9}{'recorded':>10}{'no jac':>8}"
        f"{'payload':>10}{'html':>10}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['model']:<12}{r['batch']:>6}{r['nodes']:>6}{r['bare_ms']:>9.2f}{r['watched_ratio']:>8.1f}×"
            f"{r['recorded_ratio']:>9.1f}×{r['no_jacobians_ratio']:>7.1f}×"
            f"{int(r['payload_bytes']) / 1e3:>8.0f}kB{int(r['html_bytes']) / 1e6:>8.2f}MB"
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
