"""Operations tutorials write that the language had left out: sorting and top-k, masks for attention,
one-hot targets, copying a model's values into another. The oracle is CPython with real torch."""

from __future__ import annotations

import torch

from .helpers import cpython, fails, run

PROGRAM = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(4, 5, requires_grad=True)
values, indices = torch.max(x, dim=1)
top, where = x.topk(2, dim=1)
ordered, order = torch.sort(x, dim=0, descending=True)
ranks = x.argsort(dim=1)
causal = torch.tril(torch.ones(5, 5)) == 0
scores = (x @ x.T[:, :1]).expand(4, 5).masked_fill(causal[:4], float('-inf')).softmax(dim=-1)
upper = x.triu(diagonal=1)
targets = F.one_hot(torch.tensor([0, 2, 1, 4]), num_classes=5).float()
guess = nn.Linear(5, 5)
copy = nn.Linear(5, 5)
copy.load_state_dict(guess.state_dict())
loss = ((copy(x) - targets) ** 2).mean() + values.sum() + top.sum() + ordered[0].sum()
loss = loss + scores.sum() + upper.sum()
loss.backward()
print(indices.tolist(), where.tolist(), ranks[0].tolist())
"""


def test_sorting_masks_one_hot_and_state_dicts_run_as_in_cpython() -> None:
    got = run(PROGRAM)
    expected, printed = cpython(PROGRAM)
    assert got.printed == printed
    for name in ("values", "top", "ordered", "order", "scores", "upper", "targets", "loss"):
        assert torch.equal(got.namespace[name], expected[name]), name  # type: ignore[arg-type]
    x, oracle = got.namespace["x"], expected["x"]
    assert isinstance(x, torch.Tensor) and isinstance(oracle, torch.Tensor)
    assert x.grad is not None and oracle.grad is not None and torch.equal(x.grad, oracle.grad)
    for p, q in zip(got.namespace["copy"].parameters(), expected["copy"].parameters(), strict=True):  # type: ignore[attr-defined]
        assert torch.equal(p, q) and torch.equal(p.grad, q.grad)


def test_one_hot_is_sized_from_its_classes_before_it_runs() -> None:
    # num_classes=-1 takes the classes from the data: one index of 10⁹ would be 10⁹ elements
    error = fails("import torch.nn.functional as F\nF.one_hot(torch.tensor([10**9]))", "limit")
    assert (error.line, error.column) == (2, 0) and "1000000001 elements" in error.message
    fails("import torch.nn.functional as F\nF.one_hot(torch.arange(3000), 3000)", "limit")
    run("import torch.nn.functional as F\nF.one_hot(torch.arange(30), 30)")


def test_empty_memory_is_refused_with_what_to_write() -> None:
    # torch.empty's memory is whatever was there before (another program's values, even)
    error = fails("w = torch.empty(3, 4)", "forbidden")
    assert "start from torch.zeros(...)" in error.message


# Every operation of allowlist.BOTH_SPELLINGS in both spellings, and the methods that take another
# tensor's shape or dtype (the tutorial's LinearFunction: `bias.unsqueeze(0).expand_as(output)`).
# Each result feeds the loss, so its gradient is checked too.
BOTH_PROGRAM = """import torch
torch.manual_seed(0)
x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, dtype=torch.float64, requires_grad=True)
index = torch.tensor([[0, 1, 2, 3], [3, 2, 1, 0]])
labels = torch.tensor([2, 0, 3])
picked = x.gather(1, labels.unsqueeze(1)).squeeze(1)
picked_again = torch.gather(x, 1, labels.unsqueeze(1))
written = x.scatter(1, index, 0.5) + torch.scatter_add(x, 1, index, x[:2])
reversed_ = x.flip(0) + torch.flip(x, [1]) + x.roll(1, 1) + torch.roll(x, -1, 0)
lse = x.logsumexp(1) + torch.logsumexp(x, dim=1)
first, second = x.chunk(2, dim=1)
a, rest = torch.split(x, [1, 3], dim=1)
rows = x.unbind(0)
cols = torch.unbind(x, dim=1)
middle = x.narrow(1, 1, 2) + torch.narrow(x, 1, 0, 2)
moved = x.movedim(0, 1) + torch.movedim(x, 1, 0)
square = x[:, :3]
diag = square.diagonal() + torch.diagonal(square, offset=1).sum()
batched = x.unsqueeze(0).bmm(x.T.unsqueeze(0)) + torch.bmm(x.unsqueeze(0), x.T.unsqueeze(0))
mixed = x.lerp(torch.zeros(3, 4, dtype=torch.float64), 0.25) + torch.lerp(x, x * 2, x.sigmoid())
extremes = x.amax(1) + torch.amax(x, 0).sum() + x.amin(dim=1) + torch.amin(x, 0).sum()
clamped = x.clamp_min(0.0) + torch.clamp_max(x, 0.5) + x.clamp_max(b) + torch.clamp_min(x, b)
roots = (x.abs() + 1).rsqrt() + torch.rsqrt(x * x + 1) + (x * x + 1).reciprocal() + torch.reciprocal(x + 5)
odd = torch.tensor([float("nan"), float("inf"), float("-inf"), 3.0], dtype=torch.float64)
safe = odd.nan_to_num(posinf=1.0, neginf=-1.0) * x + torch.nan_to_num(x)
chosen = x.masked_select(x > 0).sum() + torch.masked_select(x, b > 0).sum()
products = x.cumprod(1) + torch.cumprod(x, 0)
median, at = x.median(1)
overall = torch.median(x)
third = x.kthvalue(3, dim=1).values + torch.kthvalue(x, 2, 1).values
top = x.topk(2).values
biased = x + b.unsqueeze(0).expand_as(x)
shaped = b.view_as(torch.zeros(2, 2)).reshape_as(torch.zeros(4)) * x.type_as(b)
signed = x.sign() * x + x.where(x > 0, b)
loss = (picked.sum() + picked_again.sum() + written.sum() + reversed_.sum() + lse.sum() + first.sum()
        + 2 * second.sum() + a.sum() + rest.pow(2).sum() + rows[1].sum() + cols[2].sum() + middle.sum()
        + moved.sum() + diag.sum() + batched.sum() + mixed.sum() + extremes.sum() + clamped.sum()
        + roots.sum() + safe.sum() + chosen + products.sum() + median.sum() + overall + third.sum()
        + top.sum() + biased.pow(2).sum() + shaped.sum() + signed.sum())
loss.backward()
print(at.tolist(), x.median(0).indices.tolist(), x.kthvalue(1).indices.tolist())
"""


def test_operations_spelled_both_ways_run_as_in_cpython() -> None:
    got = run(BOTH_PROGRAM)
    expected, printed = cpython(BOTH_PROGRAM)
    assert got.printed == printed
    assert torch.equal(got.namespace["loss"], expected["loss"])  # type: ignore[arg-type]
    for name in ("x", "b"):
        mine, oracle = got.namespace[name], expected[name]
        assert isinstance(mine, torch.Tensor) and isinstance(oracle, torch.Tensor)
        assert mine.grad is not None and oracle.grad is not None and torch.equal(mine.grad, oracle.grad), name


def test_a_tensors_split_is_the_tensors_not_a_strings() -> None:
    # `split` was known as text's method only: x.split(1) said "'Tensor' object has no attribute 'split'"
    parts = run("x = torch.arange(4.0)\nparts = x.split(1)").namespace["parts"]
    assert isinstance(parts, tuple) and len(parts) == 4
    assert run("words = 'a b'.split()").namespace["words"] == ["a", "b"]


def test_pieces_are_counted_as_operations_before_they_are_made() -> None:
    # A million one-element views are a million tensor objects (seconds and hundreds of MB in one
    # C call) though only a million elements: each piece is an operation of the budget.
    for call in ("x.split(1)", "torch.split(x, 1)", "x.unbind()", "torch.unbind(x, 0)", "x.chunk(10**9)"):
        error = fails(f"x = torch.zeros(1_000_000)\nparts = {call}", "limit")
        assert (error.line, error.column) == (2, 8) and "max_operations" in error.message, call
    pieces = run(
        "x = torch.zeros(6, 1000)\na = x.split([1, 2, 3])\nb = x.chunk(4, dim=1)\nc = torch.unbind(x, 1)"
    )
    assert [len(pieces.namespace[k]) for k in "abc"] == [3, 4, 1000]  # type: ignore[arg-type]
    run("x = torch.zeros(900_000)\nparts = x.split(1)", max_operations=1_000_000)
    fails("x = torch.zeros(900_000)\nparts = x.split(1)", "limit", max_operations=800_000)
