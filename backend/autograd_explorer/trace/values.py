"""Tensors as the payload's TensorValue: whole when small, a summary above a size setting.

Non-finite elements are null in `data`, and `nonfinite` says where they were and what they were
(docs/api.md, Numbers): `np.asarray(data, dtype=float)` reads data as is (null is nan), and a
typed client sees numbers or null, never strings.
"""

from __future__ import annotations

import math
import operator
from itertools import compress
from typing import Any, cast

import numpy as np
import torch

from autograd_explorer.jsonsafe import finite_or_none, non_finite_name
from autograd_explorer.trace.payload import TensorSummary, TensorValue

SUMMARY_HEAD = 8  # elements shown in a summary


_DTYPE_NAMES: dict[torch.dtype, str] = {}


def dtype_name(t: torch.Tensor) -> str:
    """'float32' rather than 'torch.float32'."""
    name = _DTYPE_NAMES.get(t.dtype)
    if name is None:
        name = _DTYPE_NAMES[t.dtype] = str(t.dtype).removeprefix("torch.")
    return name


_NUMBER_DTYPES = (torch.float32, torch.float64)
_NUMPY_DTYPES = {torch.float32: np.float32, torch.float64: np.float64}


def stacked(tensors: list[torch.Tensor], contiguous: list[bool] | None = None) -> torch.Tensor:
    """torch.stack of tensors of one dtype and shape; 0-d floats (a scalar graph's every value)
    are read as Python numbers and made one tensor: stack's per-tensor view cost 1 µs a scalar,
    `item()` 0.4. Each float32 or float64 number reads back exactly, so the result is the same bits.
    `contiguous`: whether each is, when the caller has asked (else they are asked here)."""
    first = tensors[0]
    if first.dim() == 0 and first.dtype in _NUMBER_DTYPES:
        # read in C: 20% less than stack; numpy makes the array of 15,000 numbers 3x faster than
        # torch.tensor (0.23 ms, not 0.77), the same bits (each number converts as a C cast)
        numbers = np.array(list(map(_item, tensors)), dtype=_NUMPY_DTYPES[first.dtype])
        return torch.from_numpy(numbers)
    # Contiguous first: one expanded gradient (the `ones` of a sum's backward) among 3,000
    # activations sent torch.stack down its slow path for all, 10x slower (3 ms, not 0.3).
    if contiguous is None:
        contiguous = list(map(_is_contiguous, tensors))  # asked in C
    if not all(contiguous):  # only those few copied
        tensors = list(tensors)
        for i in compress(range(len(tensors)), map(operator.not_, contiguous)):
            tensors[i] = tensors[i].contiguous()
    return torch.stack(tensors)


_is_contiguous = torch.Tensor.is_contiguous
_item = torch.Tensor.item


def tensor_value(t: torch.Tensor | None, max_elements: int) -> dict[str, Any] | None:
    """TensorValue: {shape, dtype, data | null, nonfinite, summary | null, truncated}."""
    if t is None:
        return None
    if t.requires_grad:  # detach() costs microseconds; gradients from hooks rarely need it
        t = t.detach()
    shape = list(t.shape)
    if t.numel() == 1 and t.is_floating_point():  # the common case, kept cheap
        value = t.item()
        finite = math.isfinite(value)
        return {
            "shape": shape,
            "dtype": dtype_name(t),
            "data": _nest(value if finite else None, t.dim()),
            "nonfinite": [] if finite else [{"index": [0] * t.dim(), "value": non_finite_name(value)}],
            "summary": None,
            "truncated": False,
        }
    if sent_whole(shape, t.numel(), max_elements):
        data, nonfinite = array_data(_as_numpy(t))
        return {
            "shape": shape,
            "dtype": dtype_name(t),
            "data": data,
            "nonfinite": nonfinite,
            "summary": None,
            "truncated": False,
        }
    # An empty tensor has no statistics: its shape says it all.
    summary = summarize(t) if t.numel() else None
    return {
        "shape": shape,
        "dtype": dtype_name(t),
        "data": None,
        "nonfinite": [],
        "summary": summary,
        "truncated": True,
    }


def whole_tensor_value(t: torch.Tensor) -> TensorValue:
    """A TensorValue with every element, its data plain lists (what a pydantic answer holds)."""
    value = tensor_value(t, max(t.numel(), 1))
    assert value is not None and not value["truncated"]
    if isinstance(value["data"], np.ndarray):
        value["data"] = value["data"].tolist()
    return cast(TensorValue, value)


def value_array(value: TensorValue | dict[str, Any]) -> np.ndarray[Any, Any]:
    """A sent (not summarized) TensorValue's elements as float64, nan and ±inf back where they were."""
    array = np.array(value["data"], dtype=float)
    for entry in value["nonfinite"]:
        array[tuple(entry["index"])] = float(entry["value"])
    return array


def array_data(array: np.ndarray[Any, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """A TensorValue's `data` and `nonfinite` of an array: numbers, null where not finite.

    Booleans are written 0/1 (the dtype says bool), so every element is a JSON number. All-finite
    arrays (the common case) stay numpy for orjson's fast native path, which only takes
    C-contiguous memory (a transposed tensor is not).
    """
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    if np.issubdtype(array.dtype, np.integer):
        return (array if array.ndim else array.item()), []
    finite = np.isfinite(array)
    if finite.all():
        return (array if array.ndim else float(array)), []
    where = ~finite
    nonfinite = [
        {"index": index, "value": non_finite_name(value)}
        for index, value in zip(np.argwhere(where).tolist(), array[where].tolist(), strict=True)
    ]
    if array.ndim == 0:
        return None, nonfinite
    data = array.astype(object)
    data[where] = None
    return data.tolist(), nonfinite


def _as_numpy(t: torch.Tensor) -> np.ndarray[Any, Any]:
    """The tensor's values on the CPU (half precisions widened, the real part of a complex one)."""
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float()
    if t.is_complex():
        t = t.real
    return t.cpu().numpy()


def sent_whole(shape: list[int], elements: int, max_elements: int) -> bool:
    """Whether a value is sent whole (its data) rather than summarized: the one rule of both forms,
    which the recorder also follows to know which values it may keep uncopied."""
    return elements <= max_elements and nested_lists(shape, max_elements) <= max_elements


def nested_lists(shape: list[int], stop_after: int) -> int:
    """How many JSON lists the tensor's data would take, counted up to just past `stop_after`.

    Elements alone do not bound the text: `torch.ones(3000000, 0)` has none, yet its data is
    three million empty lists (18 MB for a 22-character program).
    """
    total, rows = 1, 1
    for size in shape[:-1]:
        rows *= size
        total += rows
        if total > stop_after:
            break
    return total


def summary_numbers(t: torch.Tensor) -> torch.Tensor:
    """A large (non-empty) tensor's summary as one 1-D tensor: min, max, mean, std, then its first
    SUMMARY_HEAD elements, in its own floating dtype (float64 for integers and bools; the real part
    of a complex one, as _as_numpy). Both payload forms read these numbers: the readable one as
    floats (summarize), the compact one rounded to float32."""
    with torch.no_grad():
        flat = t.detach().reshape(-1)
        if flat.is_complex():  # the tracer refuses complex programs; stay total like _as_numpy
            flat = flat.real
        if not flat.is_floating_point():
            flat = flat.double()
        spread = flat.std() if flat.numel() > 1 else flat[0] * 0
        return torch.cat([torch.stack([flat.min(), flat.max(), flat.mean(), spread]), flat[:SUMMARY_HEAD]])


SUMMARY_BATCH_ELEMENTS = 1024  # larger float32 values are summarized one by one (no faster batched)


def summary_rows(tensors: list[torch.Tensor]) -> np.ndarray[Any, Any]:
    """`summary_numbers` of each of these float32 tensors of one shape (2 to SUMMARY_BATCH_ELEMENTS
    elements), as the rows of one float32 array, the same bits: six reductions for all of them,
    not six per tensor (a transformer's 700 summarized weights and gradients cost 40 ms so).

    PyTorch takes the std of a whole float tensor in two passes: its mean (the float32 one, as
    `mean` gives it) widened to float64, then the squares of the float64 differences summed in
    order, divided by n - 1 and rooted in float64, rounded to float32. `std(dim=1)` would use
    Welford's method (other last bits), so the same two passes are written here; the numpy
    running sum adds in the same order (tests/trace/test_values.py holds every row equal to
    summary_numbers). A tensor not contiguous is reduced in its own memory order, and a NaN's
    min and max are not the same NaN bits batched: those rows are taken one by one.
    """
    out = np.empty((len(tensors), STATS + min(tensors[0].numel(), SUMMARY_HEAD)), dtype=np.float32)
    contiguous = [t.is_contiguous() for t in tensors]
    batch = [t for t, c in zip(tensors, contiguous, strict=True) if c]
    alone = [k for k, c in enumerate(contiguous) if not c]
    if batch:
        with torch.no_grad():
            rows = torch.stack([t.detach() for t in batch]).reshape(len(batch), -1)
            mean = rows.mean(dim=1)
            apart = rows.double() - mean.double()[:, None]
            squares = torch.from_numpy(np.cumsum((apart * apart).numpy(), axis=1)[:, -1])
            spread = torch.sqrt(squares / (rows.shape[1] - 1)).float()
            stats = torch.stack([rows.amin(dim=1), rows.amax(dim=1), mean, spread], dim=1)
            numbers = torch.cat([stats, rows[:, :SUMMARY_HEAD]], dim=1).numpy()
        at = np.flatnonzero(contiguous)
        out[at] = numbers
        alone += at[np.isnan(numbers[:, 0]) | np.isnan(numbers[:, 1])].tolist()
    for k in alone:
        out[k] = summary_numbers(tensors[k]).numpy()
    return out


STATS = 4  # min, max, mean, std: the first numbers of summary_numbers


def summarize(t: torch.Tensor) -> TensorSummary:
    """min, max, mean, std and the first few elements of a large (non-empty) tensor."""
    return summary_of(summary_numbers(t).tolist())


def summary_of(numbers: list[float]) -> TensorSummary:
    """The TensorSummary of summary_numbers' numbers (non-finite ones null)."""
    low, high, mean, std, *head = (finite_or_none(v) for v in numbers)
    return {"min": low, "max": high, "mean": mean, "std": std, "head": head}


def short_repr(t: torch.Tensor | None, digits: int = 4) -> str:
    """A compact human text of a value for narration: '3', '-0.5', 'a 5-vector', 'a 2×3 matrix'."""
    if t is None:
        return "nothing"
    if t.numel() == 1:
        return format_number(t.item(), digits)
    if t.dim() == 1 and t.numel() <= 4:
        return "[" + ", ".join(format_number(float(v), digits) for v in t.detach()) + "]"
    shape = "×".join(str(s) for s in t.shape)
    kind = {1: "-vector", 2: " matrix"}.get(t.dim(), " tensor")
    return f"a {shape}{kind}"


def format_number(v: float, digits: int = 4) -> str:
    """A number as a student writes it: 3, -0.5, 1.234e-05; never '-0'."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    return text


def _nest(value: object, depth: int) -> object:
    for _ in range(depth):
        value = [value]
    return value
