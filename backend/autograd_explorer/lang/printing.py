"""print()'s text of a value, built only as far as it will be shown.

`str()` of a list builds the whole text first: a million numbers (or a list sharing one part a
million times) is megabytes and seconds in one call. This writes the same text as CPython, piece
by piece, and stops once `room` characters are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from autograd_explorer.lang.containers import is_container

_END = object()


def _closing(container: list[object] | tuple[object, ...]) -> str:
    if isinstance(container, list):
        return "]"
    return ",)" if len(container) == 1 else ")"


def _pieces(root: list[object] | tuple[object, ...], tick: Callable[[], None]) -> Iterator[str]:
    """CPython's repr of a list/tuple, piece by piece, without recursion."""
    texts: dict[int, str] = {}  # a tensor shared many times is formatted once
    yield "[" if isinstance(root, list) else "("
    stack: list[tuple[Iterator[object], str, bool]] = [(iter(root), _closing(root), True)]
    while stack:
        items, closing, first = stack[-1]
        item = next(items, _END)
        if item is _END:
            stack.pop()
            yield closing
            continue
        if not first:
            yield ", "
        stack[-1] = (items, closing, False)
        if is_container(item):
            assert isinstance(item, list | tuple)
            yield "[" if isinstance(item, list) else "("
            stack.append((iter(item), _closing(item), True))
        elif isinstance(item, torch.Tensor):
            tick()  # formatting a tensor takes up to milliseconds
            if id(item) not in texts:
                texts[id(item)] = repr(item)
            yield texts[id(item)]
        else:
            yield repr(item)


def bounded_text(value: object, room: int, tick: Callable[[], None]) -> str:
    """`str(value)`, or its first `room` characters or a little more; `tick` is called per tensor."""
    if not is_container(value):
        return str(value)  # numbers, text from the source, and tensors (PyTorch summarises big ones)
    assert isinstance(value, list | tuple)
    parts: list[str] = []
    length = 0
    for piece in _pieces(value, tick):
        parts.append(piece)
        length += len(piece)
        if length >= room:
            break
    return "".join(parts)
