"""What hooking a backward pass costs per node, split into PyTorch's share and the recorder's.

capture_pass (trace/backward_capture.py) walks the graph, registers one post-hook per node, runs
the backward and removes the hooks. For the chain and the MLP of trace_bench, each alternated
round times, on a fresh graph each (least CPU time of the rounds, one torch thread):
  bare         backward(retain_graph=True), no hooks
  walk         graph_nodes (each node's next_functions read once)
  register     node.register_hook per node (PyTorch's own Python: an OrderedDict and a
               RemovableHandle per node)
  noop hooks   the backward with a Python no-op hook on every node (the engine's call of a hook)
  our hooks    the backward with capture_pass's own hook (a RawStep per node)
  remove       handle.remove() per node
  capture      capture_pass as the tracer calls it (walk, register, backward, remove)
  free plain / free hooked   freeing the graph after its backward, without hooks / after hooks
               were registered and removed (each node keeps its emptied hook dict)
  edges        the ninth round's alternative (issue 11), whole: the walk, PyTorch's own execution
               order asked once from the root's pre-hook (torch._C._current_graph_task_execution_order),
               every input slot the graph reads captured by torch.autograd.grad with GradientEdge
               inputs (in C++, no hook), and a post-hook only on the producers of a slot that has
               several (a value used twice: the capture holds only their sum); no step records yet
Not a test: nothing here fails.

    python bench/capture_bench.py [--sizes 5000] [--graphs chain,mlp] [--rounds 15]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import torch

from autograd_explorer.process_setup import configure_process
from autograd_explorer.trace.backward_capture import RawPass, RawStep, capture_pass, graph_nodes


def chain_graph(nodes: int) -> torch.Tensor:
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(max(nodes // 2, 1)):
        y = torch.sin(y) * 1.0001
    return y


def mlp_graph(nodes: int) -> torch.Tensor:
    torch.manual_seed(0)
    W = torch.randn(8, 8, requires_grad=True)
    b = torch.randn(8, requires_grad=True)
    h = torch.randn(4, 8)
    for _ in range(max(nodes // 3, 1)):
        h = torch.tanh(h @ W * 0.3 + b)
    return h.sum()


GRAPHS: dict[str, Callable[[int], torch.Tensor]] = {"chain": chain_graph, "mlp": mlp_graph}


def noop(fn: Any, grad_inputs: Any, grad_outputs: Any) -> None:
    """A hook that does nothing: what the engine's call of a Python hook costs by itself."""


def one_round(make: Callable[[int], torch.Tensor], size: int, least: dict[str, float]) -> int:
    """Each measure once on a fresh graph; returns the graph's node count."""
    clock = time.process_time

    def keep(name: str, started: float) -> None:
        least[name] = min(least.get(name, float("inf")), (clock() - started) * 1000)

    y = make(size)
    started = clock()
    y.backward(retain_graph=True)
    keep("bare", started)
    started = clock()
    del y
    keep("free plain", started)

    y = make(size)
    started = clock()
    nodes = graph_nodes([y.grad_fn])
    keep("walk", started)
    started = clock()
    handles = [fn.register_hook(partial(noop, fn)) for fn in nodes]
    keep("register", started)
    started = clock()
    y.backward(retain_graph=True)
    keep("noop hooks", started)
    started = clock()
    for handle in handles:
        handle.remove()
    keep("remove", started)
    del handles, nodes
    started = clock()
    del y
    keep("free hooked", started)

    y = make(size)
    nodes = graph_nodes([y.grad_fn])
    steps: list[RawStep] = []
    append = steps.append

    def record(fn: Any, grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
        append(RawStep(fn, tuple(grad_outputs), tuple(grad_inputs)))  # capture_pass's plain hook

    handles = [fn.register_hook(partial(record, fn)) for fn in nodes]
    started = clock()
    y.backward(retain_graph=True)
    keep("our hooks", started)
    for handle in handles:
        handle.remove()
    count = len(nodes)
    del handles, nodes, y

    y = make(size)
    raw = RawPass(kind="auto", roots=[y.grad_fn], seeds=[None], outputs=[y])
    started = clock()
    capture_pass(
        raw,
        lambda: y.backward(retain_graph=True),
        jacobians=False,
        max_jacobian_elements=1_024,
        max_nodes=100_000,
    )
    keep("capture", started)
    del raw, y

    y = make(size)
    started = clock()
    edges_capture(y)
    keep("edges", started)
    return count


def edges_capture(y: torch.Tensor) -> tuple[list[Any], tuple[torch.Tensor | None, ...], dict[int, Any]]:
    """The ninth round's capture (see the module's docstring): order, captures and shared sends."""
    GradientEdge = torch.autograd.graph.GradientEdge
    nodes = graph_nodes([y.grad_fn])
    readers: dict[tuple[int, int], int] = {}
    edges: dict[tuple[int, int], Any] = {}
    sends = []
    for fn in nodes:
        nexts = fn.next_functions
        sends.append(nexts)
        for target, slot in nexts:
            if target is not None:
                key = (id(target), slot)
                if key in readers:
                    readers[key] += 1
                else:
                    readers[key] = 1
                    edges[key] = GradientEdge(target, slot)
    edges.setdefault((id(y.grad_fn), y.output_nr), GradientEdge(y.grad_fn, y.output_nr))
    sent: dict[int, Any] = {}

    def keep_sent(fn: Any, grad_inputs: Any, _grad_outputs: Any) -> None:
        sent[id(fn)] = grad_inputs

    order: list[Any] = []
    order_of = torch._C._current_graph_task_execution_order  # type: ignore[attr-defined]
    handles = [y.grad_fn.register_prehook(lambda _grads: order.append(order_of()))]
    shared = {key for key, count in readers.items() if count > 1}
    for fn, nexts in zip(nodes, sends, strict=True):
        if any(t is not None and (id(t), s) in shared for t, s in nexts):
            handles.append(fn.register_hook(partial(keep_sent, fn)))
    with torch.autograd.set_multithreading_enabled(False):  # the order's precondition
        grads = torch.autograd.grad([y], list(edges.values()), retain_graph=True, allow_unused=True)
    for handle in handles:
        handle.remove()
    return order[0], grads, sent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000")
    parser.add_argument("--graphs", default="chain,mlp")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    configure_process()
    for graph in args.graphs.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            least: dict[str, float] = {}
            count = 0
            for _ in range(args.rounds):
                gc.disable()  # as in a trace job (jobs.collector_paused)
                try:
                    count = one_round(GRAPHS[graph], size, least)
                finally:
                    gc.enable()
            print(f"{graph} {size} ({count} nodes), least CPU ms of {args.rounds} (µs a node):")
            for name, ms in least.items():
                print(f"  {name:12s} {ms:8.2f}  ({ms * 1000 / count:5.2f})")
            overhead = least["capture"] - least["bare"]
            print(f"  capture - bare {overhead:.2f} ms ({overhead * 1000 / count:.2f} µs a node)")
            edges = least["edges"] - least["bare"]
            print(f"  edges - bare {edges:.2f} ms ({edges * 1000 / count:.2f} µs a node)", flush=True)


if __name__ == "__main__":
    main()
