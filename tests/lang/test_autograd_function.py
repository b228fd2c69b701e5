"""A program's torch.autograd.Function: a real subclass of PyTorch's, whose forward and backward
the evaluator runs when PyTorch calls them; gradients checked against torch.autograd in float64."""

from __future__ import annotations

import pytest
import torch

from tests.custom_functions import exp_class, legendre_class
from tests.lang.helpers import fails, run

EXP = exp_class(before="\n") + (
    "\n"
    "x = torch.tensor([-1.5, 0.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "Exp.apply(x).sum().backward()\n"
)

LEGENDRE = legendre_class(before="\n") + (
    "\n"
    "x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)\n"
    "P3 = LegendrePolynomial3.apply\n"
    "y = P3(x)\n"
    "(y * torch.arange(9, dtype=torch.float64)).sum().backward()\n"
)


def test_exps_backward_gives_the_derivative_of_exp() -> None:
    x = run(EXP).namespace["x"]
    assert isinstance(x, torch.Tensor) and x.grad is not None
    oracle = x.detach().clone().requires_grad_()
    (expected,) = torch.autograd.grad(oracle.exp().sum(), oracle)
    assert torch.allclose(x.grad, expected, rtol=1e-12)


def test_legendres_backward_gives_the_derivative_of_p3() -> None:
    namespace = run(LEGENDRE).namespace
    x, y = namespace["x"], namespace["y"]
    assert isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.grad is not None
    assert type(y.grad_fn).__name__ == "LegendrePolynomial3Backward"
    oracle = x.detach().clone().requires_grad_()
    weights = torch.arange(9, dtype=torch.float64)
    (expected,) = torch.autograd.grad((0.5 * (5 * oracle**3 - 3 * oracle) * weights).sum(), oracle)
    assert torch.allclose(x.grad, expected, rtol=1e-12)
    assert torch.allclose(x.grad, weights * 1.5 * (5 * oracle.detach() ** 2 - 1), rtol=1e-12)


def test_the_class_is_pytorchs_and_its_node_runs_the_programs_backward() -> None:
    namespace = run(EXP + "y = Exp.apply(x)\n").namespace
    cls, y = namespace["Exp"], namespace["y"]
    assert isinstance(cls, type) and issubclass(cls, torch.autograd.Function)
    assert isinstance(y, torch.Tensor) and isinstance(y.grad_fn, torch.autograd.function.BackwardCFunction)


def test_setup_context_style_binds_forwards_default_arguments() -> None:
    source = """
class Scale(torch.autograd.Function):
    @staticmethod
    def forward(t, factor=3.0):
        return t * factor

    @staticmethod
    def setup_context(ctx, inputs, output):
        t, factor = inputs
        ctx.factor = factor

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None

x = torch.ones(2, dtype=torch.float64, requires_grad=True)
Scale.apply(x).sum().backward()
print(x.grad)
"""
    assert run(source).printed == ["tensor([3., 3.], dtype=torch.float64)"]


def test_the_programs_backward_is_counted_by_the_budget() -> None:
    # its operations are the program's: a backward of 200 multiplications is refused at 150
    slow = EXP.replace(
        "return grad_output * result",
        "for _ in range(200):\n            result = result * 1\n        return grad_output * result",
    )
    assert run(slow, max_operations=10_000).namespace["x"] is not None
    error = fails(slow, "limit", max_operations=150)
    assert "max_operations" in error.message and error.line == 13  # inside the backward


@pytest.mark.parametrize(
    ("source", "says", "where"),
    [
        ("@staticmethod\ndef f():\n    pass", "@staticmethod decorates a method", (1, 1)),
        ("class A:\n    @cached_property\n    def f(self):\n        pass", "the only decorators", (2, 5)),
        ("@property\ndef f():\n    pass", "@property decorates a method", (1, 1)),
        (
            "class A:\n    @torch.no_grad()\n    @staticmethod\n    def f():\n        pass",
            "the only decorators",
            (3, 5),
        ),
        (
            "staticmethod = 1\nclass A:\n    @staticmethod\n    def f():\n        pass",
            "the only decorators",
            (3, 5),
        ),
    ],
)
def test_other_decorators_keep_the_clear_refusal(source: str, says: str, where: tuple[int, int]) -> None:
    error = fails(source, "forbidden")
    assert says in error.message
    assert (error.line, error.column) == where


def test_ctx_attributes_are_the_programs_own_and_never_the_nodes() -> None:
    template = EXP.replace("ctx.save_for_backward(result)", "ctx.save_for_backward(result)\n        BODY")
    assert run(template.replace("BODY", "ctx.scale = 2")).namespace["x"] is not None
    error = fails(template.replace("BODY", "ctx.apply = print"), "runtime")
    assert error.message.startswith("cannot assign to ctx.apply: it belongs to the autograd context")
    error = fails(template.replace("BODY", "ctx._scale = 2"), "forbidden")
    assert "attributes starting with _" in error.message


def test_classmethod_and_staticmethod_on_a_plain_class_run_as_in_python() -> None:
    source = """
class Counter:
    made = 0

    @classmethod
    def make(cls):
        cls.made += 1
        return cls()

    @staticmethod
    def twice(v):
        return 2 * v

c = Counter.make()
print(Counter.made, Counter.twice(4), c.twice(5), c.make().made)
"""
    assert run(source).printed == ["1 8 10 2"]


# PyTorch's own decorator of backwards that are not written to be differentiated again.
ONCE = EXP.replace(
    "    @staticmethod\n    def backward", "    @staticmethod\n    @once_differentiable\n    def backward"
).replace("\nclass Exp", "from torch.autograd.function import once_differentiable\n\nclass Exp", 1)
TWICE = "g, = torch.autograd.grad(y, x, create_graph=True)\ng.sum().backward()\n"
FUNCTION = "class A(torch.autograd.Function):\n"


def test_once_differentiable_runs_the_backward_as_pytorch_does() -> None:
    namespace = run(ONCE + "y = Exp.apply(x)\n").namespace
    x, cls = namespace["x"], namespace["Exp"]
    assert isinstance(x, torch.Tensor) and x.grad is not None
    oracle = x.detach().clone().requires_grad_()
    (expected,) = torch.autograd.grad(oracle.exp().sum(), oracle)
    assert torch.allclose(x.grad, expected, rtol=1e-12)
    assert isinstance(cls, type) and cls.backward.__wrapped__.name == "backward"  # in PyTorch's wrapper


def test_a_second_backward_through_once_differentiable_is_pytorchs_error_at_its_line() -> None:
    # CPython, the same program: the seed x needs grad, so the wrapper returns a DelayedError's output
    program = ONCE.replace("Exp.apply(x).sum().backward()\n", "y = (Exp.apply(x) * x).sum()\n") + TWICE
    expected = None
    try:
        exec(compile(program, "<program>", "exec"), {"torch": torch})  # noqa: S102 - the oracle: CPython
    except RuntimeError as exc:
        expected = str(exc)
    assert expected is not None and "marked with @once_differentiable" in expected
    error = fails(program, "autograd")
    assert error.message == expected
    assert (error.line, error.column) == (program.count("\n"), 0)  # g.sum().backward(), the last line


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("f = torch.autograd.function.once_differentiable(print)", (2, 4)),
        ("@once_differentiable\ndef f(ctx, g):\n    return g", (2, 1)),
        (f"{FUNCTION}    @once_differentiable\n    @staticmethod\n    def f(c):\n        pass", (3, 5)),
        (
            f"{FUNCTION}    @staticmethod\n    @torch.no_grad()\n    @once_differentiable\n"
            "    def f(c):\n        pass",
            (5, 5),
        ),
    ],
)
def test_once_differentiable_anywhere_else_is_refused_where_it_is(body: str, where: tuple[int, int]) -> None:
    # (columns from 0, as every error's: the decorator's name, past its @)
    source = "from torch.autograd.function import once_differentiable\n" + body
    error = fails(source, "forbidden")
    assert "@once_differentiable goes right under @staticmethod" in error.message
    assert (error.line, error.column) == where


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("Exp.backward.closure", "runtime"),  # the program's function's own fields, copied by functools.wraps
        ("Exp.backward.node", "runtime"),
        ("Exp.backward.__wrapped__", "forbidden"),
        ("Exp.backward.__globals__", "forbidden"),
        ("Exp.backward(None, None)", "runtime"),
    ],
)
def test_pytorchs_wrapper_is_no_way_into_the_evaluator(expression: str, kind: str) -> None:
    error = fails(ONCE + f"z = {expression}\n", kind)
    assert error.line == ONCE.count("\n") + 1
