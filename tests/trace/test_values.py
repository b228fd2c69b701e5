"""values.stacked: the same tensor as torch.stack, bit for bit, whichever way it is built."""

from __future__ import annotations

import math

import pytest
import torch

from autograd_explorer.trace.values import stacked

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
