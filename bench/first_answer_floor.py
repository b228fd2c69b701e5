"""What a first answer without gradients, or without any value, would cost: issue 11's twelfth round.

The README and the tenth round estimated, from the stages timed apart, that a first answer holding
the graph, its boxes and the engine's order but no value or gradient would be about 2.2–2.4 a, and
so under issue 11's k/a ≤ 3: the decision left open was whether to fetch every value by window.
This bench builds those first answers with the tracer itself and times them whole, alternated with
bare PyTorch and today's compact trace in one process (least CPU time of the rounds, the collector
paused as in a job; trace_bench's programs and baselines):
  a          bare forward + backward (trace_bench's baseline; CPython for `lecture`)
  k          today's compact trace (a hook per node: every value, incoming gradient and contribution)
  order      no hook per node: PyTorch's execution order read once, from a pre-hook on the root
             (torch._C._current_graph_task_execution_order, multithreading off), so the steps
             carry no gradient and no contribution; forward values, saved values and names sent
  structure  the same, and no value of any kind in the answer (the value table skipped): the
             graph, names, spans, regions, loops and the engine's order alone
Both variants patch the tracer in this process only (recorder.capture_pass, ValueTable.add_all):
they are probes of what the payload would cost, not payloads the app could send as they are.
Not a test: nothing here fails.

    python bench/first_answer_floor.py [--sizes 1000,5000] [--graphs chain,mlp,transformer] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from autograd_explorer.process_setup import configure_process  # noqa: E402
from autograd_explorer.trace import backward_capture, compact, recorder  # noqa: E402
from autograd_explorer.trace.jobs import run_trace_job  # noqa: E402
from trace_bench import PROGRAMS, SETTINGS, full_trace, in_big_stack  # noqa: E402

RESULTS = REPO / "bench" / "results"


def order_only(raw: backward_capture.RawPass, run: Callable[[], Any], **options: Any) -> Any:
    """capture_pass without a hook per node: the engine's order, read once, and no gradient."""
    raw.nodes.extend(backward_capture.graph_nodes(raw.roots, options["max_nodes"]))
    order: list[list[Any]] = []
    read = torch._C._current_graph_task_execution_order  # type: ignore[attr-defined]

    def first(_grads: Any) -> None:
        if not order:
            order.append(read())

    handles = [root.register_prehook(first) for root in raw.roots[:1]]
    try:
        with torch.autograd.set_multithreading_enabled(False):  # the order's precondition
            result = run()
    finally:
        for handle in handles:
            handle.remove()
    raw.steps.extend(backward_capture.RawStep(fn, (), ()) for fn in (order[0] if order else []))
    return result


def no_values(_table: compact.ValueTable, items: Sequence[object]) -> list[int]:
    return [-1] * len(items)


@contextmanager
def first_answer(kind: str) -> Iterator[None]:
    """The tracer patched for one variant (`k`: as it is)."""
    capture, add_all = recorder.capture_pass, compact.ValueTable.add_all
    if kind in ("order", "structure"):
        recorder.capture_pass = order_only  # type: ignore[assignment]
    if kind == "structure":
        compact.ValueTable.add_all = no_values  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        recorder.capture_pass = capture  # type: ignore[assignment]
        compact.ValueTable.add_all = add_all  # type: ignore[method-assign]


KINDS = ("a", "k", "order", "structure")


def one_round(source: str, bare: Callable[[], None], least: dict[str, float], sizes: dict[str, int]) -> None:
    gc.disable()  # as in a trace job (jobs.collector_paused)
    try:
        for kind in KINDS:
            if kind == "a":
                run: Callable[[], Any] = bare
            else:

                def run(kind: str = kind) -> int:
                    with first_answer(kind):
                        return full_trace(source, format="compact")

            started = time.process_time()
            size = in_big_stack(run)
            spent = (time.process_time() - started) * 1000
            least[kind] = min(least.get(kind, spent), spent)
            if kind != "a":
                sizes[kind] = size
    finally:
        gc.enable()
        gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--graphs", default="chain,mlp,transformer")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    configure_process()
    load = os.getloadavg()[0]
    lines = [
        f"`python bench/first_answer_floor.py --sizes {args.sizes} --graphs {args.graphs} "
        f"--rounds {args.rounds}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {load:.1f} at the start, torch {torch.__version__}. Least CPU time of the "
        "rounds; k, order and structure ÷ a; bytes of each answer per node.",
        "",
        "| graph | nodes | a ms | k/a | order/a | structure/a | k B/node | order B/node | structure B/node |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for graph in args.graphs.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            source, bare = PROGRAMS[graph](n)
            least: dict[str, float] = {}
            sizes: dict[str, int] = {}
            nodes = 0
            for _ in range(args.rounds):
                one_round(source, bare, least, sizes)
            nodes = run_trace_job({"source": source, "format": "compact"}, SETTINGS)["stats"]["nodes"]
            a = least["a"]
            row = (
                f"| {graph} | {nodes:,} | {a:.1f} | {least['k'] / a:.2f} | {least['order'] / a:.2f} | "
                f"{least['structure'] / a:.2f} | {sizes['k'] / nodes:.0f} | {sizes['order'] / nodes:.0f} | "
                f"{sizes['structure'] / nodes:.0f} |"
            )
            lines.append(row)
            print(row, flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "first_answer_floor.md"
    title = "# first_answer_floor.py\n\n"
    previous = out.read_text().removeprefix(title) if out.exists() else ""  # newest run first
    out.write_text(title + "\n".join(lines) + "\n\n" + previous)
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
