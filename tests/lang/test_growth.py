"""Size predictions agree with what PyTorch actually allocates."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_explorer.lang.growth import (
    broadcast_shape,
    index_elements,
    matmul_cost,
    matmul_shape,
    predict_elements,
)

shapes = st.lists(st.integers(min_value=1, max_value=3), min_size=0, max_size=4).map(tuple)


@settings(max_examples=80, deadline=None)
@given(shapes, shapes)
def test_broadcast_shape_matches_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        expected: tuple[int, ...] | None = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        expected = None
    assert broadcast_shape([a, b]) == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).map(tuple),
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4).map(tuple),
)
def test_matmul_shape_matches_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        expected: tuple[int, ...] | None = tuple(torch.matmul(torch.zeros(a), torch.zeros(b)).shape)
    except RuntimeError:
        expected = None
    assert matmul_shape(a, b) == expected


def test_matmul_cost_counts_multiply_adds() -> None:
    assert matmul_cost(torch.zeros(3, 4), torch.zeros(4, 5)) == (15, 60)
    assert matmul_cost(torch.zeros(4), torch.zeros(4)) == (1, 4)
    assert matmul_cost(torch.zeros(3), 2.0) is None


@pytest.mark.parametrize(
    ("call", "args", "kwargs"),
    [
        ("factory", (2, 3), {}),
        ("factory", ((2, 3),), {}),
        ("factory", ([4],), {}),
        ("factory", ((),), {}),
        ("factory", (torch.Size([2, 5]),), {}),
        ("full", ((3, 3), 1.0), {}),
        ("eye", (4,), {}),
        ("eye", (4, 2), {}),
        ("arange", (5,), {}),
        ("arange", (1, 10, 3), {}),
        ("arange", (0, 1, 0.1), {}),
        ("arange", (0.0,), {"end": 2.5, "step": 0.5}),
        ("linspace", (0, 1, 7), {}),
        ("linspace", (0, 1), {"steps": 9}),
    ],
)
def test_factories_predict_their_size(call: str, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    make = {
        "factory": torch.zeros,
        "full": torch.full,
        "eye": torch.eye,
        "arange": torch.arange,
        "linspace": torch.linspace,
    }[call]
    actual = make(*args, **kwargs).numel()  # type: ignore[operator]
    assert predict_elements(call, args, kwargs) == actual  # type: ignore[arg-type]


def test_combining_predictions() -> None:
    a, b = torch.zeros(4, 1), torch.zeros(1, 5)
    assert predict_elements("broadcast", (a, b), {}) == 20
    assert predict_elements("broadcast", (a, 2.0), {}) == 4
    assert predict_elements("broadcast", (1.0, 2.0), {}) is None
    assert predict_elements("outer", (torch.zeros(3), torch.zeros(7)), {}) == 21
    assert predict_elements("concat", ([a, a, a],), {}) == 12
    assert predict_elements("matmul", (torch.zeros(2, 3), torch.zeros(3, 6)), {}) == 12
    assert predict_elements("none", (a,), {}) is None
    assert predict_elements("factory", (-1,), {}) is None  # PyTorch reports the error itself


@pytest.mark.parametrize(
    "index",
    [
        (torch.tensor([0, 2, 2, 1]),),
        (slice(None), torch.tensor([[0, 1], [1, 0]])),
        (torch.tensor([0, 1]), slice(0, 2), torch.tensor([1])),
        (Ellipsis, torch.tensor([3, 0])),
        (torch.tensor([True, False, True]),),
        ([0, 1, 1],),
        (None, torch.tensor([1]), 0),
    ],
)
def test_index_bound_is_never_below_the_real_size(index: tuple[object, ...]) -> None:
    value = torch.zeros(3, 4, 5)
    actual = value[index].numel()  # type: ignore[index]
    bound = index_elements(value, index)
    assert bound is not None and bound >= actual


def test_index_bound_is_exact_without_ints_or_slices() -> None:
    value = torch.zeros(3, 4, 5)
    for index in [torch.tensor([0, 2, 2, 1]), (slice(None), torch.tensor([[0, 1], [1, 0]]))]:
        assert index_elements(value, index) == math.prod(value[index].shape)


def test_basic_indexing_needs_no_prediction() -> None:
    assert index_elements(torch.zeros(3, 4), (0, slice(1, 3))) is None
    big = index_elements(torch.zeros(1000, 1000), torch.zeros(100_000, dtype=torch.long))
    assert big == 100_000 * 1000
