"""Invariants of the trace on generated programs (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program

# The server's 5 s per-request wall clock is a budget, not a test: a loaded 2-core machine ran the
# lecture-simple-nn example past it. Here it only bounds a hang.
SETTINGS = Settings(max_wall_seconds=60)

Expr = tuple[str, Callable[[dict[str, torch.Tensor]], torch.Tensor]]

UNARY: list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = [
    ("torch.sin", torch.sin),
    ("torch.cos", torch.cos),
    ("torch.tanh", torch.tanh),
    ("torch.sigmoid", torch.sigmoid),
    ("torch.square", torch.square),
]
BINARY: list[tuple[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = [
    ("+", torch.add),
    ("-", torch.sub),
    ("*", torch.mul),
]


def leaf(name: str) -> Expr:
    return name, lambda env: env[name]


def constant(value: float) -> Expr:
    return repr(value), lambda env: torch.tensor(value, dtype=torch.float64)


def unary(inner: Expr, which: int) -> Expr:
    name, fn = UNARY[which]
    return f"{name}({inner[0]})", lambda env: fn(inner[1](env))


def binary(a: Expr, b: Expr, which: int) -> Expr:
    sym, fn = BINARY[which]
    return f"({a[0]} {sym} {b[0]})", lambda env: fn(a[1](env), b[1](env))


expressions = st.recursive(
    st.sampled_from(["x", "y"]).map(leaf),
    lambda inner: st.one_of(
        st.builds(unary, inner, st.integers(0, len(UNARY) - 1)),
        st.builds(binary, inner, inner, st.integers(0, len(BINARY) - 1)),
        # constants only beside a tensor, as torch itself requires (torch.sin(0.5) is an error)
        st.builds(binary, inner, st.sampled_from([0.5, 2.0, -1.5]).map(constant), st.integers(0, 2)),
    ),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expressions, x=st.floats(-2, 2), y=st.floats(-2, 2))
def test_trace_invariants_hold(expr: Expr, x: float, y: float) -> None:
    source, reference = expr
    p = trace_program(source, {"x": x, "y": y}, TraceOptions(), SETTINGS)
    check_contributions_sum_to_what_the_engine_delivered(p)
    check_steps_in_reverse_topological_order(p)
    check_leaf_grads_match_float64(p, reference, {"x": x, "y": y})


def as_tensor(tv: dict[str, Any] | None) -> torch.Tensor:
    assert tv is not None
    return torch.tensor(
        tv["data"].tolist() if hasattr(tv["data"], "tolist") else tv["data"], dtype=torch.float64
    )


def check_contributions_sum_to_what_the_engine_delivered(p: dict[str, Any]) -> None:
    for pas in p["passes"]:
        arrived: dict[int, torch.Tensor] = {}
        for root, seed in zip(pas["roots"], pas["seeds"], strict=False):
            arrived[root] = as_tensor(seed)
        for step in pas["steps"]:
            delivered = as_tensor(step["grad_output"])
            assert torch.allclose(arrived[step["node"]], delivered, rtol=1e-5, atol=1e-5)
            for c in step["inputs"]:
                arrived[c["to"]] = arrived.get(c["to"], 0) + as_tensor(c["contribution"])


def check_steps_in_reverse_topological_order(p: dict[str, Any]) -> None:
    position = {s["node"]: k for k, s in enumerate(p["passes"][-1]["steps"])}
    for e in p["edges"]:
        if e["source"] in position and e["target"] in position:
            assert position[e["target"]] < position[e["source"]]


def check_leaf_grads_match_float64(
    p: dict[str, Any], reference: Callable[[dict[str, torch.Tensor]], torch.Tensor], values: dict[str, float]
) -> None:
    env = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    used = [k for k in env if k in p["grads"]]
    out = reference(env)
    grads = torch.autograd.grad(out, [env[k] for k in used], allow_unused=True)
    for name, g in zip(used, grads, strict=True):
        expected = torch.zeros((), dtype=torch.float64) if g is None else g
        got = p["grads"][name]
        actual = torch.zeros((), dtype=torch.float64) if got is None else as_tensor(got)
        assert torch.allclose(actual, expected, rtol=1e-4, atol=1e-4), (name, actual, expected)
