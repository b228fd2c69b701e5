"""parse_program: syntax errors, forbidden constructs with their positions, free names."""

from __future__ import annotations

import ast

import pytest

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LanguageLimits
from autograd_explorer.lang.parse import dotted_path, free_names, parse_program


def refused(source: str, **overrides: int) -> ProgramError:
    limits = LanguageLimits(**overrides)  # type: ignore[arg-type]
    with pytest.raises(ProgramError) as info:
        parse_program(source, limits)
    return info.value


def test_syntax_error_position_comes_from_the_parser() -> None:
    error = refused("x = 1\ny = x +* 2")
    assert error.type == "syntax" and error.line == 2 and error.column == 7  # the `*`
    assert refused("x = (1,\n").type == "syntax"
    error = refused("α = 1\nβ = α +* 2")
    assert (error.line, error.column) == (2, len("β = α +"))  # characters, as the editor counts
    assert refused("x = 1\x00").type == "syntax"


@pytest.mark.parametrize(
    ("source", "construct", "position"),
    [
        ("import os", "only torch can be imported", (1, 0)),
        ("import numpy as np", "only torch can be imported", (1, 0)),
        ("from torch import load", "torch.load cannot be imported", (1, 0)),
        ("from torch.nn import *", "import", (1, 0)),
        ("from . import x", "import", (1, 0)),
        ("y = (z := 1)", "walrus", (1, 5)),
        ("y = torch.ones(1)\ny.__dict__", "__", (2, 0)),
        ("y = torch.ones(1)\nz = y.numpy()", ".numpy", (2, 4)),
        ("y = torch.ones(1)\nz = y._version", "starting with _", (2, 4)),
        ("torch.load('x')", "torch.load", (1, 0)),
        ("y = open('x')", "open", (1, 4)),
        ("y = 1j", "complex", (1, 4)),
        ("y = b'x'", "bytes", (1, 4)),
        ("z = torch", "module", (1, 4)),
        ("torch = 3", "cannot assign", (1, 0)),
        ("import torch.nn as nn\nnn = 3", "cannot assign", (2, 0)),
        ("del torch", "cannot assign", (1, 4)),
        ("y = torch.ones(1)\ny.shape = 3", "cannot assign", (2, 0)),
        ("class A:\n    pass\na = A()\na._hidden = 1", "starting with _", (4, 0)),
        ("with torch.autograd.profiler.profile():\n    pass", "no_grad", (1, 5)),
        ("with torch.no_grad() as g:\n    pass", "as name", (1, 24)),
        ("y = torch.ones(2)\nz = (y + 1).grad_fn.register_prehook", "register_prehook", (2, 4)),
        ("global x", "global", (1, 0)),
        ("def f():\n    nonlocal x", "nonlocal", (2, 4)),
        ("async def f():\n    pass", "async def", (1, 0)),
        ("yield 1", "yield belongs in a def's own body", (1, 0)),
        ("f = lambda: (yield)", "yield belongs in a def's own body", (1, 13)),
        ("def f():\n    return [(yield) for _ in range(2)]", "yield belongs", (2, 13)),
        ("def f():\n    return [(yield from [1]) for _ in range(2)]", "yield from belongs", (2, 13)),
        ("f = lambda: torch.load('w.pt')", "torch.load", (1, 12)),
        ("@torch.sin\ndef f():\n    pass", "decorators", (1, 1)),
        ("def __add__(a, b):\n    pass", "__add__", (1, 0)),
        ("class A:\n    def __add__(self, b):\n        pass", "__add__", (2, 4)),
        ("class A:\n    for i in range(3):\n        pass", "class body", (2, 4)),
        ("class A(metaclass=type):\n    pass", "metaclass", (1, 0)),
        ("a, *b, *c = [1, 2, 3]", "multiple starred expressions", (1, 7)),
        ("match 1:\n    case 1:\n        pass", "match", (1, 0)),
        ("y = torch.ones(1)\ny.sum(**{}, __class__=1)", "__class__", (2, 22)),
        ("y = torch.sin(torch.ones(1), out=None)", "out=", (1, 33)),
    ],
)
def test_forbidden_constructs_are_named_with_positions(
    source: str, construct: str, position: tuple[int, int]
) -> None:
    error = refused(source)
    assert error.type == "forbidden"
    assert construct in error.message
    assert (error.line, error.column) == position


def test_lecture_constructs_parse() -> None:
    source = """import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
class Net(nn.Module):
    \"\"\"A docstring.\"\"\"
    scale: float = 2.0
    def __init__(self, d: int = 3) -> None:
        super().__init__()
        self.fc = nn.Linear(d, 1)
    def forward(self, x):
        return self.fc(x) * self.scale
def f(*args, k=1, **kw):
    return [a for a in args if a] + list(kw) + [lambda: k]
while False:
    break
try:
    raise ValueError(f"{1:.2f}")
except (ValueError, TypeError) as e:
    print(str(e), {1: 2}, {3}, 1 if e else 2, 1 in [1], sep="")
finally:
    pass
assert True, "never"
del f
"""
    assert isinstance(parse_program(source, LanguageLimits()), ast.Module)


def test_allowed_program_parses() -> None:
    source = """x = torch.tensor([1.0, -2.0], requires_grad=True)
a, b = x[0], x[1:]
loss = F.mse_loss(x, torch.zeros(2), reduction='sum')
with torch.no_grad():
    for i in range(3):
        x -= 0.1 * i
print("done", x.grad is None, sep='')
"""
    assert isinstance(parse_program(source, LanguageLimits()), ast.Module)


def test_limits_before_and_during_parsing() -> None:
    assert refused("x = 1" * 10, max_source_chars=20).type == "limit"
    error = refused("x = -(-(-(-(-(-1)))))", max_nesting_depth=5)
    assert error.type == "limit" and "max_nesting_depth" in error.message and error.line == 1
    error = refused("x = 1\n" * 30, max_ast_nodes=50)
    assert error.type == "limit" and "max_ast_nodes" in error.message
    error = refused("x = " + "9" * 2000, max_int_bits=4096)
    assert error.type == "limit" and "max_int_bits" in error.message


def test_free_names_in_order_of_first_appearance() -> None:
    tree = ast.parse("torch.sin(b) + a * b + sin(c) + F.relu(a)")
    assert free_names(tree) == ["b", "a", "c"]


def test_dotted_path() -> None:
    assert (
        dotted_path(ast.parse("torch.nn.functional.mse_loss", mode="eval").body)
        == "torch.nn.functional.mse_loss"
    )
    assert dotted_path(ast.parse("f(x).y", mode="eval").body) is None
