"""Hostile programs written with the lecture's constructs (issue 10): each stopped for the right reason.

The key property: a limit is not an exception of the program. No `except` (not even a bare one)
sees it, no `finally` runs after it, and the handler's code never runs.
"""

from __future__ import annotations

import ast

import pytest

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import PlainObserver
from autograd_explorer.lang.evaluator import Evaluator
from autograd_explorer.lang.run import run_program
from autograd_explorer.lang.source import SourceText
from tests.lang.helpers import fails, limits, run

SWALLOWERS = [
    "try:\n    while True:\n        pass\nexcept Exception:\n    print('swallowed')",
    "try:\n    while True:\n        pass\nexcept:\n    print('swallowed')",
    "try:\n    torch.ones(10**6, 10**6)\nexcept BaseException:\n    print('swallowed')",
    "try:\n    torch.ones(10**6, 10**6)\nexcept RuntimeError:\n    print('swallowed')",
    "def f():\n    return f()\ntry:\n    f()\nexcept RecursionError:\n    print('swallowed')",
    "try:\n    x = [0] * 10**9\nexcept MemoryError:\n    print('swallowed')",
    "try:\n    while True:\n        pass\nfinally:\n    print('finally ran')",
    "for _ in range(3):\n    try:\n        while True:\n            pass\n"
    "    except Exception:\n        continue",
    "def g():\n    try:\n        while True:\n            pass\n    except Exception:\n        return 1\ng()",
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", SWALLOWERS, ids=[f"swallow{i}" for i in range(len(SWALLOWERS))])
def test_no_handler_sees_a_limit(source: str) -> None:
    with pytest.raises(ProgramError) as info:
        run_program(source, None, limits(max_loop_iterations=10_000), PlainObserver())
    assert info.value.type == "limit", info.value.message


def test_the_handler_of_a_limit_never_runs() -> None:
    # The handler and the finally would set a flag the evaluator's namespace keeps.
    namespace: dict[str, object] = {}
    source = "ran = []\ntry:\n    while True:\n        pass\nexcept Exception:\n    ran.append('handler')"
    source += "\nfinally:\n    ran.append('finally')"
    evaluator = make_evaluator(source, namespace)
    with pytest.raises(ProgramError) as info:
        evaluator.run_module(ast.parse(source))
    assert info.value.type == "limit" and info.value.line == 3
    assert namespace["ran"] == []


def make_evaluator(source: str, namespace: dict[str, object]) -> Evaluator:
    return Evaluator(SourceText(source), limits(max_loop_iterations=1000), PlainObserver(), namespace)


HOSTILE = [
    # recursion and calls
    ("def f(n):\n    return f(n + 1)\nf(0)", "limit", "max_call_depth"),
    ("f = lambda n: f(n + 1)\nf(0)", "limit", "max_call_depth"),
    ("class A:\n    def __repr__(self):\n        return repr(self)\nprint(A())", "limit", "max_call_depth"),
    ("class A:\n    def __init__(self):\n        self.child = A()\nA()", "limit", "max_call_depth"),
    ("def f():\n    try:\n        f()\n    finally:\n        f()\nf()", "limit", "max_"),
    ("g = lambda: 1\nwhile True:\n    g()", "limit", "max_"),
    # loops and generated sizes
    ("while True:\n    pass", "limit", "max_loop_iterations"),
    ("n = 0\nwhile n >= 0:\n    n += 1", "limit", "max_loop_iterations"),
    ("[i for i in range(10**9)]", "limit", "max_loop_iterations"),
    ("sum(i for i in range(10**12))", "limit", "max_loop_iterations"),
    ("{i: i for i in range(10**9)}", "limit", "max_loop_iterations"),
    ("xs = []\nfor i in range(99_000):\n    xs.append([xs])", "limit", "max_"),
    ("a = []\na.append(a)\nprint(a == a)", "limit", "max_tensor_elements"),
    ("a = [1]\nfor _ in range(30):\n    a = [a, a]\nprint(a)", "limit", "max_tensor_elements"),
    ("a = [1]\nfor _ in range(30):\n    a = [a, a]\nsorted([a, a])", "limit", "max_tensor_elements"),
    ("s = 'x'\nfor _ in range(40):\n    s += s", "limit", "max_tensor_elements"),
    ("print(f'{1:>{10**9}}')", "limit", "format width"),
    ("list(range(10**8))", "limit", "max_loop_iterations"),
    ("torch.nn.Linear(100000, 100000)", "limit", "max_tensor_elements"),
    ("torch.nn.Embedding(10**9, 2)", "limit", "max_tensor_elements"),
    # attribute games on the program's objects
    ("class A:\n    pass\nA().__class__", "forbidden", "__class__"),
    ("class A:\n    pass\na = A()\na.__dict__['x'] = 1", "forbidden", "__dict__"),
    ("class A:\n    pass\na = A()\na._x = 1", "forbidden", "_x"),
    ("class M(torch.nn.Module):\n    pass\nM()._modules", "forbidden", "_modules"),
    ("class M(torch.nn.Module):\n    pass\nm = M()\nm.parameters = []", "runtime", "method"),
    ("l = torch.nn.Linear(1, 1)\nl.forward = print", "runtime", "cannot be assigned"),
    ("def f():\n    pass\nf.__code__", "forbidden", "__code__"),
    ("def f():\n    pass\nf.attribute = 1", "runtime", "cannot be assigned"),
    ("f = lambda: 0\nf.__globals__", "forbidden", "__globals__"),
    ("class A:\n    def f(self):\n        return super().__class__\nA().f()", "forbidden", "__class__"),
    ("class A(torch.Tensor.__base__):\n    pass", "forbidden", "__base__"),
    ("class A(print):\n    pass", "runtime", "base class"),
    ("class A(torch.Tensor):\n    pass", "runtime", "base class"),
    ("class A:\n    def __getattribute__(self, n):\n        return 1", "forbidden", "__getattribute__"),
    ("class A:\n    __class__ = int", "forbidden", "__class__"),
    (
        "x = torch.ones(1, requires_grad=True)\n(x * 2).grad_fn.register_hook(print)",
        "forbidden",
        "register_hook",
    ),
    # x has no grad_fn: Python's own error (a tensor's register_hook is a name the parser lets through)
    ("x = torch.ones(1)\nx.grad_fn.register_hook(print)", "runtime", "'NoneType' object has no attribute"),
    ("e = ValueError('x')\ne.__traceback__", "forbidden", "__traceback__"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    e.with_traceback(None)", "forbidden", "with_traceback"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    e._explorer_origin", "forbidden", "_explorer_origin"),
    ("import os", "forbidden", "only torch"),
    ("from torch import load", "forbidden", "import"),
    ("import torch.hub as h", "forbidden", "import"),
    ("'{0.__class__}'.format(1)", "forbidden", "format"),
    ("print(**{'file': None})", "forbidden", "file"),
    ("raise SystemExit", "runtime", "SystemExit"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("source", "kind", "says"), HOSTILE, ids=[f"c{i:02d}" for i in range(len(HOSTILE))])
def test_hostile_construct_is_stopped(source: str, kind: str, says: str) -> None:
    error = fails(source, kind, max_wall_seconds=5.0)
    assert says in error.message, error.message


def test_closures_and_classes_cannot_reach_the_evaluator() -> None:
    # A program's function is a UserFunction; nothing about it is readable but calling it.
    source = "def f():\n    return 1\ng = f\nresult = [g(), f.__qualname__ if False else 2]"
    assert fails(source, "forbidden").line == 4
    ns = run("def f():\n    return 1\ng = f\nresult = g()").namespace
    assert ns["result"] == 1
