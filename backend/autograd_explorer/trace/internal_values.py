"""The forward values of internal nodes, which the program never saw, read from what PyTorch kept.

A node made inside a library call (the transpose of `nn.Linear`'s weight, the log-softmax inside
`F.cross_entropy`) has no recorded value: the program never held its output. PyTorch often kept it
anyway, and the explorer promises every node's value, so it is read back, exactly, three ways:
- saved for the backward: a node that saves its own output (`LogSoftmaxBackward0`'s `result`), or
  a consumer that saved this node's output as one of its inputs (`MulBackward0`'s `other`). An
  unpacked saved tensor's `grad_fn` is the node that made it, so which node it belongs to is read
  from PyTorch, not guessed from the argument names.
- a view of its input: a transpose, permute, view, reshape, squeeze, expand, clone or dtype copy
  changes no number, so its value is its input's value (recorded or read back first: ids are
  topological, producers first) viewed the same way.
A value read back must have the node's own shape and dtype (its `_input_metadata`), else the node
keeps no value. Each such node's note says where its value came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from autograd_explorer.trace.backward_capture import Node

SAVED = "; shown as PyTorch saved it for the backward pass"
VIEWED = "; shown as its input's value, {how} (the node changes no number)"

# op -> (how its value follows from its input's, what the note says): the view-like ops, which
# only re-read their input's numbers. The arguments come from the node's saved values.
Viewer = Callable[[Any, torch.Tensor, torch.Size, torch.dtype], torch.Tensor]


def _reshaped(_fn: Any, source: torch.Tensor, shape: torch.Size, _dtype: torch.dtype) -> torch.Tensor:
    return source.reshape(shape)


def _t(_fn: Any, source: torch.Tensor, _shape: torch.Size, _dtype: torch.dtype) -> torch.Tensor:
    return source.t()


def _transposed(fn: Any, source: torch.Tensor, _shape: torch.Size, _dtype: torch.dtype) -> torch.Tensor:
    return source.transpose(fn._saved_dim0, fn._saved_dim1)


def _same(_fn: Any, source: torch.Tensor, _shape: torch.Size, _dtype: torch.dtype) -> torch.Tensor:
    return source


RESHAPES = (
    "ViewBackward0",
    "UnsafeViewBackward0",
    "ReshapeAliasBackward0",
    "SqueezeBackward0",
    "SqueezeBackward1",
    "SqueezeBackward2",
    "UnsqueezeBackward0",
)
VIEWS: dict[str, tuple[Viewer, str]] = {
    "TBackward0": (_t, "transposed"),
    "TransposeBackward0": (_transposed, "transposed"),
    "PermuteBackward0": (lambda fn, s, _shape, _dtype: s.permute(fn._saved_dims), "permuted"),
    "ExpandBackward0": (lambda _fn, s, shape, _dtype: s.expand(shape), "expanded"),
    "ToCopyBackward0": (lambda _fn, s, _shape, dtype: s.to(dtype), "converted"),
    "CloneBackward0": (_same, "copied"),
    "AliasBackward0": (_same, "the same"),
    **{op: (_reshaped, "reshaped") for op in RESHAPES},
}

# A node row's fields read and written here (facts.NodeRow): op, shape, value, value_note, saved
_OP, _VALUE, _NOTE, _SAVED = 0, 6, 7, 13


def read_back(
    nodes: Sequence[Node],
    inputs: Sequence[tuple[int | None, ...]],
    rows: list[Any],
    internal: list[int],
    steady: set[int],
    makers: dict[int, tuple[torch.Tensor, Node]],
) -> None:
    """Give each internal node in `rows` (facts.NodeRow, by node id) the value PyTorch kept of it,
    with a note saying how; `internal` lists them in id order. A leaf's value is what it holds after
    the program: a view of it is read from it only for the leaves in `steady`, which no in-place op
    changed since the forward read them (a training step's `W -= lr * W.grad` changes W, not the
    `W.t()` an earlier forward made)."""
    missing: dict[int, int] = {}  # id(node) -> node id, of those still without a value
    for i in internal:
        meta = getattr(nodes[i], "_input_metadata", None)
        if meta is not None and len(meta) == 1:  # one output: a node of several outputs is skipped
            missing[id(nodes[i])] = i
    if not missing:
        return
    # saved for the backward, by itself or by a consumer: those nodes' shown saved tensors, each
    # tensor's grad_fn saying whose output it is (only theirs: reading every saved tensor's grad_fn
    # was 17 ms of a 5,017-node lecture-style trace)
    wanted = set(missing.values())
    holders = sorted(wanted.union(c for c, slots in enumerate(inputs) if not wanted.isdisjoint(slots)))
    for row in map(rows.__getitem__, holders):
        for _, saved in row[_SAVED]:
            if not isinstance(saved, torch.Tensor):
                continue
            copied = makers.get(id(saved))  # a copy made as the pass freed it: its maker kept apart
            if copied is not None and copied[0] is not saved:
                copied = None  # another tensor's id, reused
            maker = copied[1] if copied is not None else saved.grad_fn
            if maker is not None:
                made_by = missing.get(id(maker))
                if made_by is not None and saved.output_nr == 0 and _fits(nodes[made_by], saved):
                    # its own memory: an in-place op after the backward changes nothing shown
                    _give(rows, made_by, saved if copied else saved.detach().clone(), SAVED)
                    del missing[id(nodes[made_by])]
    if missing:
        _from_inputs(nodes, inputs, rows, missing, steady)
    if missing:
        _from_consumers(nodes, inputs, rows, missing)
    if missing:  # the views of a node read back from its consumer
        _from_inputs(nodes, inputs, rows, missing, steady)


def _from_inputs(
    nodes: Sequence[Node],
    inputs: Sequence[tuple[int | None, ...]],
    rows: list[Any],
    missing: dict[int, int],
    steady: set[int],
) -> None:
    """A view's value from its input's, in id order: producers first, so a view of a view reads the
    first's value once it has one."""
    for i in sorted(missing.values()):
        view = VIEWS.get(rows[i][_OP])
        producer = inputs[i][0] if inputs[i] else None
        if view is None or producer is None or rows[producer][_VALUE] is None:
            continue
        if rows[producer][_OP] == "AccumulateGrad" and producer not in steady:
            continue  # a leaf changed in place since, or read by the tracer's own pass: not guessed
        fn = nodes[i]
        meta = fn._input_metadata[0]
        try:
            value = view[0](fn, rows[producer][_VALUE], torch.Size(meta.shape), meta.dtype)
        except (RuntimeError, TypeError, ValueError, AttributeError):
            continue  # an argument PyTorch did not save as expected: no value, as before
        if _fits(fn, value):
            _give(rows, i, value, VIEWED.format(how=view[1]))
            del missing[id(fn)]


# consumer op -> how its input's value follows from its own: the views that can be undone exactly
UNDONE: dict[str, tuple[Viewer, str]] = {
    # a transpose undoes itself, and a reshape back to the node's own shape undoes a reshape
    "TBackward0": (_t, "transposed back"),
    "TransposeBackward0": (_transposed, "transposed back"),
    "PermuteBackward0": (
        lambda fn, s, _shape, _dtype: s.permute(
            tuple(sorted(range(len(fn._saved_dims)), key=lambda d: fn._saved_dims[d]))
        ),
        "permuted back",
    ),
    "CloneBackward0": (_same, "the same"),
    "AliasBackward0": (_same, "the same"),
    **{op: (_reshaped, "reshaped back") for op in RESHAPES},
}
FROM_CONSUMER = "; shown as what a view of it shows, {how} (the view changes no number)"


def _from_consumers(
    nodes: Sequence[Node], inputs: Sequence[tuple[int | None, ...]], rows: list[Any], missing: dict[int, int]
) -> None:
    """A node's value from a view of it whose value is known, undone (`nn.Linear` on a batch of
    sequences: the addmm inside is the module's recorded output, reshaped), consumers first."""
    wanted = set(missing.values())
    viewers: dict[int, int] = {}  # node id -> a consumer that views its whole output
    for c, slots in enumerate(inputs):
        if len(slots) == 1 and slots[0] in wanted and rows[c][_OP] in UNDONE:
            viewers.setdefault(slots[0], c)
    for i in sorted(viewers, reverse=True):
        c = viewers[i]
        if rows[c][_VALUE] is None:
            continue
        fn = nodes[i]
        meta = fn._input_metadata[0]
        undo = UNDONE[rows[c][_OP]]
        try:
            value = undo[0](nodes[c], rows[c][_VALUE], torch.Size(meta.shape), meta.dtype)
        except (RuntimeError, TypeError, ValueError, AttributeError):
            continue
        if _fits(fn, value):
            _give(rows, i, value, FROM_CONSUMER.format(how=undo[1]))
            del missing[id(fn)]


def _fits(fn: Node, value: torch.Tensor) -> bool:
    """Whether a tensor is the node's output as PyTorch describes it: its shape and dtype."""
    meta = fn._input_metadata[0]
    return bool(value.shape == torch.Size(meta.shape) and value.dtype == meta.dtype)


def _give(rows: list[Any], i: int, value: torch.Tensor, how: str) -> None:
    row = rows[i]
    note = row[_NOTE]
    rows[i] = (*row[:_VALUE], value, None if note is None else note + how, *row[_NOTE + 1 :])
