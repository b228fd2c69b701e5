"""torch.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) run on the program's function.

PyTorch calls the function once, then runs one backward pass per output element (a jacobian) or
per input element (a hessian's outer jacobian), in C++ and Python loops the evaluator never sees.
So the result's size is predicted and refused first (a hessian: inputs² elements, before anything
runs; a jacobian: outputs × inputs, as soon as the function has returned its outputs, before
the first pass). The passes are counted as operations before the first one (each as costly as
the function's own run), and a hook on the inputs the function was given checks the wall-clock
limit at every pass: a slow one is stopped between passes.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.contract import Span

# Each function's parameters, in PyTorch's order (positional arguments bind to these names).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "jacobian": ("func", "inputs", "create_graph", "strict", "vectorize", "strategy"),
    "hessian": ("func", "inputs", "create_graph", "strict", "vectorize", "outer_jacobian_strategy"),
    **{name: ("func", "inputs", "v", "create_graph", "strict") for name in ("vjp", "jvp", "vhp", "hvp")},
}
# vmap would run the program's function on batched tensors the evaluator does not know.
REFUSED_FLAGS = ("vectorize",)


def tensor_elements(value: object) -> int:
    """The elements of a tensor, or of the tensors in a tuple or list of them."""
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, tuple | list):
        return sum(tensor_elements(item) for item in value)
    return 0


def predicted_elements(name: str, inputs: object) -> int | None:
    """What can be told before the function runs: a hessian's inputs² elements."""
    if name == "hessian":
        return tensor_elements(inputs) ** 2
    return None


def backward_passes(name: str, inputs: tuple[object, ...], outputs: object) -> int:
    """How many backward passes PyTorch will run once the function has returned `outputs`."""
    if name == "jacobian":  # one per output element
        return tensor_elements(outputs)
    if name == "hessian":  # the inner jacobian's one, then one per input element
        return tensor_elements(inputs) + 1
    return 2  # vjp: one; jvp, vhp, hvp: a backward of a backward


def reserve_passes(name: str, passes: int, cost: int, budget: Budget, span: Span) -> None:
    """Count the passes as operations, each as costly as the function's own run; refuse them all
    before the first when they would go past the limit (a million one-element rows also fill memory)."""
    operations = passes * max(cost, 1)
    if budget.operations + operations > budget.max_operations:
        raise limit_error(
            f"too many operations: {name} needs {passes} backward passes of about {max(cost, 1)} operations "
            f"each, more than the {max(budget.max_operations - budget.operations, 0)} left (max_operations)",
            span,
        )
    budget.count_operation(span, operations)


def counted_function(
    name: str,
    call: Callable[[list[object]], object],
    budget: Budget,
    span: Span,
) -> Callable[..., object]:
    """The program's function as PyTorch calls it: each backward pass reaching its inputs is an
    operation of the budget, and a jacobian too large for its outputs is refused before any pass."""

    def check_time(grad: torch.Tensor) -> None:
        budget.count_operation(span, 0)  # the passes were counted before the first one

    def run(*inputs: object) -> object:
        for value in inputs:
            if isinstance(value, torch.Tensor) and value.requires_grad:
                value.register_hook(check_time)  # type: ignore[no-untyped-call]
        before = budget.operations
        outputs = call(list(inputs))
        if name == "jacobian":
            budget.check_elements(tensor_elements(outputs) * tensor_elements(inputs), span)
        reserve_passes(name, backward_passes(name, inputs, outputs), budget.operations - before, budget, span)
        return outputs

    return run
