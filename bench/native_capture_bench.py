"""Would hooks in C++ make the capture cheaper? A probe: capture_pass next to a C++ version of it.

bench/native_capture/capture.cpp does what capture_pass (trace/backward_capture.py) does without
a Python call inside the backward: it walks the graph from the roots in C++, adds a C++ post-hook
to every node, runs the backward, removes the hooks, and only then hands the nodes and each step's
(grad_outputs, grad_inputs) to Python, where they become the same RawSteps. The extension is built
here with torch.utils.cpp_extension (a C++ compiler and ninja; about 25 s the first time, cached
under --build); without them the probe says so and stops. It first checks, on each graph, that the
native capture records the very steps capture_pass records (same nodes in the same order, equal
gradients). Then each alternated round times, on a fresh graph each (least CPU time of the rounds,
one torch thread, collector paused as in a trace job):
  bare     backward(retain_graph=True), no hooks
  python   capture_pass as the tracer calls it (walk, register, backward, remove)
  native   the C++ capture and the RawSteps made from what it hands back
  kept     the C++ capture whose records never become Python objects (freed in C++): the hooks
           alone, the least any capture that hands Python its steps could cost
  empty    C++ hooks that record nothing: the engine's post-hook path alone (kept − empty is
           what keeping every gradient until the pass ends costs)
Not a test: nothing here fails, and the app never builds or loads the extension.

    python bench/native_capture_bench.py [--sizes 1000,5000] [--graphs chain,mlp] [--rounds 15]
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from autograd_explorer.process_setup import configure_process
from autograd_explorer.trace.backward_capture import RawPass, RawStep, capture_pass

sys.path.insert(0, str(Path(__file__).resolve().parent))
from capture_bench import GRAPHS

SOURCE = Path(__file__).resolve().parent / "native_capture" / "capture.cpp"


def build(directory: Path) -> ModuleType | None:
    """The extension, built (or found built) in `directory`; None without a compiler or ninja."""
    if shutil.which("c++") is None or shutil.which("ninja") is None:
        print("no C++ compiler or ninja here: nothing to probe")
        return None
    from torch.utils.cpp_extension import load

    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    module = load(name="native_capture_probe", sources=[str(SOURCE)], build_directory=str(directory))
    print(f"built (or found) in {time.perf_counter() - started:.1f} s: {directory}")
    return module


def python_capture(y: torch.Tensor) -> list[RawStep]:
    raw = RawPass(kind="auto", roots=[y.grad_fn], seeds=[None], outputs=[y])
    capture_pass(
        raw,
        lambda: y.backward(retain_graph=True),
        jacobians=False,
        max_jacobian_elements=1_024,
        max_nodes=100_000,
    )
    return raw.steps


def native_capture(native: Any, y: torch.Tensor) -> list[RawStep]:
    _nodes, steps, _ = native.capture_all([y.grad_fn], lambda: y.backward(retain_graph=True))
    return [RawStep(fn, grad_outputs, grad_inputs) for fn, grad_outputs, grad_inputs in steps]


def same_grads(a: tuple[torch.Tensor | None, ...], b: tuple[torch.Tensor | None, ...]) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and torch.equal(x, y))
        for x, y in zip(a, b, strict=True)
    )


def check(native: Any, graph: str, size: int) -> None:
    """Both captures of one graph: the same nodes, in the same order, with equal gradients."""
    y = GRAPHS[graph](size)
    ours = python_capture(y)
    for step in ours:  # AccumulateGrad kept the incoming gradient as .grad: the next pass would add to it
        if type(step.fn).__name__ == "AccumulateGrad":
            step.fn.variable.grad = None
    theirs = native_capture(native, y)
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for a, b in zip(ours, theirs, strict=True):
        assert a.fn is b.fn, (a.fn, b.fn)
        assert same_grads(a.grad_outputs, b.grad_outputs) and same_grads(a.grad_inputs, b.grad_inputs)
    print(f"{graph} {size}: the native capture recorded capture_pass's {len(ours)} steps")


def one_round(native: Any, graph: str, size: int, least: dict[str, float], flip: bool) -> int:
    clock = time.process_time
    count = 0
    order = (
        ("bare", "empty", "kept", "native", "python")
        if flip
        else ("bare", "python", "native", "kept", "empty")
    )
    for name in order:
        y = GRAPHS[graph](size)
        started = clock()
        if name == "bare":
            y.backward(retain_graph=True)
        elif name == "python":
            count = len(python_capture(y))
        elif name == "native":
            native_capture(native, y)
        else:
            run = partial(y.backward, retain_graph=True)
            native.capture_all([y.grad_fn], run, to_python=False, keep=name == "kept")
        least[name] = min(least.get(name, float("inf")), (clock() - started) * 1000)
        del y
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--graphs", default="chain,mlp")
    parser.add_argument("--rounds", type=int, default=15)
    default_build = Path(tempfile.gettempdir()) / "autograd-explorer-native-capture"
    parser.add_argument("--build", default=str(default_build))
    args = parser.parse_args()
    configure_process()
    native = build(Path(args.build))
    if native is None:
        return
    columns = ["python − bare", "native − bare", "native ÷ python (over bare)", "kept − bare", "empty − bare"]
    print("| graph | op nodes | bare ms | " + " | ".join(columns) + " |  (differences in µs a node)")
    print("|---" * (3 + len(columns)) + "|")
    for graph in args.graphs.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            check(native, graph, min(size, 300))
            least: dict[str, float] = {}
            count = 0
            for k in range(args.rounds):
                gc.disable()  # as in a trace job (jobs.collector_paused)
                try:
                    count = one_round(native, graph, size, least, flip=k % 2 == 1)
                finally:
                    gc.enable()
            py_over = (least["python"] - least["bare"]) * 1000 / count
            native_over = (least["native"] - least["bare"]) * 1000 / count
            kept_over = (least["kept"] - least["bare"]) * 1000 / count
            empty_over = (least["empty"] - least["bare"]) * 1000 / count
            print(
                f"| {graph} | {count} | {least['bare']:.1f} | {py_over:.2f} | {native_over:.2f} | "
                f"{native_over / py_over:.2f} | {kept_over:.2f} | {empty_over:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
