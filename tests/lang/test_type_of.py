"""`type(x)`: what tutorials print (`print(type(x))` → `<class 'torch.Tensor'>`) and compare. Checked
against CPython running the same program with real torch, line by line of what it printed."""

from __future__ import annotations

import pytest

from tests.lang.helpers import cpython, fails, run

PRINTS = """import torch
import torch.nn as nn
x = torch.ones(2, 2, requires_grad=True)
print(type(x))
print(type(x) == torch.Tensor, type(x) is torch.Tensor, isinstance(x, type(x)), type(x) is nn.Linear)
print(type(3), type(2.5), type(True), type("s"), type([1]), type((1,)), type({}), type(None))
m = nn.Linear(2, 1)
print(type(m), type(m.weight), type(m) == nn.Linear)
y = (x * 2).sum()
print(type(y.grad_fn), type(y.grad_fn.next_functions[0][0]))
def f(a):
    return a
print(type(f), type(lambda: 0), type(torch.sin), type(x.sum), type([].append))
print(type(x.shape), type(x.max(0)), type(range(3)), type(i for i in range(2)))
print(type(torch.Tensor), type(int))
print(x.type(), x.type(torch.float64).type(), x.double().type())
kinds = [type(v) for v in (1, 2.0, x)]
print(kinds, kinds[2] is torch.Tensor)
"""


def test_type_prints_and_compares_as_in_cpython() -> None:
    _, printed = cpython(PRINTS)
    assert run(PRINTS).printed == printed
    assert printed[0] == "<class 'torch.Tensor'>"


def test_a_program_class_is_its_own_class() -> None:
    """A script's class is `__main__.Net` (CPython run as a script; `exec` would say `Net`)."""
    result = run(
        "import torch.nn as nn\nclass Net(nn.Module):\n    pass\nnet = Net()\n"
        "print(type(net), type(net) is Net)\nother = type(net)()\nprint(type(other) is Net)\n"
    )
    assert result.printed == ["<class '__main__.Net'> True", "True"]


def test_the_tables_classes_stay_callable_through_type() -> None:
    result = run("x = torch.ones(2)\ny = type(x)([1.0, 2.0])\nm = type(torch.nn.Linear(2, 3))(3, 1)\n")
    assert result.namespace["y"].tolist() == [1.0, 2.0]  # type: ignore[attr-defined]
    assert tuple(result.namespace["m"].weight.shape) == (1, 3)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "kind", "words", "at"),
    [
        # a class only type(x) names (not the table's) can be printed and compared, not called
        ("x = torch.ones(3)\nr = type(x.max(0))((x, x))", "runtime", "cannot be called here", (2, 4)),
        # the three-argument form makes classes: a class statement does that
        ("A = type('A', (), {})", "runtime", "type() takes one argument here", (1, 4)),
        # what a class holds stays out of reach: its attributes are the table's, by the value's class
        ("x = torch.ones(1)\ntype(x).__mro__", "forbidden", "starting with __", (2, 0)),
        ("x = torch.ones(1)\nt = type(x).add", "runtime", "has no attribute 'add'", (2, 0)),
        (
            "y = (torch.ones(1, requires_grad=True) * 2).grad_fn\nt = type(y).register_hook",
            "runtime",
            "no attribute",
            (2, 0),
        ),
    ],
)
def test_what_type_gives_is_a_value_not_a_way_in(
    source: str, kind: str, words: str, at: tuple[int, int]
) -> None:
    error = fails(source, kind)
    assert words in error.message, error.message
    assert (error.line, error.column) == at
