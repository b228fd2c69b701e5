"""torch.autograd.gradcheck of the program's function or custom Function (the "Extending PyTorch"
tutorial's check): PyTorch compares finite differences with the backward pass. The oracle is
CPython running the same program with real torch; the bounds are those of lang/functional.py."""

from __future__ import annotations

import pytest
import torch

from .helpers import cpython, fails, run


def counted_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the backward passes gradcheck runs (it calls torch.autograd.grad for each)."""
    passes = [0]
    original = torch.autograd.grad

    def counting(*args: object, **kwargs: object) -> object:
        passes[0] += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(torch.autograd, "grad", counting)
    return passes


FUNCTIONS = """import torch
from torch.autograd import gradcheck

class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y

class Halved(torch.autograd.Function):  # d(x²)/dx is 2x, not x
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x

torch.manual_seed(0)
x = torch.randn(3, dtype=torch.double, requires_grad=True)
w = torch.randn(3, 2, dtype=torch.double, requires_grad=True)
"""


def test_gradcheck_says_what_cpython_says() -> None:
    source = FUNCTIONS + (
        "print(gradcheck(MyExp.apply, (x,), eps=1e-6, atol=1e-4))\n"
        "print(torch.autograd.gradcheck(lambda a, b: (a @ b).tanh(), (x, w)))\n"
        "print(gradcheck(Halved.apply, (x,), raise_exception=False))\n"
    )
    _, printed = cpython(source)
    assert printed == ["True", "True", "False"]
    assert run(source).printed == printed


def test_a_wrong_backward_is_pytorchs_error_at_the_call_with_both_jacobians() -> None:
    call = "gradcheck(Halved.apply, (x,))"
    error = fails(FUNCTIONS + f"ok = {call}\n", "runtime")
    assert "Jacobian mismatch for output 0 with respect to input 0" in error.message
    assert "numerical:" in error.message and "analytical:" in error.message
    line = FUNCTIONS.count("\n") + 1
    assert (error.line, error.column, error.end_column) == (line, 5, 5 + len(call))


def test_single_precision_inputs_are_warned_as_pytorch_warns() -> None:
    result = run(FUNCTIONS + "ok = gradcheck(MyExp.apply, (x.float(),), atol=1e-2, raise_exception=False)\n")
    assert any("gradcheck's input #0 is float32, not float64" in w for w in result.warnings)
    assert not any("gradcheck" in w for w in run(FUNCTIONS + "ok = gradcheck(MyExp.apply, (x,))\n").warnings)


@pytest.mark.parametrize("flag", ["check_forward_ad", "check_batched_grad", "check_batched_forward_grad"])
def test_what_runs_on_tensors_the_evaluator_does_not_know_is_refused(flag: str) -> None:
    error = fails(FUNCTIONS + f"ok = gradcheck(MyExp.apply, (x,), {flag}=True)\n", "forbidden")
    assert f"gradcheck({flag}=True) is not available here" in error.message


def test_its_jacobians_and_passes_are_bounded_before_the_first_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A numerical and an analytical Jacobian of 800 × 800 (1.28 × 10⁶ elements) are refused when the
    function has returned, before any backward pass; the passes are reserved once (two per output
    element, two more for the output's own checks), not at each of the function's 1,601 calls."""
    passes = counted_passes(monkeypatch)
    big = (
        "x = torch.ones(800, dtype=torch.double, requires_grad=True)\nok = gradcheck(lambda v: v * 2, (x,))\n"
    )
    error = fails(FUNCTIONS + big, "limit")
    assert "1280000 elements" in error.message and passes == [0]
    small = FUNCTIONS + big.replace("800", "20") + "print(ok)\n"
    assert run(small).printed == ["True"]
    assert passes == [2 * 20 + 2]
    # 42 passes of about 2 operations, reserved once: at each of the function's calls it was 41 × 84
    run(small, max_operations=250)
    error = fails(small, "limit", max_operations=100)
    assert "gradcheck needs 42 backward passes" in error.message
