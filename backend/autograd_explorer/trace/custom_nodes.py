"""Nodes of a program's own `torch.autograd.Function` (`ExpBackward`, a BackwardCFunction).

PyTorch makes one node class per Function subclass; the engine runs it by calling the program's
`backward` (interpreted by the evaluator). Such a node has no `_saved_*` attributes and no formula
in our table: what it saved is `ctx.saved_tensors`, and what it computes is the program's code.
Its local Jacobian is not computed: that would run the program's backward once more per output
element, inside the engine's hook, outside the program's own order of operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

Node = Any  # torch.autograd.graph.Node (as backward_capture.py names it, which reads these)

_CUSTOM = torch.autograd.function.BackwardCFunction
# PyTorch's own Function around a module's call that has full backward hooks: an identity whose
# node's post-hooks call them (BackwardHookFunctionBackward); its formula is in trace/formulas
_MODULE_HOOKS = torch.nn.modules._functions.BackwardHookFunction


def is_custom_node(fn: Node) -> bool:
    """Is this the node of a program's torch.autograd.Function?"""
    return isinstance(fn, _CUSTOM) and _forward_class(type(fn)) is not _MODULE_HOOKS


def function_name(fn: Node) -> str:
    """The program's class the node runs the backward of: `Exp` for ExpBackward."""
    return str(_forward_class(type(fn)).__name__)


def _forward_class(node_class: Any) -> Any:
    """The Function subclass a node class was made for (PyTorch's `_forward_cls`)."""
    return node_class._forward_cls


def program_functions(nodes: Iterable[Node]) -> dict[str, str]:
    """The op (class name) of each program Function's nodes -> the Function's name, sorted:
    {"ExpBackward": "Exp"}. Read by node class, not node: a loop makes thousands of one class."""
    classes: set[Any] = {
        cls
        for cls in set(map(type, nodes))
        if issubclass(cls, _CUSTOM) and _forward_class(cls) is not _MODULE_HOOKS
    }
    return dict(sorted((cls.__name__, str(_forward_class(cls).__name__)) for cls in classes))


def custom_saved(fn: Node) -> dict[str, object] | None:
    """What the program's forward kept with `ctx.save_for_backward`, by position
    (`saved_tensors[0]`); None once a backward pass freed them."""
    try:
        saved = fn.saved_tensors
    except RuntimeError:  # freed by a backward without retain_graph
        return None
    return {f"saved_tensors[{i}]": t for i, t in enumerate(saved) if t is not None}


def custom_formula(fn: Node) -> str:
    """The step's local formula (LaTeX): the program's own backward, by name (`Exp.backward`; the
    narration says it is the program's: a KaTeX text does not wrap in a narrow step panel)."""
    return "\\text{" + function_name(fn) + ".backward}"
