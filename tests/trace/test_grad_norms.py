"""Gradient norms computed in batches are the numbers computed one by one, to the last bit."""

from __future__ import annotations

import math

import torch

from autograd_explorer.trace.compact import ValueTable
from autograd_explorer.trace.grad_norms import BATCHED_NORM_ELEMENTS, norm, norms
from autograd_explorer.trace.readable import ResultBudget


def test_batched_norms_equal_one_by_one_to_the_bit() -> None:
    g = torch.Generator().manual_seed(0)
    tensors: list[torch.Tensor | None] = [None]
    for shape in [(), (1,), (8,), (4, 8), (8, 8), (3, 40), (5, 7, 3), (BATCHED_NORM_ELEMENTS + 1,), (2, 0)]:
        for _ in range(50):
            scale = 10.0 ** float(torch.randint(-30, 30, (), generator=g))
            tensors.append(torch.randn(shape, generator=g) * scale)
            tensors.append((torch.randn(shape, generator=g) * scale).double())
            if len(shape) == 2:  # transposed: PyTorch reduces it in another order
                tensors.append(torch.randn(shape[::-1], generator=g).T * scale)
    tensors += [torch.tensor([1.0, math.inf]), torch.tensor([math.nan, 1.0]), torch.tensor([3, 4])]
    tensors += [torch.tensor(3e38) * torch.ones(4)]  # the float32 squares overflow; the float64 do not
    batched = norms(tensors)
    one_by_one = [norm(t) for t in tensors]
    assert len(batched) == len(one_by_one)
    for k, (a, b) in enumerate(zip(batched, one_by_one, strict=True)):
        assert a == b or (a is None and b is None), (k, a, b)  # == on floats: bit for bit here
    assert batched[-4:] == [None, None, 5.0, 2 * float(torch.tensor(3e38))]


def test_norms_match_a_float64_closed_form() -> None:
    rows = [[3.0, 4.0], [1.0, 2.0, 2.0], [0.5]]
    got = norms([torch.tensor(r) for r in rows])
    assert got == [5.0, 3.0, 0.5]
    t = torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    expected = math.sqrt(sum(float(v) ** 2 for v in t.double().reshape(-1)))
    assert math.isclose(norms([t])[0] or 0.0, expected, rel_tol=1e-12)


def test_the_value_tables_norms_are_norms_one_by_one() -> None:
    """The compact form's step norms are read from the rows its value table converted (float32,
    contiguous, small); every one it gives is `norm`'s number, the others it leaves (-1)."""
    g = torch.Generator().manual_seed(3)
    tensors: list[torch.Tensor | None] = [None]
    for shape in [(), (8,), (4, 8), (16, 16), (BATCHED_NORM_ELEMENTS + 1,)]:
        for _ in range(30):
            scale = 10.0 ** float(torch.randint(-30, 30, (), generator=g))
            tensors.append(torch.randn(shape, generator=g) * scale)
            tensors.append((torch.randn(shape, generator=g) * scale).double())
    tensors.append(torch.randn(8, 4, generator=g).T)  # transposed: left to `norm`
    tensors.append(torch.ones(1, 8).expand(4, 8))  # expanded: left to `norm`
    tensors += [torch.tensor([1.0, math.inf]), torch.tensor([math.nan, 1.0])]
    tensors.append(torch.tensor(3e38) * torch.ones(4))  # the float32 squares overflow
    tensors.append(tensors[3])  # the same tensor again: its index again
    table = ValueTable(10_000, ResultBudget(10**9, 5))
    indices = table.add_all(tensors)
    table.finish()
    got = table.row_norms(indices)
    read = 0
    for k, (t, size) in enumerate(zip(tensors, got, strict=True)):
        if size == -1.0:
            assert t is None or t.dtype != torch.float32 or not t.is_contiguous() or t.numel() > 256, k
            continue
        read += 1
        expected = norm(t)
        assert (math.isnan(size) or math.isinf(size)) if expected is None else size == expected, (k, size)
    assert read == 30 * 4 + 3 + 1  # every small contiguous float32 tensor, the repeat included
