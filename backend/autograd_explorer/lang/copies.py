"""`copy.deepcopy` and `copy.copy` of a program's values, sized before they run.

Courses snapshot a model: early stopping keeps `best = copy.deepcopy(model.state_dict())`, a DQN
keeps `target = copy.deepcopy(policy)`. A deep copy doubles every tensor it reaches, so what it
reaches is measured first (its tensors' elements count toward max_total_elements, the objects it
walks toward max_tensor_elements). A copy of an object of the program's own classes may be read as
the original is (UserClasses.fields: what the program set on each object).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, MutableMapping
from typing import Any

import torch

from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.contract import Span


def copy_sized(
    value: object,
    deep: bool,
    is_program_object: Callable[[object], bool],
    fields: MutableMapping[Any, set[str]],
    budget: Budget,
    span: Span,
) -> object:
    """`copy.deepcopy(value)` (`deep`) or `copy.copy(value)`, refused first when too large; the
    program's objects among the copies take their originals' fields."""
    most = budget.limits.max_tensor_elements
    elements, program_objects = reached(value, deep, is_program_object, most, span)
    budget.reserve_total(elements, span, "the copy")
    memo: dict[int, object] = {}
    result = copy.deepcopy(value, memo) if deep else copy.copy(value)
    for original in program_objects:
        made = memo.get(id(original)) if deep else (result if original is value else None)
        names = fields.get(original)
        if made is not None and names is not None:
            fields[made] = set(names)
    return result


def reached(
    value: object, deep: bool, is_program_object: Callable[[object], bool], most: int, span: Span
) -> tuple[int, list[object]]:
    """The tensor elements a copy makes and the program's objects it copies: what a deep copy walks
    (a shallow one: the value itself), each object once, as deepcopy's memo does."""
    elements = 0
    walked = 0
    program_objects: list[object] = []
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        walked += 1
        if walked > most:
            raise limit_error(
                f"too large to copy: more than {most} objects to walk, the limit is {most} "
                "(max_tensor_elements)",
                span,
            )
        if isinstance(item, torch.Tensor):
            elements += item.numel()
            continue
        if not deep and item is not value:
            continue  # a shallow copy shares what its value holds
        if isinstance(item, dict):
            walked += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            walked += len(item)
            stack.extend(item)
        elif isinstance(item, type) or hasattr(type(item), "__deepcopy__"):
            continue  # a class, a function: not copied; the program's functions are kept as they are
        else:
            if is_program_object(item):
                program_objects.append(item)
            # a module's parameters, buffers, submodules and hooks (dicts), an optimizer's state,
            # an object's fields
            try:
                stack.append(item.__dict__)
            except AttributeError:  # no fields of its own (a C object, slots): deepcopy's to copy or refuse
                continue
    return elements, program_objects
