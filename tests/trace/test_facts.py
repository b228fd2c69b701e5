"""facts.running_sums: a node's accumulator after each contribution, against the plain loop."""

from __future__ import annotations

import torch

from autograd_explorer.trace.facts import MANY_SUMS, running_sums


def accumulators(start: torch.Tensor, grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """running_sums on the replay's layout: a step's grad_output, then each gradient followed by
    the slot its accumulator is written to (the gradient itself until then)."""
    tensors: list[torch.Tensor | None] = [None]
    for g in grads:
        tensors += [g, g]
    running_sums(start, tensors, list(range(1, len(tensors), 2)))
    assert all(a is g for a, g in zip(tensors[1::2], grads, strict=True))  # gradients left as they were
    return tensors[2::2]  # type: ignore[return-value]


def loop_sums(start: torch.Tensor, grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """The oracle: `acc + g`, one contribution at a time, as the engine's order adds them."""
    out, total = [], start
    for g in grads:
        total = total + g
        out.append(total)
    return out


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.numpy().tobytes() == b.numpy().tobytes()


def test_many_float32_contributions_sum_to_the_loops_bits() -> None:
    torch.manual_seed(0)
    # magnitudes far apart, so the order of the additions shows in the last bits
    grads = [torch.randn(4, 8) * 10.0 ** torch.randint(-6, 6, ()).item() for _ in range(3 * MANY_SUMS)]
    grads[5][0, 0] = float("nan")
    grads[7][1, 1] = -0.0
    start = torch.randn(4, 8)
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)


def test_float64_and_a_start_that_is_a_view() -> None:
    grads = [torch.full((3,), 0.1, dtype=torch.float64) * (k + 1) for k in range(MANY_SUMS + 1)]
    start = torch.ones(3, dtype=torch.float64).expand(3)  # an expanded view, like a sum's gradient
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)


def test_what_numpy_cannot_add_is_added_by_torch() -> None:
    """Broadcast shapes, another dtype, a gradient that requires grad (create_graph): torch's `+`."""
    grads = [torch.ones(3) for _ in range(MANY_SUMS)] + [torch.ones(1)]
    start = torch.zeros(3, dtype=torch.float64)
    added = accumulators(start, grads)
    for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
        assert same_bits(accumulated, expected)
    graded = [torch.ones(2, requires_grad=True) * 2 for _ in range(MANY_SUMS)]
    added = accumulators(torch.zeros(2), graded)
    assert added[-1].tolist() == [2.0 * MANY_SUMS] * 2


def test_many_scalar_contributions_sum_to_the_loops_bits() -> None:
    """A shared scalar weight (a 0-d value per use): stacked as numbers, summed as the loop sums."""
    torch.manual_seed(1)
    for dtype in (torch.float32, torch.float64):
        grads = [torch.randn((), dtype=dtype) * 10.0 ** (k % 9 - 4) for k in range(2 * MANY_SUMS)]
        grads[3] = torch.tensor(-0.0, dtype=dtype)
        start = torch.tensor(0.25, dtype=dtype)
        added = accumulators(start, grads)
        for accumulated, expected in zip(added, loop_sums(start, grads), strict=True):
            assert same_bits(accumulated, expected)
