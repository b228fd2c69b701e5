"""Tensors as the payload's TensorValue: whole when small, a summary above a size setting."""

from __future__ import annotations

from typing import Any

import torch

from autograd_explorer.jsonsafe import finite_or_str, tensor_to_json

SUMMARY_HEAD = 8  # elements shown in a summary


_DTYPE_NAMES: dict[torch.dtype, str] = {}


def dtype_name(t: torch.Tensor) -> str:
    """'float32' rather than 'torch.float32'."""
    name = _DTYPE_NAMES.get(t.dtype)
    if name is None:
        name = _DTYPE_NAMES[t.dtype] = str(t.dtype).removeprefix("torch.")
    return name


def tensor_value(t: torch.Tensor | None, max_elements: int) -> dict[str, Any] | None:
    """TensorValue: {shape, dtype, data | null, summary | null, truncated}."""
    if t is None:
        return None
    if t.requires_grad:  # detach() costs microseconds; gradients from hooks rarely need it
        t = t.detach()
    shape = list(t.shape)
    if t.numel() == 1 and t.is_floating_point():  # the common case, kept cheap
        return {
            "shape": shape,
            "dtype": dtype_name(t),
            "data": _scalar_data(t),
            "summary": None,
            "truncated": False,
        }
    if t.numel() <= max_elements and nested_lists(shape, max_elements) <= max_elements:
        return {
            "shape": shape,
            "dtype": dtype_name(t),
            "data": tensor_to_json(t),
            "summary": None,
            "truncated": False,
        }
    # An empty tensor has no statistics: its shape says it all.
    summary = summarize(t) if t.numel() else None
    return {"shape": shape, "dtype": dtype_name(t), "data": None, "summary": summary, "truncated": True}


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


def summarize(t: torch.Tensor) -> dict[str, Any]:
    """min, max, mean, std and the first few elements of a large (non-empty) tensor."""
    flat = t.detach().reshape(-1)
    if flat.is_complex():  # the tracer refuses complex programs; stay total like tensor_to_json
        flat = flat.real
    if not flat.is_floating_point():
        flat = flat.double()
    stats = torch.stack(
        [flat.min(), flat.max(), flat.mean(), flat.std() if flat.numel() > 1 else flat[0] * 0]
    )
    return {
        "min": finite_or_str(float(stats[0])),
        "max": finite_or_str(float(stats[1])),
        "mean": finite_or_str(float(stats[2])),
        "std": finite_or_str(float(stats[3])),
        "head": tensor_to_json(flat[:SUMMARY_HEAD]),
    }


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


def _scalar_data(t: torch.Tensor) -> object:
    value = finite_or_str(t.item())
    return _nest(value, t.dim())


def _nest(value: object, depth: int) -> object:
    for _ in range(depth):
        value = [value]
    return value
