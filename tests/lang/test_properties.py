"""Random arithmetic expressions agree with the same expression computed directly in torch."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LanguageLimits
from autograd_explorer.lang.function import compile_function
from tests.lang.helpers import run

UNARY = ["torch.sin", "torch.cos", "torch.tanh", "torch.sigmoid", "torch.exp", "relu", "abs", "torch.square"]
BINARY = ["+", "-", "*"]


def expressions(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        st.sampled_from(["x", "y", "z"]),
        st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda c: f"({c!r})"),
    )
    if depth == 0:
        return leaf
    smaller = expressions(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(smaller, st.sampled_from(BINARY), smaller).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(UNARY), smaller).map(lambda t: f"{t[0]}({t[1]})"),
        smaller.map(lambda e: f"(-{e})"),
    )


def direct(expression: str, values: dict[str, torch.Tensor]) -> torch.Tensor:
    """The oracle: the same text as plain Python over torch, written out by hand."""

    def python_or_torch_abs(v: object) -> object:  # bare abs: Python's on numbers, torch's on tensors
        return torch.abs(v) if isinstance(v, torch.Tensor) else abs(v)  # type: ignore[arg-type]

    table = {"torch": torch, "relu": torch.relu, "abs": python_or_torch_abs, **values}
    return eval(expression, {"__builtins__": {}}, table)  # noqa: S307 (test oracle on generated text)


VALUES = {
    "x": [0.5, -1.25, 2.0],
    "y": [1.5, 0.75, -0.5],
    "z": [-2.0, 0.25, 1.0],
}


@settings(max_examples=100, deadline=None)
@given(expressions(4))
def test_random_expressions_match_torch(expression: str) -> None:
    tensors = {name: torch.tensor(v) for name, v in VALUES.items()}  # float32, as the evaluator's leaves
    try:
        expected = direct(expression, tensors)
    except (TypeError, RuntimeError) as exc:  # e.g. torch.sin(1.5): PyTorch refuses a float
        with pytest.raises(ProgramError) as info:
            run(expression, VALUES)
        assert info.value.type == "runtime" and info.value.message == str(exc)
        return
    result = run(expression, VALUES)
    got = result.output
    if not isinstance(got, torch.Tensor):
        return  # a constant expression: nothing of ours evaluated it
    # the same operations in the same order on the same float32 values: equal up to rounding
    assert torch.allclose(
        got, torch.as_tensor(expected, dtype=got.dtype), rtol=1e-6, atol=0.0, equal_nan=True
    )


@settings(max_examples=60, deadline=None)
@given(expressions(3))
def test_random_expressions_gradients_match_float64_autograd(expression: str) -> None:
    try:
        f = compile_function(expression, LanguageLimits())
    except ProgramError as error:
        assert "no parameters" in error.message
        return
    ours = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in VALUES.items()}
    theirs = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in VALUES.items()}
    try:
        expected = direct(expression, theirs)
    except (TypeError, RuntimeError):
        return  # the first property checks that both refuse alike
    out = f({n: ours[n] for n in f.parameters}).sum()
    expected = expected.sum() if isinstance(expected, torch.Tensor) else torch.tensor(float(expected))
    assert math.isclose(float(out), float(expected), rel_tol=1e-9, abs_tol=1e-9) or (
        math.isnan(float(out)) and math.isnan(float(expected))
    )
    if not out.requires_grad:
        return
    names = f.parameters
    grads = torch.autograd.grad(out, [ours[n] for n in names], allow_unused=True)
    oracle = torch.autograd.grad(expected, [theirs[n] for n in names], allow_unused=True)
    for g, o in zip(grads, oracle, strict=True):
        assert (g is None) == (o is None)
        if g is not None and o is not None:
            assert torch.allclose(g, o, rtol=1e-9, atol=1e-9, equal_nan=True)
