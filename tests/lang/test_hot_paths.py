"""The evaluator's per-operation shortcuts decide exactly as the checks they stand in for.

Operations are counted in place (expressions.eval, calls.call_value), sizes of repeated shapes
come from caches (growth.py) and `torch.<name>` is resolved once per run: each must still refuse
at the same operation, with the same limit, on the same line, as Budget's own checks would.
"""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_explorer.lang.growth import broadcast_elements, matmul_cost
from tests.lang.helpers import fails, run

shapes = st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).map(tuple)


@settings(max_examples=80, deadline=None)
@given(shapes, shapes)
def test_broadcast_elements_asked_twice_match_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        expected: int | None = math.prod(torch.broadcast_shapes(a, b))
    except RuntimeError:
        expected = None
    left, right = torch.zeros(a), torch.zeros(b)
    assert broadcast_elements((left, right)) == expected
    assert broadcast_elements((left, right)) == expected  # the second answer is the cache's
    assert broadcast_elements([left]) == left.numel()


@settings(max_examples=80, deadline=None)
@given(shapes, shapes)
def test_matmul_cost_asked_twice_matches_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    left, right = torch.zeros(a), torch.zeros(b)
    try:
        product = torch.matmul(left, right)
        expected: tuple[int, int] | None = (product.numel(), product.numel() * a[-1])
    except RuntimeError:
        expected = None
    assert matmul_cost(left, right) == expected
    assert matmul_cost(left, right) == expected


# 2 (torch.ones: attribute + call) + 1 (range) + 3 turns × 3: `* 2.0` is counted before its
# operands, then torch.sin's attribute, then its call
LOOP = "x = torch.ones(2)\nfor _ in range(3):\n    y = torch.sin(x) * 2.0"
LOOP_OPERATIONS = 12


def test_the_operation_limit_is_reached_at_the_same_operation() -> None:
    assert run(LOOP, max_operations=LOOP_OPERATIONS).namespace["y"].shape == (2,)  # type: ignore[union-attr]
    error = fails(LOOP, "limit", max_operations=LOOP_OPERATIONS - 1)
    assert (error.line, error.column, error.end_column) == (3, 8, 20)  # the last turn's call
    assert "more than 11 were executed (max_operations)" in error.message
    error = fails(LOOP, "limit", max_operations=LOOP_OPERATIONS - 2)
    assert (error.line, error.column, error.end_column) == (3, 8, 17)  # its `torch.sin`
    error = fails(LOOP, "limit", max_operations=LOOP_OPERATIONS - 3)
    assert (error.line, error.column, error.end_column) == (3, 8, 26)  # its `* 2.0`


def test_cached_shapes_are_checked_against_each_run_s_own_limits() -> None:
    source = "a = torch.ones(4, 8)\nb = torch.ones(8)\nc = a + b\nd = torch.ones(6, 1) @ torch.ones(1, 6)"
    ns = run(source).namespace
    assert ns["c"].shape == (4, 8) and ns["d"].shape == (6, 6)  # type: ignore[union-attr]
    # the same shapes again (their sizes now cached), with room for a and b only: 32 + 8 + 32 > 60
    error = fails(source, "limit", max_total_elements=60)
    assert error.line == 3 and "max_total_elements" in error.message
    # a product larger than its factors and than the limit per tensor: refused before it runs
    error = fails(source, "limit", max_tensor_elements=35)
    assert error.line == 4 and "36 elements" in error.message


def test_a_table_name_resolved_once_still_yields_to_the_program_s_own() -> None:
    source = "a = 0\nfor k in range(3):\n    a = a + abs(-2)\n    abs = lambda v: 10"
    assert run(source).namespace["a"] == 2 + 10 + 10  # as CPython: the builtin, then the program's
    source = "f = torch.sin\nfor k in range(2):\n    y = f(torch.tensor(0.5))\n    f = torch.cos"
    assert torch.equal(run(source).namespace["y"], torch.cos(torch.tensor(0.5)))  # type: ignore[arg-type]
