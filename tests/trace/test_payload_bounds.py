"""The trace payload stays bounded: empty and oddly shaped tensors, complex values, the total size."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.sandbox.wire import result_json
from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program
from autograd_explorer.trace.values import nested_lists, tensor_value


def trace(source: str, settings: Settings | None = None, **options: Any) -> dict[str, Any]:
    return trace_program(source, {}, TraceOptions(**options), settings or Settings())


@pytest.mark.parametrize(
    ("shape", "lists"),
    [([], 1), ([5], 1), ([3, 4], 4), ([2, 3, 4], 1 + 2 + 6), ([1_000_000, 0], 1_000_001), ([0, 7], 1)],
)
def test_nested_lists_counts_the_brackets_of_the_data(shape: list[int], lists: int) -> None:
    assert nested_lists(shape, 10**9) == lists
    assert len(orjson.dumps(torch.zeros(shape).tolist()).replace(b"[]", b"[").split(b"[")) - 1 in (
        lists,
        lists - (1 if not shape else 0),  # a 0-d tensor is a bare number, no list at all
    )


def test_an_empty_tensor_with_a_huge_dimension_is_summarized_by_its_shape() -> None:
    # Found in issue 9: torch.ones(3000000, 0), 22 characters, answered 18 MB of empty lists.
    value = tensor_value(torch.ones(1_000_000, 0), 64)
    assert value == {
        "shape": [1_000_000, 0],
        "dtype": "float32",
        "data": None,
        "nonfinite": [],
        "summary": None,
        "truncated": True,
    }
    small = tensor_value(torch.ones(3, 0), 64)
    assert small is not None and small["data"].tolist() == [[], [], []] and not small["truncated"]


def test_a_program_making_one_is_answered_in_a_few_kilobytes() -> None:
    payload = trace("torch.ones(1000000, 0)")
    assert payload["output"]["value"]["summary"] is None and payload["output"]["value"]["truncated"]
    assert len(result_json(payload, prepared=True)) < 10_000


def test_a_complex_tensor_is_refused_at_the_line_that_made_it() -> None:
    # Found in issue 9: summarizing it called min() on complex numbers, a 500.
    with pytest.raises(ProgramError) as info:
        trace("c = torch.tensor((-1.0) ** 0.5)\ny = torch.ones(100) * c\ny")
    assert info.value.as_detail() == {
        "type": "runtime",
        "message": "complex numbers are not supported: `torch.tensor((-1.0) ** 0.5)` is complex",
        "line": 1,
        "column": 4,
        "end_line": 1,
        "end_column": 31,
    }


def test_summaries_of_complex_values_never_fail() -> None:
    value = tensor_value(torch.ones(100) * torch.tensor(2 + 1j), 64)
    assert value is not None and value["summary"]["min"] == 2.0 and value["summary"]["mean"] == 2.0


CHAIN = "x = torch.ones(100000, requires_grad=True)\n" + "x = x * 1.0001\n" * 30 + "y = x.sum()\ny"


def test_a_trace_too_large_to_send_is_refused_before_it_is_built() -> None:
    # Found in issue 9: 30 nodes of 100,000 values made 1.2 GB of JSON (and crashed orjson 3.8).
    with pytest.raises(ProgramError) as info:
        trace(CHAIN, max_value_elements=100_000)
    assert info.value.type == "limit"
    assert info.value.message == (
        "the trace would be more than 64,000,000 bytes of JSON, the limit (max_result_bytes): "
        "ask for fewer values (a smaller max_value_elements or program)"
    )
    assert trace(CHAIN)["stats"]["nodes"] == 1 + 30 + 1  # the control: summarized values fit easily


def test_the_limit_follows_its_setting() -> None:
    source = "x = torch.ones(1000, requires_grad=True)\ny = (x * 2).sum()\ny"
    generous = trace(source, Settings(max_result_bytes=1_000_000), max_value_elements=1000)
    assert generous["stats"]["nodes"] == 3  # x, mul, sum
    with pytest.raises(ProgramError, match=r"more than 10,000 bytes of JSON, the limit \(max_result_bytes\)"):
        trace(source, Settings(max_result_bytes=10_000), max_value_elements=1000)


def test_non_finite_elements_are_null_and_listed_so_numpy_reads_the_data_as_is() -> None:
    t = torch.tensor([[1.0, float("nan")], [float("-inf"), float("inf")]], dtype=torch.float64)
    value = tensor_value(t, 64)
    assert value is not None
    assert value["data"] == [[1.0, None], [None, None]]
    assert value["nonfinite"] == [
        {"index": [0, 1], "value": "nan"},
        {"index": [1, 0], "value": "-inf"},
        {"index": [1, 1], "value": "inf"},
    ]
    wire = orjson.loads(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))
    array = np.asarray(wire["data"], dtype=float)  # no loop, no string parsing
    assert array.shape == (2, 2) and array[0, 0] == 1.0 and np.isnan(array).sum() == 3
    for entry in wire["nonfinite"]:
        array[tuple(entry["index"])] = float(entry["value"])
    np.testing.assert_array_equal(array, t.numpy())  # nan == nan here: the oracle is the tensor itself


def test_a_non_finite_scalar_and_a_bool_tensor_are_numbers_or_null() -> None:
    scalar = tensor_value(torch.tensor(float("-inf")), 64)
    assert scalar is not None and scalar["data"] is None
    assert scalar["nonfinite"] == [{"index": [], "value": "-inf"}]
    flags = tensor_value(torch.tensor([True, False]), 64)
    assert flags is not None and flags["dtype"] == "bool"
    assert orjson.loads(orjson.dumps(flags["data"], option=orjson.OPT_SERIALIZE_NUMPY)) == [1, 0]
    big = tensor_value(torch.tensor([float("nan")] + [1.0] * 99), 10)
    assert big is not None and big["summary"] is not None
    assert big["summary"]["min"] is None and big["summary"]["head"][:2] == [None, 1.0]
