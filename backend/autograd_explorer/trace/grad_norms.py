"""How big the gradients of one pass were: per node (to colour the graph) and per module (to plot).

A deep sigmoid network's vanishing gradients (CONTENT.md §12) are a matter of orders of magnitude,
so the page shows these on a log scale. Both come from what the engine delivered during the pass
(each step's grad_output), not from `.grad` afterwards: a training loop zeroes `.grad` after each
update, yet what reached the first layer is still what the lecture wants to see.
"""

from __future__ import annotations

import math

import torch

from autograd_explorer.trace.facts import PassFacts, TraceFacts
from autograd_explorer.trace.pass_summary import module_norms
from autograd_explorer.trace.values import stacked


def norm(t: torch.Tensor | None) -> float | None:
    """The L2 norm in float64, or None (no gradient, or not finite: the page shows no colour)."""
    if t is None:
        return None
    value = float(torch.linalg.vector_norm(t.detach().to(torch.float64)))
    return value if math.isfinite(value) else None


def step_grad_norms(p: PassFacts) -> list[float | None]:
    """‖gradient delivered to the node‖ of every step, in step order."""
    return norms(p.grad_outputs())


BATCHED_NORM_ELEMENTS = 256  # larger gradients are few: normed one by one, as `norm` does
_BATCHED_DTYPES = (torch.float32, torch.float64)


def norms(tensors: list[torch.Tensor | None]) -> list[float | None]:
    """`norm` of each tensor, the same numbers; small ones of one size and dtype in one call.

    One `vector_norm` per gradient cost a tenth of shaping a big graph; a row of a stacked batch
    is reduced like the tensor alone (tests/trace/test_grad_norms.py holds them equal).
    """
    out: list[float | None] = [None] * len(tensors)
    # grouped by shape, not by size: a group is stacked as it is (no reshape per tensor), and
    # whether it is batched is decided once per group
    groups: dict[tuple[torch.Size, torch.dtype, bool], list[int]] = {}
    for i, t in enumerate(tensors):
        if t is not None:
            groups.setdefault((t.shape, t.dtype, t.is_contiguous()), []).append(i)
    with torch.no_grad():
        for (shape, dtype, contiguous), members in groups.items():
            n = shape.numel()
            # a transposed gradient is reduced in its own memory order: it would differ in the last bit
            if not (contiguous and 0 < n <= BATCHED_NORM_ELEMENTS and dtype in _BATCHED_DTYPES):
                for i in members:
                    out[i] = norm(tensors[i])
                continue
            rows = stacked([tensors[i] for i in members]).reshape(len(members), n)  # type: ignore[misc]
            sizes = torch.linalg.vector_norm(rows.to(torch.float64), dim=1).tolist()
            for i, size in zip(members, sizes, strict=True):
                out[i] = size if math.isfinite(size) else None
    return out


def module_grad_norms(facts: TraceFacts, p: PassFacts) -> dict[str, float]:
    """module path -> ‖gradients its own parameters received in this pass‖ (the root of the sum of
    squares over them), in forward order (the order the modules first ran); grouped by the
    parameters' names as every pass's summary groups them (pass_summary.module_norms)."""
    received: dict[str, float] = {}
    for nid, grad_output in zip(p.node, p.grad_outputs(), strict=True):
        fn = facts.nodes[nid]
        if type(fn).__name__ == "AccumulateGrad":
            size = norm(grad_output)
            if size is not None:
                received[facts.rec.leaf_name(fn.variable)] = size
    return module_norms(received, facts.rec.regions.entered)
