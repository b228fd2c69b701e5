"""Trace cost against bare PyTorch and against torchviz, measured in one run.

For a chain (y = sin(y) * 1.0001, two op nodes per step), an MLP (h = tanh(h @ W + b), three op
nodes per layer) and a transformer block (attention, residuals, layer norm by hand, a ReLU
feed-forward: 29 op nodes per block, 4 tokens of width 8) and the lecture's style (issue 11's done-when:
an nn.Module of 20 nn.Linear layers, ReLU, sigmoid and BCELoss, its loss summed over batches of 16 in
a loop, 63 op nodes a batch; its baseline is the same source run by CPython) at growing sizes:
  a   bare forward + backward written directly in torch (the baseline)
  a'  the same program run by the explorer's evaluator, then backward, without tracing
  b   the full readable trace: evaluator + hooks + Jacobians + narration + the JSON payload
  k   the compact trace (what the page asks for): evaluator + hooks + column tables + JSON
  d   details of a window of 50 steps (POST /api/trace/details: the program runs again)
  c   torchviz.make_dot(show_attrs, show_saved) + `dot -Tsvg`
and the bytes per node of both forms, and of the compact form gzipped as the server sends it to a
browser (Accept-Encoding: gzip, at the setting gzip_level). Prints a table and writes
bench/results/trace_bench.{json,md}.
Not a test: nothing here fails.

    python bench/trace_bench.py [--sizes 10,100,1000,5000,10000] [--repeat 3] [--repeat-large 1]
                                [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lecture_programs import mlp20_of_size  # noqa: E402

from autograd_explorer.jsonsafe import dumps  # noqa: E402
from autograd_explorer.lang.contract import PlainObserver  # noqa: E402
from autograd_explorer.lang.run import limits_from_settings, run_program  # noqa: E402
from autograd_explorer.process_setup import configure_process  # noqa: E402
from autograd_explorer.settings import Settings  # noqa: E402
from autograd_explorer.trace.jobs import run_details_job, run_trace_job  # noqa: E402
from autograd_explorer.trace.torchviz_view import DrawingObserver, render_svg  # noqa: E402

RESULTS = REPO / "bench" / "results"
DOT_LIMIT_SECONDS = 120.0  # Graphviz on a wide MLP graph: minutes; report a timeout instead
SETTINGS = Settings(
    max_operations=1_000_000, max_loop_iterations=1_000_000, max_trace_nodes=100_000, max_wall_seconds=600
)


def chain_program(nodes: int) -> tuple[str, Callable[[], None]]:
    steps = max(nodes // 2, 1)
    source = (
        "x = torch.tensor(0.5, requires_grad=True)\ny = x\n"
        f"for _ in range({steps}):\n    y = torch.sin(y) * 1.0001\ny"
    )

    def bare() -> None:
        x = torch.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(steps):
            y = torch.sin(y) * 1.0001
        y.backward()

    return source, bare


def mlp_program(nodes: int) -> tuple[str, Callable[[], None]]:
    layers = max(nodes // 3, 1)
    source = (
        "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
        "b = torch.randn(8, requires_grad=True)\n"
        f"h = torch.randn(4, 8)\nfor _ in range({layers}):\n    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()"
    )

    def bare() -> None:
        torch.manual_seed(0)
        W = torch.randn(8, 8, requires_grad=True)
        b = torch.randn(8, requires_grad=True)
        h = torch.randn(4, 8)
        for _ in range(layers):
            h = torch.tanh(h @ W * 0.3 + b)
        h.sum().backward()

    return source, bare


TRANSFORMER_OPS_PER_BLOCK = 29


def transformer_program(nodes: int) -> tuple[str, Callable[[], None]]:
    blocks = max(nodes // TRANSFORMER_OPS_PER_BLOCK, 1)
    source = f"""torch.manual_seed(0)
d = 8
Wq = torch.randn(d, d, requires_grad=True)
Wk = torch.randn(d, d, requires_grad=True)
Wv = torch.randn(d, d, requires_grad=True)
W1 = torch.randn(d, 2 * d, requires_grad=True)
W2 = torch.randn(2 * d, d, requires_grad=True)
x = torch.randn(4, d)
for _ in range({blocks}):
    q = x @ Wq
    k = x @ Wk
    v = x @ Wv
    a = torch.softmax(q @ k.T / d ** 0.5, dim=-1)
    h = x + a @ v
    mu = h.mean(dim=-1, keepdim=True)
    var = ((h - mu) ** 2).mean(dim=-1, keepdim=True)
    h = (h - mu) / torch.sqrt(var + 1e-5)
    f = torch.relu(h @ W1) @ W2
    y = h + f
    mu = y.mean(dim=-1, keepdim=True)
    var = ((y - mu) ** 2).mean(dim=-1, keepdim=True)
    x = (y - mu) / torch.sqrt(var + 1e-5)
x.sum()
"""

    def bare() -> None:
        torch.manual_seed(0)
        d = 8
        Wq, Wk, Wv = (torch.randn(d, d, requires_grad=True) for _ in range(3))
        W1 = torch.randn(d, 2 * d, requires_grad=True)
        W2 = torch.randn(2 * d, d, requires_grad=True)
        x = torch.randn(4, d)
        for _ in range(blocks):
            q, k, v = x @ Wq, x @ Wk, x @ Wv
            a = torch.softmax(q @ k.T / d**0.5, dim=-1)
            h = x + a @ v
            mu = h.mean(dim=-1, keepdim=True)
            var = ((h - mu) ** 2).mean(dim=-1, keepdim=True)
            h = (h - mu) / torch.sqrt(var + 1e-5)
            y = h + torch.relu(h @ W1) @ W2
            mu = y.mean(dim=-1, keepdim=True)
            var = ((y - mu) ** 2).mean(dim=-1, keepdim=True)
            x = (y - mu) / torch.sqrt(var + 1e-5)
        x.sum().backward()

    return source, bare


def timed(fn: Callable[[], Any], repeat: int, cpu: bool = False) -> float:
    """Median wall time in ms; with `cpu`, the least CPU time of this process (one torch thread):
    on a machine other jobs load, what the trace itself costs, comparable between two runs."""
    return interleaved([fn], repeat, cpu)[0]


def interleaved(runs: list[Callable[[], Any]], repeat: int, cpu: bool) -> list[float]:
    """`timed` of each (median wall ms, or least CPU ms with `cpu`), the runs taken in turn within
    every round (a, a', b, k, d, then again), not each `repeat` times in a row: this machine's speed
    drifts (the same code's compact trace of the 1,001-node chain, least of 5, took 58 ms in one run
    and 120 ms in the next, k/a 3.0 and 6.4), and blocks timed apart measured the drift as much as
    the code; taken in turn, a and k see the same states of the machine."""
    clock = time.process_time if cpu else time.perf_counter
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, spent in zip(runs, times, strict=True):
            t = clock()
            run()
            spent.append((clock() - t) * 1000)
    return [min(spent) if cpu else statistics.median(spent) for spent in times]


def evaluator_only(source: str) -> None:
    run = run_program(source, {}, limits_from_settings(SETTINGS), PlainObserver())
    if run.backward_calls:  # the program ran its own (the lecture's `loss.backward()`)
        return
    out = run.output
    assert isinstance(out, torch.Tensor)
    out.backward()


def full_trace(source: str, **options: Any) -> int:
    """The trace as the API sends it (JSON bytes): its size."""
    return len(dumps(run_trace_job({"source": source, **options}, SETTINGS)))


def compact_on_the_wire(source: str) -> tuple[int, int]:
    """Bytes of the compact trace, and of it gzipped as the server's GZipMiddleware sends it."""
    body = dumps(run_trace_job({"source": source, "format": "compact"}, SETTINGS))
    return len(body), len(gzip.compress(body, compresslevel=SETTINGS.gzip_level))


def details_window(source: str) -> None:
    """What opening 50 steps in the middle of the pass costs."""
    steps = run_details_job({"source": source, "steps": [0, 50]}, SETTINGS)["steps"]
    assert steps, "no steps explained"


def torchviz_svg(source: str) -> None:
    from torchviz import make_dot

    # the app's /api/torchviz observer: a program's own backward() keeps the saved tensors make_dot reads
    run = run_program(source, {}, limits_from_settings(SETTINGS), DrawingObserver())
    dot = make_dot(run.output, show_attrs=True, show_saved=True)
    if render_svg(dot.source, DOT_LIMIT_SECONDS) is None:
        raise RuntimeError(f"dot gave no SVG within {DOT_LIMIT_SECONDS:g} s")


def in_big_stack(fn: Callable[[], Any]) -> Any:
    """torchviz recurses once per graph level: give it a deep stack so large graphs can finish."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # reported, not raised: the benchmark goes on
            box["error"] = f"{type(exc).__name__}: {str(exc)[:80]}"

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200_000)
    threading.stack_size(512 * 1024 * 1024)
    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise RuntimeError(box["error"])
    return box.get("value")


def lecture_program(nodes: int) -> tuple[str, Callable[[], None]]:
    """tests/lecture_programs' 20-layer MLP over nodes / 63 batches (what frontend_bench's `lecture`
    opens): every module call, summary and accumulator path a real model takes, which the three
    programs above (no modules, values that repeat) do not."""
    source = mlp20_of_size(nodes)
    code = compile(source, "<lecture>", "exec")

    def bare() -> None:  # the program as CPython runs it (trusted bench code, as lecture_loop_bench)
        exec(code, {"__name__": "__main__", "print": lambda *args, **kwargs: None})  # noqa: S102

    return source, bare


PROGRAMS: dict[str, Callable[[int], tuple[str, Callable[[], None]]]] = {
    "chain": chain_program,
    "mlp": mlp_program,
    "transformer": transformer_program,
    "lecture": lecture_program,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--graphs", default="chain,mlp,transformer,lecture")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--repeat-large", type=int, default=1, help="repeats above 1,000 nodes (medians on a loaded machine)"
    )
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall", help="cpu: least CPU time, not median wall"
    )
    parser.add_argument("--torchviz-max", type=int, default=0, help="skip torchviz above this many nodes")
    args = parser.parse_args()
    configure_process()
    sizes = [int(s) for s in args.sizes.split(",")]
    cpu = args.clock == "cpu"
    full_trace("x = torch.tensor(1.0, requires_grad=True)\nx * 2")  # warm up imports and kernels
    rows = []
    for kind in args.graphs.split(","):
        make = PROGRAMS[kind]
        for size in sizes:
            source, bare = make(size)
            repeat = args.repeat if size <= 1000 else args.repeat_large
            a, a2, b, k, d = interleaved(
                [
                    bare,
                    lambda source=source: evaluator_only(source),
                    lambda source=source: full_trace(source),
                    lambda source=source: full_trace(source, format="compact"),
                    lambda source=source: details_window(source),
                ],
                repeat,
                cpu,
            )
            nodes = run_trace_job({"source": source, "jacobians": False}, SETTINGS)["stats"]["nodes"]
            readable_bytes = full_trace(source)
            compact_bytes, gzip_bytes = compact_on_the_wire(source)
            c: float | str
            if size <= args.torchviz_max:
                try:
                    c = timed(lambda source=source: in_big_stack(lambda: torchviz_svg(source)), 1)
                except RuntimeError as exc:
                    c = f"failed ({exc})"
            else:
                c = "skipped"
            row = {
                "graph": kind,
                "op_nodes": size,
                "nodes": nodes,
                "a_bare_ms": round(a, 2),
                "a_evaluator_ms": round(a2, 2),
                "b_trace_ms": round(b, 2),
                "k_compact_ms": round(k, 2),
                "d_details_ms": round(d, 2),
                "k_over_a": round(k / a, 1),
                "readable_bytes_per_node": round(readable_bytes / nodes),
                "compact_bytes_per_node": round(compact_bytes / nodes),
                "compact_gzip_bytes_per_node": round(gzip_bytes / nodes),
                "c_torchviz_ms": round(c, 1) if isinstance(c, float) else c,
                "b_over_a": round(b / a, 1),
                "b_over_a_evaluator": round(b / a2, 2),
                "c_over_b": round(c / b, 2) if isinstance(c, float) else None,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "clock": "least CPU ms" if cpu else "median wall ms",
        "gzip_level": SETTINGS.gzip_level,
    }
    (RESULTS / "trace_bench.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    header = (
        "| graph | nodes | a bare ms | a' evaluator ms | b readable ms | k compact ms | k/a | b/a "
        "| d details(50) ms | readable B/node | compact B/node | compact gzip B/node | c torchviz ms |"
    )
    lines = [header, "|" + "---|" * 13]
    columns = (
        "graph",
        "nodes",
        "a_bare_ms",
        "a_evaluator_ms",
        "b_trace_ms",
        "k_compact_ms",
        "k_over_a",
        "b_over_a",
        "d_details_ms",
        "readable_bytes_per_node",
        "compact_bytes_per_node",
        "compact_gzip_bytes_per_node",
        "c_torchviz_ms",
    )
    for r in rows:
        lines.append("| " + " | ".join(str(r[c]) for c in columns) + " |")
    table = "\n".join(lines)
    (RESULTS / "trace_bench.md").write_text(
        f"Measured {meta['date']}, torch {meta['torch']}, times as {meta['clock']}.\n\n{table}\n"
    )
    print(table)


if __name__ == "__main__":
    main()
