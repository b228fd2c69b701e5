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
