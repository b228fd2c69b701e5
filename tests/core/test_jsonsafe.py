"""Payloads stay valid JSON whatever the numbers and memory layout."""

from __future__ import annotations

import json

import numpy as np
import torch

from autograd_explorer.jsonsafe import dumps, finite_or_str, sanitize, tensor_to_json


def test_non_finite_numbers_become_strings() -> None:
    assert [finite_or_str(v) for v in (1.5, float("nan"), float("inf"), float("-inf"))] == [
        1.5,
        "nan",
        "inf",
        "-inf",
    ]
    data = tensor_to_json(torch.tensor([[1.0, float("nan")], [float("inf"), -2.0]]))
    assert data == [[1.0, "nan"], ["inf", -2.0]]


def test_transposed_tensors_serialize() -> None:
    t = torch.arange(6.0).reshape(2, 3).T  # not contiguous
    assert json.loads(dumps(sanitize({"t": t}))) == {"t": [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]}


def test_nested_plain_data_is_walked() -> None:
    out = json.loads(dumps(sanitize({"a": [float("nan"), np.float32(2.5), (np.int64(3),)]})))
    assert out == {"a": ["nan", 2.5, [3]]}


def test_integers_beyond_64_bits_become_text() -> None:
    assert json.loads(dumps(sanitize({"steps": 10**22, "ok": 5, "flag": True}))) == {
        "steps": "10000000000000000000000",
        "ok": 5,
        "flag": True,
    }
