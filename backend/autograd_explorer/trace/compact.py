"""The compact form (docs/trace.md, "Compact form"): column tables, tensors in one float32 buffer.

Every value is sent once (by its dtype, shape and numbers) and referred to by index; a large
tensor's summary (min, max, mean, std, first elements) is numbers in the same buffer; every text
(labels, names, symbols, saved names, notes) is sent once and referred to by index; steps carry
only what the engine produced (incoming gradient, contributions, accumulators); their formulas,
Jacobians and narration come from POST /api/trace/details. `decode_compact` turns it back into the readable
form without those details: the documented way to read it from Python, and the tests' oracle.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import torch

from autograd_explorer.lang.contract import Span as SourceSpan
from autograd_explorer.trace.custom_nodes import program_functions
from autograd_explorer.trace.details import start_narration
from autograd_explorer.trace.facts import NodeColumns, PassFacts, SavedValue, TraceFacts
from autograd_explorer.trace.grad_norms import BATCHED_NORM_ELEMENTS, module_grad_norms, norms
from autograd_explorer.trace.pass_summary import summaries_json
from autograd_explorer.trace.payload import (
    CompactEdges,
    CompactNodes,
    CompactPass,
    CompactSteps,
    CompactTrace,
    CompactValues,
    TensorSummary,
)
from autograd_explorer.trace.readable import FULL_ACCUMULATOR_NODES, ResultBudget, hooks_json, span_json
from autograd_explorer.trace.region_runs import call_label, run_tables
from autograd_explorer.trace.values import (
    SUMMARY_BATCH_ELEMENTS,
    SUMMARY_HEAD,
    array_data,
    dtype_name,
    sent_whole,
    stacked,
    summary_numbers,
    summary_of,
    summary_rows,
)

_is_contiguous = torch.Tensor.is_contiguous

# Decoders refuse a version they do not know. 2: summaries in the buffer, texts in one table,
# gradient norms at float32 precision, transposed copies by reference (docs/trace.md).
COMPACT_VERSION = 2
SUMMARY_STATS = 4  # min, max, mean, std: a summarized value's first numbers in the buffer
FLAG_REQUIRES_GRAD, FLAG_IS_LEAF, FLAG_IS_OUTPUT, FLAG_RETAINS_GRAD = 1, 2, 4, 8
NONE = -1


_WHOLE, _SUMMARY, _NUMBER = 0, 1, 2
_Kind = tuple[int, int, tuple[int, ...], int]  # _WHOLE/_SUMMARY/_NUMBER, dtype code, shape, elements


class ValueTable:
    """Tensors by index, their elements in one float32 buffer; the same values are stored once.

    A value is keyed by what the buffer would hold (dtype, shape, float32 bytes), not by object:
    PyTorch hands out a new tensor object for every saved tensor it unpacks, and an incoming
    gradient, the contribution it came from and the accumulator it made are often equal. Sent by
    identity, a 4x8 MLP layer sent its activations and weight up to five times (~750 B/node).

    Converting each tensor to bytes on its own cost more than a third of shaping a big graph, so
    `add` only queues it under a provisional index (one per tensor object, viewed memory or
    number) and `finish` converts the queue with one `torch.stack` per dtype and shape, finds
    equal contents with one `np.unique` per stack and maps provisional indices to final ones:
    callers pass every column of indices through `remap`.
    Final indices come out in the order values were first added, as if merged one by one. The
    queue is converted whenever it holds FLUSH_ELEMENTS, so the budget still refuses early.
    """

    FLUSH_ELEMENTS = 1 << 20

    def __init__(self, max_elements: int, budget: ResultBudget) -> None:
        self.max_elements = max_elements
        self.budget = budget
        # id(tensor) -> provisional index; `_held` keeps each tensor alive, so its id stays its own
        self._seen: dict[int, int] = {id(None): NONE}
        self._held: list[object] = []
        self._by_view: dict[tuple[int, int, tuple[int, ...], tuple[int, ...], int], int] = {}
        self._numbers: dict[tuple[str, str | int], int] = {}
        # each kind (_Kind) by a small number: the queue holds numbers, grouped with numpy
        self._kinds: dict[tuple[torch.dtype, torch.Size], int] = {}
        # the kinds sent whole, by the same key: (kind number, elements), one look-up in add_all
        self._whole: dict[tuple[torch.dtype, torch.Size], tuple[int, int]] = {}
        self._kind_ids: dict[_Kind, int] = {}
        self._kind_list: list[_Kind] = []
        self._queue: list[object] = []  # provisional values not yet given a final index (tensors, numbers)
        self._queue_kinds: list[int] = []  # and what each is (its kind's number)
        self._queued_elements = 0
        self._final: list[int] = []  # provisional index -> final index
        self._final_or_none: list[int] = []  # the same with a trailing NONE, for remap
        # kind number -> the contents of that kind given an index by earlier conversions (float32
        # rows) and their indices: a later conversion's equal value takes the same index
        self._contents: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.dtypes: list[str] = []
        self._dtype_code: dict[str, int] = {}
        self.dtype: list[int] = []
        self.shape: list[list[int]] = []
        self.offset: list[int] = []
        self.summarized: list[int] = []  # indices of the values whose buffer slice is a summary
        self.transposed: dict[int, int] = {}  # index -> the stored 2-D value it is the transpose of
        self._parts: list[bytes] = []  # each sent value's float32 elements, little-endian
        self._elements = 0
        # per conversion, the float64 L2 norm of each queued value (by provisional index) that is
        # a small contiguous float32 tensor, else -1: read from the rows already made (row_norms)
        self._norms: list[np.ndarray] = []

    def code(self, dtype: str | None) -> int:
        """The index of a dtype name in `dtypes` (-1 for None)."""
        if dtype is None:
            return NONE
        code = self._dtype_code.get(dtype)
        if code is None:
            code = self._dtype_code[dtype] = len(self.dtypes)
            self.dtypes.append(dtype)
        return code

    def add(self, t: torch.Tensor | None) -> int:
        """The provisional index of a tensor (-1 for None), queued the first time this object is seen."""
        if t is None:
            return NONE
        hit = self._seen.get(id(t))
        if hit is not None:
            return hit
        k = self._kinds.get((t.dtype, t.shape))  # one lookup for what is the same for a whole layer
        if k is None:
            k = self._kinds[(t.dtype, t.shape)] = self._kind_id(self._kind(t))
            if self._kind_list[k][0] == _WHOLE:
                self._whole[(t.dtype, t.shape)] = (k, self._kind_list[k][3])
        what, _, shape, n = self._kind_list[k]
        if what == _WHOLE:
            index = len(self._final) + len(self._queue)  # _queue_value, inlined: once per tensor
            self._queue.append(t)
            self._queue_kinds.append(k)
            self._queued_elements += n
            if self._queued_elements >= self.FLUSH_ELEMENTS:
                self._flush()
        elif t.layout == torch.strided:  # a summary: the same memory viewed the same way
            view = (t.data_ptr(), int(t.storage_offset()), shape, t.stride(), self._kind_list[k][1])
            index = self._by_view.get(view, NONE)
            if index == NONE:
                index = self._by_view[view] = self._queue_value(k, t)
        else:
            index = self._queue_value(k, t)
        self._seen[id(t)] = index
        self._held.append(t)  # the reference keeps the id (and the memory) unique
        return index

    def add_all(self, items: Sequence[SavedValue | None]) -> list[int]:
        """The provisional index of each, in order: tensors as `add`, saved Python numbers as
        `add_number`, None as -1. The columns of a pass and of the nodes, where an item is either
        met before (None and numbers too: by id) or a tensor sent whole: that case is `add`
        inlined, with one look-up of its kind and count, the queue's count in a local and the
        tensor held by the queue (`_flush` holds it after). A method call and a dozen attribute
        lookups per tensor were the largest line of a profile of shaping (48,322 tensors of the
        5,000-node MLP: 39.6 ms that way, 35.5 inlined; this loop, alternated with the last one,
        least of 31: chain 19.3 -> 15.5 ms, MLP 36.7 -> 32.9)."""
        seen, whole, held, tensor = self._seen, self._whole, self._held, torch.Tensor
        seen_get, whole_get, limit = seen.get, whole.get, self.FLUSH_ELEMENTS
        queue, queue_kinds, queued = self._queue, self._queue_kinds, self._queued_elements
        base = len(self._final)
        out: list[int] = []
        append = out.append
        for t in items:
            hit = seen_get(i := id(t))
            if hit is not None:  # met before, or None (seen at -1)
                append(hit)
                continue
            if not isinstance(t, tensor):  # a saved Python number: by value, then by id
                self._queued_elements = queued
                hit = seen[i] = self.add_number(t)  # type: ignore[arg-type]
                held.append(t)  # its id stays its own
            elif (w := whole_get((t.dtype, t.shape))) is None:
                self._queued_elements = queued
                hit = self.add(t)  # a new kind, or a summary: rare
            else:
                k, n = w
                seen[i] = index = base + len(queue)
                append(index)
                queue.append(t)  # held there, and by _flush after
                queue_kinds.append(k)
                queued += n
                if queued >= limit:
                    self._queued_elements = queued
                    self._flush()  # a new queue, and more values numbered
                    queue, queue_kinds, base, queued = self._queue, self._queue_kinds, len(self._final), 0
                continue
            queue, queue_kinds, base, queued = (
                self._queue,
                self._queue_kinds,
                len(self._final),
                self._queued_elements,
            )
            append(hit)
        self._queued_elements = queued
        return out

    def _kind(self, t: torch.Tensor) -> _Kind:
        """(sent whole or summarized, dtype code, shape, elements) of tensors of this dtype and shape:
        one tuple, shared by every tensor of them in the queue."""
        shape = tuple(t.shape)
        n = t.numel()
        # The readable form's rule (values.tensor_value): whole when small, else a summary.
        whole = (n == 1 and t.is_floating_point()) or sent_whole(list(shape), n, self.max_elements)
        return _WHOLE if whole else _SUMMARY, self.code(dtype_name(t)), shape, n

    def _kind_id(self, kind: _Kind) -> int:
        k = self._kind_ids.get(kind)
        if k is None:
            k = self._kind_ids[kind] = len(self._kind_list)
            self._kind_list.append(kind)
        return k

    def add_number(self, v: bool | int | float) -> int:
        """A saved Python number, as a value of dtype "float", "int" or "bool"; each number once."""
        key = (type(v).__name__, v.hex() if isinstance(v, float) else int(v))  # hex: -0.0 is not 0.0
        index = self._numbers.get(key)
        if index is None:
            kind = self._kind_id((_NUMBER, self.code(key[0]), (), 1))
            index = self._numbers[key] = self._queue_value(kind, v)
        return index

    def _queue_value(self, kind: int, value: object) -> int:
        index = len(self._final) + len(self._queue)
        self._queue.append(value)
        self._queue_kinds.append(kind)
        return index

    def _flush(self) -> None:
        """Give every queued value its final index: equal contents share one.

        Whole values are converted a kind (dtype and shape) at a time, and numbered with numpy: a
        new content takes the next index in queue order, an equal one its first's (or that of an
        equal value an earlier conversion numbered). Only summaries and Python numbers, a few,
        are handled one by one.
        """
        queue, kind_of = self._queue, np.asarray(self._queue_kinds, dtype=np.intp)
        self._held.extend(queue)  # add_all's tensors are held from now on (their ids stay their own)
        self._queue, self._queue_kinds, self._queued_elements = [], [], 0
        m = len(queue)
        if not m:
            return
        norms = np.full(m, -1.0)
        self._norms.append(norms)
        positions = np.arange(m)
        first_equal = positions.copy()  # position -> first position of the same content
        earlier = np.full(m, NONE, dtype=np.int64)  # position -> index of an equal earlier content
        order = np.argsort(kind_of, kind="stable")
        cuts = np.flatnonzero(np.diff(kind_of[order])) + 1
        groups: list[tuple[int, np.ndarray, np.ndarray]] = []  # (kind, queue positions, rows)
        for members in np.split(order, cuts):
            k = int(kind_of[members[0]])
            if self._kind_list[k][0] != _WHOLE:
                continue
            tensors: list[torch.Tensor] = list(map(queue.__getitem__, members.tolist()))  # type: ignore[arg-type]
            # asked once, for the stack and the norms (a 0-d tensor is)
            flags = list(map(_is_contiguous, tensors)) if self._kind_list[k][2] else None
            rows = float32_rows(tensors, self._kind_list[k][3], flags)
            if self.dtypes[self._kind_list[k][1]] == "float32":
                mask = None if flags is None or all(flags) else np.array(flags, dtype=bool)
                self._row_norms(rows, norms, members if mask is None else members[mask], mask)
            known = self._contents.get(k)
            if known is None:
                first = first_rows(rows)
                first_equal[members] = members[first]
            else:  # equal to a content an earlier conversion numbered: that index
                first = first_rows(np.concatenate([known[0], rows]))[len(known[0]) :]
                old = first < len(known[0])
                earlier[members[old]] = known[1][first[old]]
                first_equal[members[~old]] = members[first[~old] - len(known[0])]
            groups.append((k, members, rows))
        new = np.flatnonzero((first_equal == positions) & (earlier == NONE))  # in queue order
        base = len(self.shape)
        numbered = np.full(m, NONE, dtype=np.int64)  # new positions only: their index
        numbered[new] = np.arange(base, base + len(new))
        self._final.extend(np.where(earlier == NONE, numbered[first_equal], earlier).tolist())
        # Every new content is a row of the table, in index order; its numbers go in the buffer.
        kinds = self._kind_list
        new_kinds = kind_of[new]
        # by kind: dtype code and whole or not (one column each), shape (each row its own list)
        self.dtype.extend(np.array([kind[1] for kind in kinds], dtype=np.int64)[new_kinds].tolist())
        self.shape.extend(map(list, map([kind[2] for kind in kinds].__getitem__, new_kinds.tolist())))
        not_whole = np.flatnonzero(np.array([kind[0] != _WHOLE for kind in kinds], dtype=bool)[new_kinds])
        sizes = np.zeros(len(new), dtype=np.int64)  # elements in the buffer, by row
        sent = np.zeros(len(new), dtype=bool)  # has numbers in the buffer (else offset NONE)
        whole = np.zeros(len(new), dtype=bool)
        fresh: list[tuple[int, np.ndarray, np.ndarray]] = []  # (kind, new rows, their indices)
        for k, members, rows in groups:
            mine = np.flatnonzero(numbered[members] != NONE)
            indices = numbered[members[mine]]
            sizes[indices - base] = kinds[k][3]
            sent[indices - base] = whole[indices - base] = True
            fresh.append((k, rows[mine], indices))
            known = self._contents.get(k)
            self._contents[k] = (
                (rows[mine], indices)
                if known is None
                else (np.concatenate([known[0], rows[mine]]), np.concatenate([known[1], indices]))
            )
        for index in self._find_transposes(fresh):
            sent[index - base] = whole[index - base] = False
        spent = int(np.maximum(sizes[whole], 1).sum())  # as one by one: at least 1 per value
        extra: dict[int, np.ndarray] = {}  # row -> numbers, for Python numbers and summaries
        batched = self._summaries(queue, kind_of, new)
        for row, k, pos in zip(
            not_whole.tolist(), new_kinds[not_whole].tolist(), new[not_whole].tolist(), strict=True
        ):
            what, _, _, n = kinds[k]
            if what == _NUMBER:
                numbers = np.array([float(queue[pos])], dtype="<f4")
            elif n:  # a summary: its statistics and first elements, numbers like any other
                numbers = batched[row] if row in batched else summary_float32(queue[pos])
                spent += len(numbers)
                self.summarized.append(base + row)
            else:  # an empty tensor has no statistics: its shape says it all
                continue
            extra[row] = numbers
            sizes[row], sent[row] = len(numbers), True
        if spent:
            self.budget.spend(spent)
        sizes[~sent] = 0
        starts = np.cumsum(sizes) - sizes  # from this conversion's first element
        self.offset.extend(np.where(sent, starts + self._elements, NONE).tolist())
        buffer = np.empty(int(sizes.sum()), dtype="<f4")
        for k, rows, indices in fresh:
            n = kinds[k][3]
            keep = sent[indices - base]
            if n and keep.any():
                at = starts[indices[keep] - base]
                buffer[at[:, None] + np.arange(n)] = rows[keep]
        for row, numbers in extra.items():
            buffer[starts[row] : starts[row] + len(numbers)] = numbers
        self._parts.append(buffer.tobytes())
        self._elements += len(buffer)

    def _summaries(self, queue: list[object], kind_of: np.ndarray, new: np.ndarray) -> dict[int, np.ndarray]:
        """row -> summary numbers of the new summarized values of a float32 kind of at most
        SUMMARY_BATCH_ELEMENTS elements, a kind at a time (values.summary_rows: the same numbers
        as one by one); the others are left to summary_float32."""
        out: dict[int, np.ndarray] = {}
        kinds = kind_of[new]
        for k in sorted(set(kinds.tolist())):  # (np.unique without indices would import numpy.ma: 15 ms)
            what, dtype, _, n = self._kind_list[k]
            if what != _SUMMARY or self.dtypes[dtype] != "float32" or not 2 <= n <= SUMMARY_BATCH_ELEMENTS:
                continue
            rows = np.flatnonzero(kinds == k)
            tensors: list[torch.Tensor] = [queue[pos] for pos in new[rows].tolist()]
            if len(rows) < 2 or any(t.layout != torch.strided for t in tensors):
                continue
            out.update(zip(rows.tolist(), summary_rows(tensors), strict=True))
        return out

    @staticmethod
    def _row_norms(
        rows: np.ndarray, norms: np.ndarray, at: np.ndarray, contiguous: np.ndarray | None
    ) -> None:
        """The L2 norm of each contiguous tensor of a float32 kind, from its rows (its own numbers):
        into `norms` at its queue position (`at`, one per contiguous row). As grad_norms.norms
        batches them (one float64 `vector_norm` over the stacked rows, the same numbers); the step
        norms of a pass read these instead of stacking its gradients a second time (a tenth of
        shaping the 5,000-node MLP). A transposed or expanded tensor is reduced in its own memory
        order (grad_norms.norms): `contiguous` (None: all are) leaves those out."""
        n = rows.shape[1]
        if not 0 < n <= BATCHED_NORM_ELEMENTS:
            return
        batch = torch.from_numpy(rows if contiguous is None else rows[contiguous])
        norms[at] = torch.linalg.vector_norm(batch.to(torch.float64), dim=1).numpy()

    def row_norms(self, indices: list[int]) -> list[float]:
        """The float64 L2 norm of each tensor of these provisional indices as grad_norms.norms
        gives it, or -1 where the table made none (None, a large value, another dtype, not
        contiguous): call after finish."""
        known = np.concatenate(self._norms) if self._norms else np.zeros(0)
        at = np.asarray(indices, dtype=np.intp)
        out = np.full(len(at), -1.0)
        real = at >= 0
        out[real] = known[at[real]]
        return out.tolist()

    def _find_transposes(self, fresh: list[tuple[int, np.ndarray, np.ndarray]]) -> list[int]:
        """The new values that are the transpose of a value stored before them: each is sent by
        reference (`transposed`). Every nn.Linear sends its weight twice so (the parameter, and
        `t`'s saved or incoming copy), and its gradient twice (the accumulator, and what reached
        `t`): a fifth of a small MLP's numbers. Only 2-D values of at least 2×2 are looked at."""
        found: list[tuple[int, int]] = []  # (new index, index of the value it is the transpose of)
        for k, rows, indices in fresh:
            _, dtype, shape, n = self._kind_list[k]
            if len(shape) != 2 or shape[0] < 2 or shape[1] < 2 or not len(indices):
                continue
            other = self._kind_ids.get((_WHOLE, dtype, (shape[1], shape[0]), n))
            known = self._contents.get(other) if other is not None else None
            if known is None:
                continue
            stored = dict(zip(as_keys(known[0], n), known[1].tolist(), strict=True))
            flipped = np.ascontiguousarray(rows.reshape(-1, *shape).transpose(0, 2, 1)).reshape(-1, n)
            for key, index in zip(as_keys(flipped, n), indices.tolist(), strict=True):
                of = stored.get(key)
                # only a value numbered before it (a symmetric matrix's transpose is itself)
                if of is not None and of < index:
                    found.append((index, of))
        transposed = self.transposed
        out: list[int] = []
        for index, of in sorted(found):
            if of not in transposed:  # a stored value, never another transposed one
                transposed[index] = of
                out.append(index)
        return out

    def remap(self, indices: list[int]) -> list[int]:
        """Provisional indices (from add, add_number) as final ones; call after finish."""
        final = self._final_or_none
        return [final[i] for i in indices]

    def finish(self) -> CompactValues:
        """The table, its buffer encoded; from now on `remap` knows every index."""
        self._flush()
        # -1 (None) indexes the last element: a trailing NONE maps it to itself
        self._final_or_none = [*self._final, NONE]
        raw = b"".join(self._parts)
        return {
            "count": len(self.shape),
            "dtype": self.dtype,
            "shape": self.shape,
            "offset": self.offset,
            "summarized": self.summarized,
            "transposed": {"value": list(self.transposed), "of": list(self.transposed.values())},
            "buffer": base64.b64encode(raw).decode("ascii"),
        }


def float32_rows(tensors: list[torch.Tensor], n: int, contiguous: list[bool] | None = None) -> np.ndarray:
    """Tensors of one dtype and shape (n elements) as rows of float32 little-endian elements
    (`contiguous`: whether each is, if known: stacked)."""
    with torch.no_grad():
        if tensors[0].is_complex():
            rows = torch.stack([_as_float32(t) for t in tensors])
        else:  # float64 rounds, integers and bools convert: element by element, as one by one
            rows = stacked(tensors, contiguous).to(torch.float32)
    return np.ascontiguousarray(rows.numpy().reshape(len(tensors), n), dtype="<f4")


def first_rows(rows: np.ndarray) -> np.ndarray:
    """For each row, the first row holding the same bytes: -0.0 is not 0.0 and a NaN equals
    itself, as the buffer tells them apart."""
    if rows.shape[1] == 0:  # empty values are all equal
        return np.zeros(len(rows), dtype=np.intp)
    # the bytes as unsigned integers (equal bytes, equal integers): one or two numbers a row (a
    # scalar graph's every value) are one integer, sorted 3x faster than opaque bytes; wider rows
    # are sorted by a hash, and kept so only if every row equals the first of its hash (2x faster
    # for a 4x8 MLP's rows), else by their bytes
    rows = np.ascontiguousarray(rows)
    words = rows.view(np.uint64) if rows.shape[1] % 2 == 0 else rows.view(np.uint32)
    if words.shape[1] == 1:
        items = words.reshape(-1)
    else:
        _, first, inverse = np.unique(
            words @ _multipliers(words.shape[1]), return_index=True, return_inverse=True
        )
        candidate = first[inverse.reshape(-1)]
        if np.array_equal(words, words[candidate]):
            return candidate
        items = as_void(rows)
    _, first, inverse = np.unique(items, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)]


_MULTIPLIERS: dict[int, np.ndarray] = {}


def _multipliers(count: int) -> np.ndarray:
    """`count` odd 64-bit numbers (fixed: a row's hash is the sum of its words times these)."""
    found = _MULTIPLIERS.get(count)
    if found is None:
        found = _MULTIPLIERS[count] = (
            np.random.default_rng(count).integers(1, 2**63, count, dtype=np.uint64) | 1
        )
    return found


def as_void(rows: np.ndarray) -> np.ndarray:
    """Each row of float32 numbers as one opaque item (compared and sorted by its bytes)."""
    return np.ascontiguousarray(rows).view(np.dtype((np.void, 4 * rows.shape[1]))).reshape(-1)


def as_keys(rows: np.ndarray, n: int) -> list[bytes]:
    """Each row's bytes, for a dict."""
    return as_void(rows).tolist() if n else [b""] * len(rows)


def summary_float32(t: torch.Tensor) -> np.ndarray:
    """A large tensor's summary (values.summary_numbers) as float32 numbers: 12 numbers are 64 base64
    characters, the same summary as a JSON object about 200."""
    return np.ascontiguousarray(summary_numbers(t).to(torch.float32).numpy(), dtype="<f4")


def float32_floats(values: list[float | None]) -> list[float | None]:
    """Each number as the shortest decimal that reads back as the same float32 (about 8 digits, not
    17); None stays None, NaN and infinities stay (the JSON writer spells them "nan", "inf").
    Each distinct finite float32 is written once (`str` of a numpy float32, ~0.6 µs, was most of
    the step norms' cost; a converged MLP's 6,665 steps have few distinct norms)."""
    with np.errstate(over="ignore"):
        f32 = np.array([math.nan if v is None else v for v in values], dtype=np.float64).astype(np.float32)
    finite = np.isfinite(f32)
    # distinct by their bits (-0.0 is not 0.0)
    bits, inverse = np.unique(f32[finite].view(np.uint32), return_inverse=True)
    written = [float(str(f)) for f in bits.view(np.float32)]
    shortest = list(map(written.__getitem__, inverse.reshape(-1).tolist()))
    if len(shortest) == len(values):  # all finite (None is NaN here): the usual case
        return shortest  # type: ignore[return-value]
    each = iter(shortest)
    rows = zip(values, f32.tolist(), finite.tolist(), strict=True)
    return [None if v is None else next(each) if ok else f for v, f, ok in rows]


class TextTable:
    """Every text of the nodes (labels, names, symbols, saved names, notes) once, by index: a loop's
    5,000 iterations repeat a few labels, a parameter's label is its name, and an internal node's note
    is the same sentence for every one of its kind."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def column(self, texts: list[str | None]) -> list[int]:
        """Indices of `texts` (-1 for None), each new text appended."""
        index, table = self._index, self.texts
        out: list[int] = []
        for text in texts:
            if text is None:
                out.append(NONE)
                continue
            k = index.get(text)
            if k is None:
                k = index[text] = len(table)
                table.append(text)
            out.append(k)
        return out


def _as_float32(t: torch.Tensor) -> torch.Tensor:
    d = t.detach()
    if d.is_complex():
        d = d.resolve_conj().resolve_neg()
    return d.to(torch.float32)  # float64 rounds, integers and bools convert, complex keeps its real part


def flat_span(span: SourceSpan | None) -> tuple[int, int, int, int]:
    return (0, 0, 0, 0) if span is None else (span.line, span.column, span.end_line, span.end_column)


class CompactShaper:
    """TraceFacts → CompactTrace.

    Columns of value indices are filled with the table's provisional indices and remapped once the
    table is finished (ValueTable); values are added in the order the payload lists them (passes,
    nodes, history, output, grads), which fixes their final order.
    """

    def __init__(self, facts: TraceFacts, max_elements: int, max_result_bytes: int) -> None:
        self.facts = facts
        # about 5.3 characters per float32 in base64, plus its index and shape: refuse early
        self.values = ValueTable(max_elements, ResultBudget(max_result_bytes, 5))
        self._ops: list[str] = []

    def build(self, warnings: list[str]) -> CompactTrace:
        facts, values = self.facts, self.values
        add = values.add
        passes = [self._pass(p) for p in facts.passes]
        nodes = self._nodes(facts.node_columns())
        history: dict[str, list[int]] = {}
        for p in facts.passes:  # the passes shipped (all of a short program)
            for name, g in p.raw.grads_after.items():
                history.setdefault(name, []).append(add(g))
        output_value = add(facts.output)
        grads = {k: add(v) for k, v in facts.rec.named_leaf_grads().items()}
        table = values.finish()
        for shaped, p in zip(passes, facts.passes, strict=True):
            shaped["steps"]["grad_norm"] = self._step_grad_norms(p, shaped["steps"]["grad_output"])
        remap = values.remap
        for shaped in passes:
            shaped["seeds"] = remap(shaped["seeds"])
            shaped["grads"] = dict(zip(shaped["grads"], remap(list(shaped["grads"].values())), strict=True))
            shaped["node_grads"]["value"] = remap(shaped["node_grads"]["value"])
            s = shaped["steps"]
            s["grad_output"], s["value"] = remap(s["grad_output"]), remap(s["value"])
            s["accumulated"] = remap(s["accumulated"])
            if "more_outputs" in s:
                s["more_outputs"]["value"] = remap(s["more_outputs"]["value"])
        nodes["value"], nodes["grad"] = remap(nodes["value"]), remap(nodes["grad"])
        nodes["saved_value"] = remap(nodes["saved_value"])
        shown = facts.pass_by_index(None)
        edges = self._edges()
        return {
            "format": "compact",
            "version": COMPACT_VERSION,
            "mode": facts.run.mode,
            "dtypes": values.dtypes,
            "ops": self._ops,
            "autograd_functions": program_functions(facts.nodes),
            "values": table,
            "nodes": nodes,
            "edges": edges,
            "output": {
                "node": facts.output_id if facts.nodes else 0,
                "name": facts.output_name,
                "value": remap([output_value])[0],
            },
            "passes": passes,
            "pass_summaries": summaries_json(facts.rec.summaries),
            "shown_pass": facts.shown_pass if facts.rec.pass_count else None,
            "grads": dict(zip(grads, remap(list(grads.values())), strict=True)),
            "grad_history": {name: remap(indices) for name, indices in history.items()},
            "warnings": warnings,
            "printed": list(facts.run.printed),
            "stats": {
                "nodes": nodes["count"],
                "edges": edges["count"],
                "steps": shown.step_count if shown else 0,
                "passes": facts.rec.pass_count,
                "trace_ms": 0.0,
            },
        }

    def _edges(self) -> CompactEdges:
        source: list[int] = []
        target: list[int] = []
        slot: list[int] = []
        for consumer, producers in enumerate(self.facts.index.inputs):
            for k, producer_id in enumerate(producers):
                if producer_id is not None:
                    source.append(producer_id)
                    target.append(consumer)
                    slot.append(k)
        return {"count": len(source), "source": source, "target": target, "slot": slot}

    def _nodes(self, n: NodeColumns) -> CompactNodes:
        values = self.values
        count = len(n.op)
        # names coded in order of first appearance (dict.fromkeys keeps it), each column mapped in C
        self._ops[:] = dict.fromkeys(n.op)
        op_code = {op: k for k, op in enumerate(self._ops)}
        each = chain.from_iterable(zip(n.module, n.call, strict=True))  # a node's module, then its call
        loops = run_tables(n.loop, n.call_run)
        # then the loops' and the calls' (a call around a loop or call may have no node of its own;
        # the call a loop ran in is one of the calls)
        around = (run.module for run in loops.runs)
        calls = chain.from_iterable((call.region.label, call.module) for call in loops.calls)
        regions = [r for r in dict.fromkeys(chain(each, around, calls)) if r is not None]
        region_code: dict[str | None, int] = {r: k for k, r in enumerate(regions)}
        region_code[None] = NONE
        flags = [
            FLAG_REQUIRES_GRAD * r | FLAG_IS_LEAF * leaf | FLAG_IS_OUTPUT * out | FLAG_RETAINS_GRAD * kept
            for r, leaf, out, kept in zip(
                n.requires_grad, n.is_leaf, n.is_output, n.retains_grad, strict=True
            )
        ]
        noted = [i for i, note in enumerate(n.value_note) if note is not None]
        # values in node order (value, grad, saved…): the order the table numbers them
        held: list[SavedValue | None] = []
        saved_start = [0]
        saved_name: list[str] = []
        for value, grad, saved in zip(n.value, n.grad, n.saved, strict=True):
            held.append(value)
            held.append(grad)
            for key, v in saved:
                saved_name.append(key)
                held.append(v)
            saved_start.append(len(saved_name))
        indices = np.asarray(values.add_all(held), dtype=np.int64)
        at = np.arange(0, 2 * count, 2) + saved_start[:-1]  # each node's value; its grad is next
        others = np.ones(len(indices), dtype=bool)
        others[at] = others[at + 1] = False
        texts = TextTable()
        nodes: CompactNodes = {
            "count": count,
            "op": list(map(op_code.__getitem__, n.op)),
            "flags": flags,
            "label": texts.column(n.label),  # type: ignore[arg-type]
            "name": texts.column(n.name),
            "symbol": texts.column(list(self.facts.symbols) if self.facts.nodes else [None]),
            "span": list(chain.from_iterable(map(flat_span, n.span))),
            "shape": n.shape,
            "dtype": list(map(values.code, n.dtype)),  # after the values: the order dtypes are coded
            "value": indices[at].tolist(),
            "grad": indices[at + 1].tolist(),
            "notes": {"node": noted, "text": texts.column([n.value_note[i] for i in noted])},
            "saved_start": saved_start,
            "saved_name": texts.column(saved_name),  # type: ignore[arg-type]
            "saved_value": indices[others].tolist(),
            "texts": texts.texts,
            "regions": regions,
            "module": list(map(region_code.__getitem__, n.module)),
            "call": list(map(region_code.__getitem__, n.call)),
        }
        filed = [i for i, span in enumerate(n.span) if span is not None and span.file is not None]
        if filed:  # a notebook's function from another cell or file (web traces have one file)
            # appended to the very list sent as nodes.texts
            files = texts.column([n.span[i].file for i in filed])  # type: ignore[union-attr]
            nodes["span_files"] = {"node": filed, "text": files}
        if loops.runs:  # lines count from 1: 0 is none
            nodes["loop"] = loops.line
            nodes["loop_run"] = loops.run
            nodes["turn"] = loops.turn
            statements = [run.region for run in loops.runs]
            nodes["loops"] = {
                "line": [loop.line or 0 for loop in statements],
                "label": [loop.label for loop in statements],
                "outer": loops.outer,
                "outer_turn": loops.outer_turn,
                "module": [region_code[run.module] for run in loops.runs],
                "call": [region_code[call_label(run.call)] for run in loops.runs],
                "call_run": loops.run_call,
                "variable": [loop.variable for loop in statements],
                "start": [loop.start for loop in statements],
                "step": [loop.step for loop in statements],
                "over": [loop.over for loop in statements],
            }
        if loops.calls:
            nodes["call_run"] = loops.call
            nodes["calls"] = {
                "label": [region_code[call.region.label] for call in loops.calls],
                "held": [call.region.held for call in loops.calls],
                "span": list(chain.from_iterable(flat_span(call.region.span) for call in loops.calls)),
                "outer": loops.call_outer,
                "loop_run": loops.call_loop,
                "turn": loops.call_turn,
                "module": [region_code[call.module] for call in loops.calls],
            }
        return nodes

    def _pass(self, p: PassFacts) -> CompactPass:
        add = self.values.add
        raw = p.raw
        # the replay's columns as they are; its tensors (per step the gradient delivered, then per
        # contribution its gradient and accumulator) added in one call, split apart after
        indices = np.asarray(self.values.add_all(p.tensors), dtype=np.int64)
        others = np.ones(len(indices), dtype=bool)
        others[p.at] = False
        grad_output: list[int] = indices[p.at].tolist()
        contributions = indices[others]
        value: list[int] = contributions[0::2].tolist()
        accumulated: list[int] = contributions[1::2].tolist()
        if raw.kind == "grad":
            grads: dict[str, int] = {}
            for t, g in zip(raw.input_tensors, raw.results, strict=False):
                grads[self.facts.rec.name_of_tensor(t) or f"input {len(grads)}"] = add(g)
        else:
            grads = {k: add(v) for k, v in raw.grads_after.items()}
        steps: CompactSteps = {
            "count": p.step_count,
            "node": p.node,
            "grad_norm": [],  # once the table is finished (_step_grad_norms)
            "grad_output": grad_output,
            "start": p.start,
            "slot": p.slot,
            "to": p.to,
            "value": value,
            "accumulated": accumulated,
        }
        more = p.more_outputs(self.facts.index.multi_output)
        if more:  # only then: a trace without such a node is the same bytes as before
            steps["more_outputs"] = {
                "step": [k for k, _, _ in more],
                "output": [j for _, j, _ in more],
                "value": [add(g) for _, _, g in more],
            }
        shaped: CompactPass = {
            "index": p.index,
            "kind": raw.kind,
            "span": span_json(raw.span),
            "roots": p.roots,
            "seeds": [add(s) for s in raw.seeds],
            "start_narration": start_narration(self.facts, p),
            "grads": grads,
            "node_grads": {"node": [n for n, _ in p.node_grads], "value": [add(g) for _, g in p.node_grads]},
            "module_grad_norms": _float32_dict(module_grad_norms(self.facts, p)),
            "steps": steps,
        }
        if p.hooks:  # only then: a trace without hooks is the same bytes as before
            shaped["hooks"] = hooks_json(p)
        return shaped

    def _step_grad_norms(self, p: PassFacts, grad_output: list[int]) -> list[float | None]:
        """‖gradient delivered‖ of each step, as grad_norms.step_grad_norms: most read from the
        table's rows, the rest (None, large, not float32, not contiguous) taken as there."""
        sizes: list[float | None] = list(self.values.row_norms(grad_output))
        rest = [k for k, size in enumerate(sizes) if size == -1.0]
        if rest:
            delivered = p.grad_outputs()
            for k, size in zip(rest, norms([delivered[k] for k in rest]), strict=True):
                sizes[k] = size
        return float32_floats([None if v is None or not math.isfinite(v) else v for v in sizes])


def _float32_dict(numbers: dict[str, float]) -> dict[str, float]:
    return dict(zip(numbers, float32_floats(list(numbers.values())), strict=True))  # type: ignore[arg-type]


# --- reading it back -----------------------------------------------------------------------------
def decode_compact(payload: dict[str, Any]) -> dict[str, Any]:
    """The readable form rebuilt from the compact one, without step details (formulas, narration…).

    Numbers are the float32 ones the compact form carries, non-finite ones as the readable form
    writes them (null in data, listed in nonfinite).
    """
    if payload.get("version") != COMPACT_VERSION:
        version = payload.get("version")
        raise ValueError(f"compact trace version {version!r}: this decoder reads {COMPACT_VERSION}")
    values = payload["values"]
    buffer = np.frombuffer(base64.b64decode(values["buffer"]), dtype="<f4")
    dtypes = payload["dtypes"]
    summarized = set(values["summarized"])
    transposed = dict(zip(values["transposed"]["value"], values["transposed"]["of"], strict=True))

    def tv(v: int) -> dict[str, Any] | None:
        if v == NONE:
            return None
        shape = values["shape"][v]
        dtype = dtypes[values["dtype"][v]]
        offset = values["offset"][v]
        count = math.prod(shape)
        if v in transposed:  # the numbers of a stored 2-D value, transposed
            base = values["offset"][transposed[v]]
            flipped = buffer[base : base + count].reshape(shape[1], shape[0]).T
            return _sent(shape, dtype, flipped)
        if offset == NONE or v in summarized:  # a summary (none for an empty tensor)
            summary: TensorSummary | None = None
            if offset != NONE:
                end = offset + SUMMARY_STATS + min(count, SUMMARY_HEAD)
                summary = summary_of(buffer[offset:end].tolist())
            return {
                "shape": shape,
                "dtype": dtype,
                "data": None,
                "nonfinite": [],
                "summary": summary,
                "truncated": True,
            }
        return _sent(shape, dtype, buffer[offset : offset + count].reshape(shape))

    nodes = payload["nodes"]
    count = nodes["count"]

    def region_label(code: int) -> str | None:
        return None if code == NONE else nodes["regions"][code]

    texts = nodes["texts"]

    def text(k: int) -> str | None:
        return None if k == NONE else texts[k]

    symbols = [text(k) for k in nodes["symbol"]]
    notes = dict(zip(nodes["notes"]["node"], nodes["notes"]["text"], strict=True))
    files = nodes.get("span_files", {"node": [], "text": []})
    file_of = dict(zip(files["node"], files["text"], strict=True))
    loops = nodes.get("loop")
    runs, turns = nodes.get("loop_run"), nodes.get("turn")
    calls = nodes.get("call_run")
    out_nodes = []
    for i in range(count):
        flags = nodes["flags"][i]
        lo, hi = nodes["saved_start"][i], nodes["saved_start"][i + 1]
        saved = []
        for key, v in zip(nodes["saved_name"][lo:hi], nodes["saved_value"][lo:hi], strict=True):
            saved.append({"name": text(key), "shape": values["shape"][v], "value": tv(v)})
        dtype_code = nodes["dtype"][i]
        out_nodes.append(
            {
                "id": i,
                "kind": "input" if flags & FLAG_IS_LEAF else "op",
                "op": payload["ops"][nodes["op"][i]],
                "label": text(nodes["label"][i]),
                "name": text(nodes["name"][i]),
                "symbol": symbols[i],
                "span": _span(nodes["span"][4 * i : 4 * i + 4], text(file_of.get(i, NONE))),
                "shape": nodes["shape"][i],
                "dtype": None if dtype_code == NONE else dtypes[dtype_code],
                "value": tv(nodes["value"][i]),
                "value_note": text(notes.get(i, NONE)),
                "grad": tv(nodes["grad"][i]),
                "requires_grad": bool(flags & FLAG_REQUIRES_GRAD),
                "is_leaf": bool(flags & FLAG_IS_LEAF),
                "is_output": bool(flags & FLAG_IS_OUTPUT),
                "retains_grad": bool(flags & FLAG_RETAINS_GRAD),
                "saved": saved,
                "module": region_label(nodes["module"][i]),
                "call": region_label(nodes["call"][i]),
                **({"loop": loops[i]} if loops and loops[i] else {}),
                **({"loop_run": runs[i], "turn": turns[i]} if runs and turns and runs[i] >= 0 else {}),
                **({"call_run": calls[i]} if calls and calls[i] >= 0 else {}),
            }
        )
    e = payload["edges"]
    edges = [
        {"id": k, "source": e["source"][k], "target": e["target"][k], "slot": e["slot"][k]}
        for k in range(e["count"])
    ]
    complete = count <= FULL_ACCUMULATOR_NODES
    passes = []
    for p in payload["passes"]:
        s = p["steps"]
        acc: dict[int, int] = {}
        for root, seed in zip(p["roots"], p["seeds"], strict=False):
            acc[root] = seed
        more: dict[int, list[int]] = {}  # step -> the value index of each output past the first
        if "more_outputs" in s:
            m = s["more_outputs"]
            for k, j, v in zip(m["step"], m["output"], m["value"], strict=True):
                row = more.setdefault(k, [])
                row.extend([NONE] * (j - 1 - len(row)) + [v])  # outputs 1, 2, … at 0, 1, …
        steps = []
        for k in range(s["count"]):
            lo, hi = s["start"][k], s["start"][k + 1]
            changed = s["to"][lo:hi]
            for to, a in zip(changed, s["accumulated"][lo:hi], strict=True):
                acc[to] = a
            shown = range(count) if complete else dict.fromkeys(changed)
            steps.append(
                {
                    "index": k,
                    "node": s["node"][k],
                    "grad_output": tv(s["grad_output"][k]),
                    "inputs": [
                        {
                            "slot": s["slot"][j],
                            "to": s["to"][j],
                            "symbol": symbols[s["to"][j]],
                            "contribution": tv(s["value"][j]),
                        }
                        for j in range(lo, hi)
                    ],
                    "accumulators": [{"node": i, "grad": tv(acc.get(i, NONE))} for i in shown],
                    "accumulators_complete": complete,
                    "changed": changed,
                    "grad_norm": s["grad_norm"][k],
                }
            )
            if k in more:
                steps[-1]["grad_outputs"] = [tv(s["grad_output"][k])] + [tv(v) for v in more[k]]
        by_node = p.get("node_grads", {"node": [], "value": []})  # additive: absent before
        passes.append(
            {
                "index": p["index"],
                "kind": p["kind"],
                "span": p["span"],
                "roots": p["roots"],
                "seeds": [tv(v) for v in p["seeds"]],
                "start_narration": p.get("start_narration", ""),  # additive: absent before
                "steps": steps,
                "grads": {k: tv(v) for k, v in p["grads"].items()},
                "node_grads": [
                    {"node": n, "grad": tv(v)} for n, v in zip(by_node["node"], by_node["value"], strict=True)
                ],
                "module_grad_norms": p["module_grad_norms"],
            }
        )
        if "hooks" in p:
            passes[-1]["hooks"] = p["hooks"]
    return {
        "mode": payload["mode"],
        "nodes": out_nodes,
        "edges": edges,
        "autograd_functions": payload.get("autograd_functions", {}),
        "output": {**payload["output"], "value": tv(payload["output"]["value"])},
        "passes": passes,
        "pass_summaries": payload["pass_summaries"],
        "shown_pass": payload["shown_pass"],
        "grads": {k: tv(v) for k, v in payload["grads"].items()},
        "grad_history": {k: [tv(v) for v in vs] for k, vs in payload["grad_history"].items()},
        "warnings": payload["warnings"],
        "printed": payload["printed"],
        **({"stopped": payload["stopped"]} if "stopped" in payload else {}),
        **({"loops": _loop_runs(nodes["loops"], region_label)} if "loops" in nodes else {}),
        **({"calls": _call_runs(nodes["calls"], region_label)} if "calls" in nodes else {}),
    }


def _loop_runs(loops: dict[str, list[Any]], region_label: Callable[[int], str | None]) -> list[Any]:
    """The readable form's loops from the compact columns."""
    columns = (
        "line",
        "label",
        "outer",
        "outer_turn",
        "module",
        "call",
        "call_run",
        "variable",
        "start",
        "step",
        "over",
    )
    return [
        {
            "line": line,
            "label": label,
            "outer": outer if outer >= 0 else None,
            "outer_turn": turn if outer >= 0 else None,
            "module": region_label(module),
            "call": region_label(call),
            "call_run": call_run if call_run >= 0 else None,
            "variable": variable,
            "start": start,
            "step": step,
            "over": over,
        }
        for line, label, outer, turn, module, call, call_run, variable, start, step, over in zip(
            *(loops[c] for c in columns), strict=True
        )
    ]


def _call_runs(calls: dict[str, list[Any]], region_label: Callable[[int], str | None]) -> list[Any]:
    """The readable form's calls from the compact columns."""
    return [
        {
            "label": region_label(label),
            "held": held,
            "span": _span(calls["span"][4 * k : 4 * k + 4]),
            "outer": outer if outer >= 0 else None,
            "loop_run": run if run >= 0 else None,
            "turn": turn if run >= 0 else None,
            "module": region_label(module),
        }
        for k, (label, held, outer, run, turn, module) in enumerate(
            zip(*(calls[c] for c in ("label", "held", "outer", "loop_run", "turn", "module")), strict=True)
        )
    ]


def _span(flat: list[int], file: str | None = None) -> dict[str, Any] | None:
    """A span from its four flat numbers (line 0: none), as flat_span wrote them."""
    line, column, end_line, end_column = flat
    if line == 0:
        return None
    span: dict[str, Any] = {"line": line, "column": column, "end_line": end_line, "end_column": end_column}
    return {**span, "file": file} if file is not None else span


def _sent(shape: list[int], dtype: str, numbers: np.ndarray) -> dict[str, Any]:
    """A value sent whole, non-finite elements as the readable form writes them (null, nonfinite)."""
    data, nonfinite = array_data(numbers.astype(np.float64))
    return {
        "shape": shape,
        "dtype": dtype,
        "data": data.tolist() if isinstance(data, np.ndarray) else data,
        "nonfinite": nonfinite,
        "summary": None,
        "truncated": False,
    }
