"""Sizes of the Python lists and tuples a program holds, known before a builtin walks them.

Lists can change (append, item assignment), so the evaluator measures them afresh before each
walk (a ContainerSizes lives for one check). Lists may share parts (`a = [a, a]` in a loop
doubles what a walk visits while holding only a few objects), so sizes count each part every
time it appears: that is what printing, comparing or converting the list would visit. Within one
check, each distinct list is walked once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Extent:
    """What a full walk of a value visits, shared parts counted every time they appear."""

    items: int = 0  # slots of every list/tuple inside (the outer one's included)
    leaves: int = 0  # values that are not lists/tuples (numbers, tensors, None, ...)
    tensors: int = 0  # leaves that are tensors: each costs a torch call when compared or converted
    depth: int = 0  # nesting levels of lists/tuples (0: not a container)


_LEAF = Extent(leaves=1)
# What a list that contains itself measures: more than any limit, so no walk of it is started.
CYCLE = Extent(items=2**62, leaves=2**62, tensors=0, depth=2**31)
_TENSOR = Extent(leaves=1, tensors=1)


# The evaluator keeps results to plain lists and tuples (a torch.Size is a small shape, read as
# one value), so exact types suffice and keep the walk fast.
_CONTAINERS = (list, tuple)
CONTAINER_TYPES = frozenset(_CONTAINERS)  # `type(v) in` it: is_container without the call


def is_container(value: object) -> bool:
    """A list or tuple a walk would enter."""
    return type(value) in _CONTAINERS


def wrap(parts: Iterable[Extent], slots: int) -> Extent:
    """The extent of a new container of `slots` slots whose elements have extents `parts`."""
    items = slots
    leaves = tensors = depth = 0
    for part in parts:
        items += part.items
        leaves += part.leaves
        tensors += part.tensors
        depth = max(depth, part.depth)
    return Extent(items, leaves, tensors, depth + 1)


def tolist_extent(shape: Sequence[int]) -> Extent:
    """The extent of `tensor.tolist()` for a tensor of `shape`, from the shape alone."""
    items = 0
    level = 1
    for size in shape:
        level *= size
        items += level
    return Extent(items, math.prod(shape), 0, len(shape))


class ContainerSizes:
    """The extents of the containers a program holds, measured once each."""

    def __init__(self) -> None:
        # The container is kept with its extent so its id cannot be reused while remembered.
        self._known: dict[int, tuple[object, Extent]] = {}

    def remember(self, value: object, extent: Extent) -> None:
        """Record the extent of a container the evaluator just made."""
        if is_container(value):
            self._known[id(value)] = (value, extent)

    def measure(self, value: object) -> Extent:
        """The extent of any value; each distinct unknown container is walked once."""
        if not is_container(value):
            return _TENSOR if isinstance(value, torch.Tensor) else _LEAF
        known = self._known.get(id(value))
        if known is not None:
            return known[1]
        assert isinstance(value, list | tuple)
        extent = _walk(value, self._known)
        self.remember(value, extent)
        return extent


def _walk(root: Sequence[object], known: dict[int, tuple[object, Extent]]) -> Extent:
    """Post-order, without recursion (a list may be nested 10,000 deep).

    Plain tuples and few allocations per node: a list of 500,000 one-element lists (what
    `x.tolist()` gives for a column) is walked in about half a second.
    """
    done: dict[int, tuple[int, int, int, int]] = {}
    stack: list[Sequence[object]] = [root]
    waiting: set[int] = set()  # nodes whose children are being measured: meeting one is a cycle
    while stack:
        node = stack.pop()
        if id(node) in done:
            continue
        kinds = set(map(type, node))  # in C: a flat list of a million numbers takes milliseconds
        if list not in kinds and tuple not in kinds:
            tensors = sum(type(c) is torch.Tensor for c in node) if torch.Tensor in kinds else 0
            done[id(node)] = (len(node), len(node), tensors, 1)
            continue
        pending = [c for c in node if type(c) in _CONTAINERS and id(c) not in done and id(c) not in known]
        if pending:
            if id(node) in waiting or any(id(c) in waiting or c is node for c in pending):
                return CYCLE  # a list that holds itself (a.append(a)): a walk would never end
            waiting.add(id(node))
            stack.append(node)
            stack.extend(pending)  # type: ignore[arg-type]
            continue
        waiting.discard(id(node))
        items = len(node)
        leaves = tensors = depth = 0
        for child in node:
            kind = type(child)
            if kind is list or kind is tuple:
                sizes = done.get(id(child))
                if sizes is None:
                    part = known[id(child)][1]
                    sizes = (part.items, part.leaves, part.tensors, part.depth)
                c_items, c_leaves, c_tensors, c_depth = sizes
                items += c_items
                leaves += c_leaves
                tensors += c_tensors
                if c_depth > depth:
                    depth = c_depth
            else:
                leaves += 1
                if kind is torch.Tensor:
                    tensors += 1
        done[id(node)] = (items, leaves, tensors, depth + 1)
    return Extent(*done[id(root)])
