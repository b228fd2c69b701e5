"""JSON that stays valid: non-finite floats are written on purpose, never left to the encoder.

orjson would write NaN as null (silently, with no word of what it was) and the stdlib writes bare
NaN (invalid JSON); a checker once got a 500 from {"x": 1e300}. Every payload the app sends goes
through here. What the API answers writes them null (finite_or_none; a tensor also lists them,
trace/values.py); what crosses the worker pipe keeps them as "nan", "inf", "-inf" (finite_or_str),
so the server reads back the very float.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
import orjson
import torch
from pydantic import PlainSerializer


def non_finite_name(value: float) -> Literal["nan", "inf", "-inf"]:
    """The name of a value that is not finite (a TensorValue's `nonfinite` entries say it so)."""
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def finite_or_str(value: float) -> float | str:
    """A float as JSON can carry it, and float() reads back."""
    return value if math.isfinite(value) else non_finite_name(value)


def finite_or_none(value: float) -> float | None:
    """`value` when finite, else None (JSON null): how the API's answers write numbers (docs/api.md)."""
    return value if math.isfinite(value) else None


# Use in pydantic schemas for every float that a computation produced.
JsonFloat = Annotated[float, PlainSerializer(finite_or_str, return_type=float | str, when_used="json")]


def array_to_json(array: np.ndarray[Any, Any]) -> Any:
    """A numeric array as nested lists (or a scalar), non-finite entries as strings.

    All-finite arrays (the common case) are returned as numpy for orjson's fast native path,
    which only takes C-contiguous memory (a transposed tensor is not).
    """
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer):
        return array if array.ndim else array.item()
    if np.isfinite(array).all():
        return array if array.ndim else float(array)
    if array.ndim == 0:
        return finite_or_str(float(array))
    return _replace_non_finite(array.tolist())


def tensor_to_json(tensor: torch.Tensor) -> Any:
    """A tensor's values as JSON-ready data (detached, on the CPU, float64 kept as is)."""
    t = tensor.detach()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float()
    if t.is_complex():
        t = t.real
    return array_to_json(t.cpu().numpy())


def _replace_non_finite(value: Any) -> Any:
    if isinstance(value, list):
        return [_replace_non_finite(v) for v in value]
    if isinstance(value, float):
        return finite_or_str(value)
    return value


def sanitize(value: Any, non_finite: Callable[[float], float | str | None] = finite_or_str) -> Any:
    """Walk plain data (dicts, lists, floats, arrays, tensors) and make every number JSON-safe.

    Non-finite floats become `non_finite(value)`: strings by default (what crosses the worker
    pipe), null for what the API answers (finite_or_none: figures, training events); integers
    beyond 64 bits, which orjson refuses, become strings.
    """
    if isinstance(value, float):
        return non_finite(value)
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, dict):
        return {k: sanitize(v, non_finite) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize(v, non_finite) for v in value]
    if isinstance(value, np.ndarray | torch.Tensor) and non_finite is not finite_or_str:
        return sanitize(value.tolist(), non_finite)
    if isinstance(value, np.ndarray):
        return array_to_json(value)
    if isinstance(value, torch.Tensor):
        return tensor_to_json(value)
    if isinstance(value, np.floating):
        return non_finite(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def dumps(content: Any, *, indent: bool = False) -> bytes:
    """Serialize already-sanitized content (numpy arrays allowed) with orjson."""
    option = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(content, option=option | orjson.OPT_INDENT_2 if indent else option)
