"""values.stacked: the same tensor as torch.stack, bit for bit, whichever way it is built;
values.summary_rows: the numbers of summary_numbers, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograd_explorer.trace.values import SUMMARY_BATCH_ELEMENTS, stacked, summary_numbers, summary_rows

SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-45, 3.4e38, 1 / 3, -2.5e-310]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scalars_read_as_numbers_are_the_stacked_bits(dtype: torch.dtype) -> None:
    g = torch.Generator().manual_seed(0)
    tensors = [torch.tensor(v, dtype=dtype) for v in SPECIAL]
    tensors += list((torch.randn(200, generator=g, dtype=torch.float64) * 1e3).to(dtype).unbind(0))
    tensors.append(torch.tensor(1.5, dtype=dtype, requires_grad=True) * 2)  # a graph's own value
    got = stacked(tensors)
    expected = torch.stack([t.detach() for t in tensors])
    assert got.dtype == dtype and got.shape == expected.shape
    # the bytes, not ==: -0.0 against 0.0 and NaN against NaN must match too
    assert got.numpy().tobytes() == expected.numpy().tobytes()


def test_other_tensors_are_stacked_contiguous() -> None:
    g = torch.Generator().manual_seed(1)
    tensors = [torch.randn(4, 8, generator=g) for _ in range(5)]
    tensors.append(torch.randn(8, 4, generator=g).T)  # not contiguous
    tensors.append(torch.ones(1, 8).expand(4, 8))  # expanded, as a sum's backward sends
    ints = [torch.tensor(3), torch.tensor(-7)]  # 0-d but not a float: torch.stack's path
    assert torch.equal(stacked(tensors), torch.stack([t.contiguous() for t in tensors]))
    assert torch.equal(stacked(ints), torch.tensor([3, -7]))


@pytest.mark.parametrize("shape", [(2,), (3,), (65,), (16, 8), (SUMMARY_BATCH_ELEMENTS,)])
def test_summary_rows_are_summary_numbers_to_the_bit(shape: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(2)
    n = math.prod(shape)
    tensors = []
    for k in range(120):
        scale = 10.0 ** float(torch.randint(-30, 30, (), generator=g))
        t = torch.randn(shape, generator=g) * scale + torch.randn((), generator=g)
        if k % 5 == 0:  # a special number somewhere: NaN (other NaN bits batched), ±inf, -0.0, …
            t.view(-1)[k % n] = SPECIAL[(k // 5) % len(SPECIAL)]
        tensors.append(t)
    tensors += [torch.full(shape, 3.4e38), torch.zeros(shape), -torch.zeros(shape)]
    tensors.append(torch.full(shape, -math.inf))
    tensors.append(torch.randn(shape, generator=g, requires_grad=True) * 2)  # a graph's own value
    tensors.append(torch.randn(2 * n, generator=g)[::2].reshape(shape))  # strided: its own memory order
    if len(shape) == 2:
        tensors.append(torch.randn(shape[::-1], generator=g).T)  # transposed
    tensors.append(torch.randn(1, generator=g).expand(shape))  # expanded
    got = summary_rows(tensors)
    expected = np.stack([summary_numbers(t).numpy() for t in tensors])
    assert got.dtype == np.float32 and got.shape == expected.shape
    # the bytes: -0.0 against 0.0 and one NaN against another must match too
    for k, (row, want) in enumerate(zip(got, expected, strict=True)):
        assert row.tobytes() == want.tobytes(), (k, row, want)
