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
        ("f = lambda x: x", "lambda", (1, 4)),
        ("y = 1\ndef f():\n    pass", "def", (2, 0)),
        ("import os", "import", (1, 0)),
        ("y = 1\nwhile y:\n    pass", "while", (2, 0)),
        ("y = [i for i in range(3)]", "comprehension", (1, 4)),
        ("y = f'{1}'", "f-string", (1, 4)),
        ("y = (z := 1)", "walrus", (1, 5)),
        ("y = 1 if 2 else 3", "conditional", (1, 4)),
        ("y = {1: 2}", "dictionaries", (1, 4)),
        ("x = 1\nif x:\n    pass", "if statements", (2, 0)),
        ("y = torch.ones(1)\ny.__dict__", "__", (2, 0)),
        ("y = torch.ones(1)\nz = y.foo", ".foo", (2, 4)),
        ("torch.load('x')", "torch.load", (1, 0)),
        ("y = open('x')", "open", (1, 4)),
        ("y = 'text'", "keyword value", (1, 4)),
        ("y = 1j", "complex", (1, 4)),
        ("y = b'x'", "bytes", (1, 4)),
        ("y = torch.ones(1)\nz = y.sum", "call it", (2, 4)),
        ("z = torch.sin", "call it", (1, 4)),
        ("z = sin", "call it", (1, 4)),
        ("z = torch", "module", (1, 4)),
        ("sum = 3", "cannot assign", (1, 0)),
        ("y = torch.ones(1)\ny.shape = 3", "cannot assign", (2, 0)),
        ("for i in [1, 2]:\n    pass", "range", (1, 9)),
        ("for i in range(3):\n    pass\nelse:\n    pass", "else", (4, 4)),
        ("for a, b in range(3):\n    pass", "one variable", (1, 4)),
        ("with torch.autograd.set_detect_anomaly(True):\n    pass", "no_grad", (1, 5)),
        ("with torch.no_grad() as g:\n    pass", "as name", (1, 24)),
        ("y = range(3)", "range", (1, 4)),
        ("y = torch.no_grad()", "with", (1, 4)),
        ("y = 1 in [1]", "comparison", (1, 4)),
        ("y = 1 is 1", "is None", (1, 4)),
        ("y = torch.ones(1)\ny.sum(**{})", "keyword", (2, 8)),
        ("print(*[1])", "starred", (1, 6)),
        ("y = torch.ones(2)\nz = (y + 1).grad_fn.next_functions", "next_functions", (2, 4)),
        ("y = 3\ny |= 1", "BitOr", (2, 0)),
    ],
)
def test_forbidden_constructs_are_named_with_positions(
    source: str, construct: str, position: tuple[int, int]
) -> None:
    error = refused(source)
    assert error.type == "forbidden"
    assert construct in error.message
    assert (error.line, error.column) == position


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
