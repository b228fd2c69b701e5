"""The compiled closures (lang/compiled.py) decide exactly as the tree walk they stand in for.

Every program here runs twice: as the evaluator runs it (hot nodes compiled into closures) and
with compilation switched off (every node handed to the walk: Expressions.eval, Statements.execute).
What each run gives must be the same value by value: the names it bound, what it printed, every
tensor and assignment the observer was told of (value, span, source text), and the error it
ended with (kind, message, line and columns). Limits are swept so that each refusal must come at
the same operation as the walk's.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.compiled import Compiler
from autograd_explorer.lang.core import Closure, Closures
from autograd_explorer.lang.run import run_program
from tests.lang.helpers import RecordingObserver, limits
from tests.lang.test_hostile import HOSTILE

_ADDRESS = re.compile(r"0x[0-9a-f]+")  # objects' addresses differ between the two runs
CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.py"))


@dataclass
class Outcome:
    """Everything a run shows, as comparable text (tensors by their values, dtype and shape)."""

    names: dict[str, str]
    printed: list[str]
    warnings: list[str]
    tensors: list[tuple[str, object, str]]
    assigns: list[tuple[str, str, object]]
    error: tuple[str, str, int | None, int | None, int | None, int | None] | None


def shown(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)} {value.dtype} {value.detach().flatten()[:64].tolist()}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__}[{', '.join(shown(v) for v in value)}]"
    return type(value).__name__ if callable(value) else _ADDRESS.sub("0x…", repr(value))


def outcome(source: str, inputs: dict[str, object] | None = None, **overrides: object) -> Outcome:
    observer = RecordingObserver()
    torch.manual_seed(0)
    names: dict[str, str] = {}
    printed: list[str] = []
    warnings: list[str] = []
    error = None
    try:
        run = run_program(source, inputs, limits(**overrides), observer)  # type: ignore[arg-type]
        names = {k: shown(v) for k, v in run.namespace.items()}
        printed, warnings = run.printed, run.warnings
    except ProgramError as exc:
        error = (exc.type, exc.message, exc.line, exc.column, exc.end_line, exc.end_column)
    return Outcome(
        names,
        printed,
        warnings,
        [(shown(t), span, text) for t, span, text in observer.tensors],
        [(name, shown(v), span) for name, v, span in observer.assigns],
        error,
    )


def both_ways(
    source: str, monkeypatch: pytest.MonkeyPatch, inputs: dict[str, object] | None = None, **overrides: object
) -> Outcome:
    """The compiled run's outcome, checked equal to the walk's."""
    compiled = outcome(source, inputs, **overrides)
    with monkeypatch.context() as patch:
        patch.setattr(Compiler, "compile_expression", lambda self, node: partial(self.eval, node))
        patch.setattr(Compiler, "compile_statement", lambda self, node: partial(self.execute, node))
        walked = outcome(source, inputs, **overrides)
    assert compiled == walked
    return compiled


HOT = {
    "chain": "x = torch.tensor(0.5, requires_grad=True)\ny = x\nfor _ in range(20):\n"
    "    y = torch.sin(y) * 1.0001\ny.backward()\nx.grad",
    "mlp": "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
    "b = torch.randn(8, requires_grad=True)\nh = torch.randn(4, 8)\nfor _ in range(5):\n"
    "    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()",
    "numbers": "a = 0\nfor k in range(10):\n    a = a + k * 2 - 1\n    b = 2.0 ** k / 3\n    s = 'ab' * k\na",
    "functions": "def f(y):\n    z = torch.sin(y)\n    return z * 2.0 + y\n"
    "g = lambda v: torch.exp(v) - 1\nx = torch.ones(3)\nfor _ in range(3):\n    x = g(f(x)) / 10\nx",
    "rebound": "f = torch.sin\nfor k in range(2):\n    y = f(torch.ones(2))\n    f = torch.cos\n"
    "def g(v):\n    return F.relu(v) + torch.sin(v) + abs(-1)\nabs = lambda v: 10\nz = g(torch.ones(1))",
    "one_site_many_functions": "ys = []\nfor f in [torch.sin, torch.cos, abs, torch.sin, len, torch.exp]:\n"
    "    ys.append(f(torch.ones(2)))\nfor g in [F.relu, torch.relu, F.relu]:\n    z = g(torch.ones(1) - 2)",
    "tensor_methods": "x = torch.arange(6.0, requires_grad=True).reshape(2, 3)\nfor k in range(3):\n"
    "    a = x.pow(2)\n    b = x.sum()\n    c = x.mean(dim=-1, keepdim=True)\n    d = x.view([3, 2])\n"
    "    e = x.sum(0).tolist()\n    p = nn.Parameter(torch.ones(2))\n    q = p.pow(2)\n    r = x.T.pow(2)\n"
    "    x.retain_grad()\n    t = x.max(dim=0)\n    u = x.clamp(min=0.5, max=1.5)\nb.backward()\ng = x.grad",
    "methods": "x = torch.arange(6.0).reshape(2, 3)\ny = x.sum(dim=1, keepdim=True) + x.mean()\n"
    "z = torch.softmax(y, dim=0)\nw = torch.zeros(2, dtype=x.dtype)\nt = x.T @ torch.ones(2)",
    "tensor_number_mix": "x = torch.ones(3)\na = 2 * x\nb = x - 1\nc = 1.5 / (x + 1)\nd = (x > 0) * 1\n"
    "e = torch.tensor(2) ** x\nf = x // 2 % 3",
    "print": "x = torch.ones(2)\nprint(x * 2)\nprint(len([1, 2]))\nprint('a', 1, sep='-')",
    "modules": "lin = nn.Linear(3, 2)\ny = lin(torch.ones(4, 3))\nz = F.relu(y)\nloss = z.sum()\n"
    "loss.backward()",
    "lists": "xs = [torch.ones(2) * k for k in range(3)]\ns = sum(xs)\nm = max([1, 2, 3])\n"
    "t = torch.stack(xs)\nu = torch.sin(t[0])",
    "empty": "x = torch.ones(0, 3)\ny = torch.sin(x)\nz = x * 2\nw = x @ torch.ones(3, 2)",
    "grad_of_non_leaf": "x = torch.ones(2, requires_grad=True)\ny = x * 2\nz = y.sum()\nz.backward()\n"
    "g = y.grad",
}

ERRORS = {
    "method_shapes": "x = torch.ones(2, 3)\ny = x.view(4)",
    "method_arguments": "x = torch.ones(2, 3)\ny = x.sum(dim=5, keepdim=True)",
    "method_unknown": "x = torch.ones(2)\ny = x.nosuch(1)",
    "method_big": "x = torch.ones(2)\ny = x.repeat(10**6, 10**6)",
    "method_list": "x = torch.ones(2)\ny = x.view([1] * 10**8)",
    "unknown_name": "x = torch.ones(2)\ny = torch.sin(q) * 2",
    "unknown_member": "x = torch.ones(2)\ny = torch.nosuch(x)",
    "shapes": "a = torch.ones(2, 3)\nb = torch.ones(4)\nc = torch.sin(a) + b",
    "matmul_shapes": "a = torch.ones(2, 3)\nb = a @ a",
    "not_callable": "x = 3\ny = x(2)",
    "text_percent": "s = '%d' % 'three'",
    "list_argument": "y = torch.sin([1.0, 2.0])",
    "number_argument": "y = torch.sin(2.0)",
    "unbound_local": "def f():\n    y = x * 2\n    x = 1\n    return y\nf()",
    "in_function": "def f(y):\n    return torch.tanh(y) @ torch.ones(5)\nz = f(torch.ones(2, 3))",
    "division": "a = 1\nb = a / 0",
    "module_is_rebound": "torch = 3\ny = torch.sin(2)",
    "in_place_leaf": "x = torch.ones(2, requires_grad=True)\ny = torch.sin(x.add_(1))",
    "big_power": "x = 2 ** 10 ** 8",
    "big_text": "s = 'abc' * 10 ** 9",
    "return_outside": "return 3",
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_hot_programs_give_what_the_walk_gives(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = both_ways(HOT[name], monkeypatch)
    assert result.error is None, result.error
    assert result.assigns


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_the_walk_s_own(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = both_ways(ERRORS[name], monkeypatch)
    assert result.error is not None


@pytest.mark.parametrize(
    "name", ["chain", "mlp", "functions", "methods", "tensor_methods", "lists", "numbers"]
)
def test_every_limit_refuses_at_the_walk_s_operation(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = HOT[name]
    for max_operations in range(1, 90, 3):
        both_ways(source, monkeypatch, max_operations=max_operations)
    for max_total_elements in (1, 4, 9, 30, 100, 200):
        both_ways(source, monkeypatch, max_total_elements=max_total_elements)
    for max_tensor_elements in (1, 2, 5, 31, 33):
        both_ways(source, monkeypatch, max_tensor_elements=max_tensor_elements)
    both_ways(source, monkeypatch, max_call_depth=1)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("source", "kind", "overrides"), HOSTILE[:60])
def test_hostile_programs_are_refused_as_by_the_walk(
    source: str, kind: str, overrides: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = both_ways(source, monkeypatch, {"x": 1.0}, **overrides)
    assert result.error is not None and result.error[0] == kind


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", CORPUS[::3], ids=lambda p: p.stem)
def test_corpus_programs_give_what_the_walk_gives(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    both_ways(path.read_text(), monkeypatch, max_wall_seconds=120)


def test_deep_expressions_are_run_as_by_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    source = "x = torch.ones(2)\ny = " + "(" * 55 + "x" + " + 1)" * 55 + "\nz = y * 2"
    assert both_ways(source, monkeypatch, max_nesting_depth=200).error is None


def test_a_node_too_deep_to_compile_is_handed_to_the_walk() -> None:
    """Compiling recurses into a node's children: out of stack, the node falls back, once."""
    node = ast.parse("x").body[0]

    def too_deep(node: ast.stmt) -> Closure:
        raise RecursionError

    closures: Closures[ast.stmt] = Closures(too_deep, lambda node: lambda: ("walked", node))
    assert closures[node]() == ("walked", node)
    assert closures[node]() == ("walked", node) and len(closures) == 1
