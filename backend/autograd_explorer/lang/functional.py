"""torch.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) and torch.autograd.gradcheck run
on the program's function.

PyTorch calls the function once, then runs one backward pass per output element (a jacobian) or
per input element (a hessian's outer jacobian), in C++ and Python loops the evaluator never sees.
So the result's size is predicted and refused first (a hessian: inputs² elements, before anything
runs; a jacobian: outputs × inputs, as soon as the function has returned its outputs, before
the first pass). The passes are counted as operations before the first one (each as costly as
the function's own run), and a hook on the inputs the function was given checks the wall-clock
limit at every pass: a slow one is stopped between passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.contract import Span

# Each function's parameters, in PyTorch's order (positional arguments bind to these names).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "jacobian": ("func", "inputs", "create_graph", "strict", "vectorize", "strategy"),
    "hessian": ("func", "inputs", "create_graph", "strict", "vectorize", "outer_jacobian_strategy"),
    **{name: ("func", "inputs", "v", "create_graph", "strict") for name in ("vjp", "jvp", "vhp", "hvp")},
    "gradcheck": (
        "func",
        "inputs",
        "eps",
        "atol",
        "rtol",
        "raise_exception",
        "nondet_tol",
        "check_undefined_grad",
        "check_grad_dtypes",
        "check_batched_grad",
        "check_batched_forward_grad",
        "check_forward_ad",
        "check_backward_ad",
        "fast_mode",
        "masked",
    ),
}
# vmap would run the program's function on batched tensors the evaluator does not know, and forward
# mode on dual tensors it does not know either.
REFUSED_FLAGS = ("vectorize", "check_batched_grad", "check_batched_forward_grad", "check_forward_ad")


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


def jacobian_elements(name: str, inputs: tuple[object, ...], outputs: object) -> int | None:
    """What is known once the function has returned: a jacobian's outputs × inputs elements, and
    gradcheck's twice that (a numerical and an analytical Jacobian, compared)."""
    copies = {"jacobian": 1, "gradcheck": 2}.get(name)
    return None if copies is None else copies * tensor_elements(outputs) * tensor_elements(inputs)


def backward_passes(name: str, inputs: tuple[object, ...], outputs: object) -> int:
    """How many backward passes PyTorch will run once the function has returned `outputs`."""
    if name == "jacobian":  # one per output element
        return tensor_elements(outputs)
    if name == "hessian":  # the inner jacobian's one, then one per input element
        return tensor_elements(inputs) + 1
    if name == "gradcheck":  # each output element's row twice (is backward reentrant?), then for
        # each output one pass checking backward multiplies by grad_output and one with no gradient
        # given (check_undefined_grad); the numerical Jacobian's 2 × inputs calls of the function
        # are counted as the program's own
        return 2 * tensor_elements(outputs) + 2 * (len(outputs) if isinstance(outputs, tuple | list) else 1)
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

    hooked: set[int] = set()  # gradcheck calls the function 2 × inputs times on the same tensors
    checked = False  # the Jacobians' size and the passes are checked at the first call alone

    def run(*inputs: object) -> object:
        nonlocal checked
        for value in inputs:
            if isinstance(value, torch.Tensor) and value.requires_grad and id(value) not in hooked:
                hooked.add(id(value))
                value.register_hook(check_time)  # type: ignore[no-untyped-call]
        before = budget.operations
        outputs = call(list(inputs))
        if not checked:  # gradcheck's later calls count themselves, as the program's own
            checked = True
            budget.check_elements(jacobian_elements(name, inputs, outputs), span)
            cost = budget.operations - before
            reserve_passes(name, backward_passes(name, inputs, outputs), cost, budget, span)
        return outputs

    return run


# --- torch.func: grad, jacrev, jacfwd, hessian run as the torch.autograd.functional function of the
# same values (grad is the Jacobian of a one-number result; jacrev and jacfwd give one Jacobian),
# with its bounds; vjp's passes are counted when vjp_fn is called (calls.py).
TRANSFORMS: dict[str, str] = {
    "grad": "jacobian",
    "jacrev": "jacobian",
    "jacfwd": "jacobian",
    "hessian": "hessian",
}
TRANSFORM_PARAMETERS: dict[str, tuple[str, ...]] = {
    "grad": ("func", "argnums", "has_aux"),
    "jacrev": ("func", "argnums", "has_aux"),
    "jacfwd": ("func", "argnums", "has_aux"),
    "hessian": ("func", "argnums"),  # torch.func.hessian has no has_aux
}
# How torch.func names each transform in its has_aux errors (the function it is built on).
AUX_CALLER = {
    "grad": "grad_and_value(f)(*args)",
    "jacrev": "vjp(f, *primals)",
    "jacfwd": "jvp(f, primals, tangents)",
    "vjp": "vjp(f, *primals)",
}


def split_aux(kind: str, output: object) -> tuple[object, object]:
    """(output, aux) of a function transformed with has_aux=True, checked as torch.func checks it
    (its messages): a tuple of two, the aux tensors in tuples, lists and dicts."""
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(
            f"{AUX_CALLER[kind]}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    tensors_in(output[1], strict=True)  # torch.func's aux is tensors only, however nested
    return output[0], output[1]


def cut_from_graph(value: object) -> object:
    """A result (tensors in tuples, lists and dicts) with each tensor detached."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, dict):
        return {key: cut_from_graph(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        items = [cut_from_graph(item) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    return value


def cut_unless_outside(value: object, inside: set[int], keep: bool = False) -> object:
    """A transform's result, output or aux as torch.func gives it: as it is when `keep` (an input
    records a graph) or when it reaches a tensor f reads from outside (records_outside), else cut
    from the graph of f's own inputs."""
    return value if keep or records_outside(value, inside) else cut_from_graph(value)


def records_outside(value: object, inside: set[int]) -> bool:
    """Whether a transform's result (or aux) depends on a tensor that requires grad other than the
    transform's own inputs (`inside`, by id): a parameter f reads from outside, as a model's weights.
    torch.func's result is then differentiable in it; else it records no graph. One walk of the
    result's graph down to its leaves."""
    stack: list[Any] = []
    for tensor in tensors_in(value):
        if tensor.grad_fn is not None:
            stack.append(tensor.grad_fn)
        elif tensor.requires_grad and id(tensor) not in inside:
            return True
    seen: set[int] = set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if isinstance(fn, ACCUMULATE_GRAD):  # a leaf: one of f's inputs, or a tensor from outside
            if id(fn.variable) not in inside:
                return True
            continue
        stack.extend(next_fn for next_fn, _ in fn.next_functions if next_fn is not None)
    return False


def tensors_in(value: object, strict: bool = False) -> list[torch.Tensor]:
    """The tensors of a result in tuples, lists and dicts, however nested; `strict`: anything else
    is torch.func's error for an aux."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, tuple | list | dict):
        items = value.values() if isinstance(value, dict) else value
        return [tensor for item in items for tensor in tensors_in(item, strict)]
    if strict:
        raise RuntimeError(f"Expected tensors, got unsupported type {type(value)}")
    return []


ACCUMULATE_GRAD = torch._C._functions.AccumulateGrad  # type: ignore[attr-defined]  # a leaf's node


def selected_argnums(argnums: object, args: Sequence[object]) -> tuple[int, ...]:
    """The positions `argnums` picks from the call's arguments, checked as torch.func checks them
    (with its messages): in range, and each a tensor."""
    if isinstance(argnums, bool) or not (
        isinstance(argnums, int)
        or (isinstance(argnums, tuple) and argnums and all(type(n) is int for n in argnums))
    ):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    positions = (argnums,) if isinstance(argnums, int) else argnums
    for n in positions:
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
        if not isinstance(args[n], torch.Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(args[n])}")
    return tuple(n % len(args) for n in positions)


def check_transform_output(kind: str, output: object) -> None:
    """What the transformed function returned: one tensor (a one-number one for grad and hessian);
    a refusal knows no span: the caller's library_failed gives it the call's."""
    if not isinstance(output, torch.Tensor):
        raise ProgramError(
            "forbidden",
            f"torch.func.{kind} is available here for functions returning one tensor, not "
            f"{type(output).__name__} (several outputs are not part of the explorer language: to return "
            "more beside the one differentiated, return (output, aux) and pass has_aux=True)",
        )
    if kind == "grad" and output.dim() != 0:
        raise RuntimeError(  # torch.func's own
            f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
            f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
        )
    if kind == "hessian" and output.dim() != 0:  # one argnum: run as jacrev(jacrev(f)) instead
        raise ProgramError(
            "forbidden",
            f"torch.func.hessian with a tuple of argnums is available here for functions returning one "
            f"number (a 0-dim tensor), not a tensor of shape {list(output.shape)}: give one argnum",
        )
