"""What the least tracer costs: a lower bound for trace_bench's k/a, measured in one run.

trace_bench's chain and MLP programs, written in plain Python (no evaluator), three ways:
  a      bare forward + backward (trace_bench's baseline)
  hooks  + one hook per graph node (torch's Node.register_hook, removed after) that keeps the
         engine's order, each node's incoming gradients and what it sent on: the capture alone
  floor  + each operation's output kept (a detached alias, its grad_fn read) and, after the pass,
         every forward value and incoming gradient in one float32 buffer (stacked per shape): the
         least a trace that shows every node's value and gradient can do in Python
Nothing here names, groups, deduplicates, summarizes, explains or encodes JSON: the explorer's
k/a minus floor/a is what those cost, and its evaluator (a'/a). Not a test: nothing fails.

    python bench/trace_floor.py [--sizes 1000,5000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch

from autograd_explorer.process_setup import configure_process


def chain(steps: int, keep: Callable[[torch.Tensor], None]) -> torch.Tensor:
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(steps):
        y = torch.sin(y)
        keep(y)
        y = y * 1.0001
        keep(y)
    return y


def mlp(layers: int, keep: Callable[[torch.Tensor], None]) -> torch.Tensor:
    torch.manual_seed(0)
    w = torch.randn(8, 8, requires_grad=True)
    b = torch.randn(8, requires_grad=True)
    h = torch.randn(4, 8)
    for _ in range(layers):
        m = h @ w
        keep(m)
        s = m * 0.3
        keep(s)
        a = s + b
        keep(a)
        h = torch.tanh(a)
        keep(h)
    out = h.sum()
    keep(out)
    return out


PROGRAMS = {"chain": (chain, 2), "mlp": (mlp, 4)}  # op nodes per turn (mlp: @, *, +, tanh)


def bare(program: Callable[..., torch.Tensor], turns: int) -> None:
    program(turns, lambda _t: None).backward()


def hooked(program: Callable[..., torch.Tensor], turns: int, keep_values: bool) -> int:
    values: dict[int, tuple[Any, torch.Tensor]] = {}

    def keep(t: torch.Tensor) -> None:
        fn = t.grad_fn
        values[id(fn)] = (fn, t.detach())

    out = program(turns, keep if keep_values else lambda _t: None)
    nodes: list[Any] = []
    seen: set[int] = set()
    stack = [out.grad_fn]
    while stack:  # every node once, as the explorer's graph walk
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        nodes.append(fn)
        stack.extend(n for n, _ in fn.next_functions if n is not None)
    steps: list[tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = []

    def record(fn: Any, grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
        steps.append((fn, grad_outputs, grad_inputs))

    handles = [fn.register_hook(partial(record, fn)) for fn in nodes]
    try:
        out.backward()
    finally:
        for h in handles:
            h.remove()
    if not keep_values:
        return len(steps)
    tensors = [v for _, v in values.values()] + [g[0] for _, g, _ in steps if g and g[0] is not None]
    by_shape: dict[torch.Size, list[torch.Tensor]] = {}
    for t in tensors:
        by_shape.setdefault(t.shape, []).append(t)
    parts = [torch.stack(ts).to(torch.float32).numpy().tobytes() for ts in by_shape.values()]
    return len(np.frombuffer(b"".join(parts), dtype="<f4"))


def least_cpu_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    configure_process()
    print("| graph | op nodes | a ms | hooks/a | floor/a |\n|---|---|---|---|---|")
    for name, (program, per_turn) in PROGRAMS.items():
        for size in map(int, args.sizes.split(",")):
            turns = max(size // per_turn, 1)
            for _ in range(2):  # warm up
                bare(program, turns)
                hooked(program, turns, True)
            a = least_cpu_ms(partial(bare, program, turns), args.repeat)
            hooks = least_cpu_ms(partial(hooked, program, turns, False), args.repeat)
            floor = least_cpu_ms(partial(hooked, program, turns, True), args.repeat)
            print(f"| {name} | {size} | {a:.1f} | {hooks / a:.2f} | {floor / a:.2f} |", flush=True)


if __name__ == "__main__":
    main()
