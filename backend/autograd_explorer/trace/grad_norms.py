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


def norm(t: torch.Tensor | None) -> float | None:
    """The L2 norm in float64, or None (no gradient, or not finite: the page shows no colour)."""
    if t is None:
        return None
    value = float(torch.linalg.vector_norm(t.detach().to(torch.float64)))
    return value if math.isfinite(value) else None


def step_grad_norms(p: PassFacts) -> list[float | None]:
    """‖gradient delivered to the node‖ of every step, in step order."""
    return [norm(step.grad_output) for step in p.steps]


def module_grad_norms(facts: TraceFacts, p: PassFacts) -> dict[str, float]:
    """module path -> ‖gradients its own parameters received in this pass‖ (the root of the sum of
    squares over them), in forward order (the order the modules first ran)."""
    squares: dict[str, float] = {}
    for step in p.steps:
        fn = facts.nodes[step.node]
        if type(fn).__name__ != "AccumulateGrad":
            continue
        module, _ = facts.rec.regions.of(fn)
        size = norm(step.grad_output)
        if module is not None and size is not None:
            squares[module] = squares.get(module, 0.0) + size * size
    order = facts.rec.regions.entered
    return {m: math.sqrt(squares[m]) for m in sorted(squares, key=lambda m: order.get(m, len(order)))}
