"""The compact form says exactly what the readable form says; details on demand equal the full trace's."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import torch

from autograd_explorer.examples import EXAMPLES, Example
from autograd_explorer.jsonsafe import dumps
from autograd_explorer.settings import Settings
from autograd_explorer.trace import compact
from autograd_explorer.trace.compact import ValueTable, decode_compact, first_rows, float32_rows
from autograd_explorer.trace.jobs import run_details_job, run_trace_job
from autograd_explorer.trace.values import array_data, value_array

# The server's 5 s per-request wall clock is a budget, not a test: a loaded 2-core machine ran the
# lecture-simple-nn example past it, and the examples include §8's 4000-iteration loop. Here it only
# bounds a hang.
SETTINGS = Settings(max_wall_seconds=120)

TRACED = [e for e in EXAMPLES if not e.expect_error]
DETAIL_KEYS = ("formula", "formula_value", "jacobian")
TENSOR_VALUE_KEYS = {"shape", "dtype", "data", "nonfinite", "summary", "truncated"}


def params(e: Example, **extra: Any) -> dict[str, Any]:
    return {"source": e.source, "inputs": e.inputs, "output": e.output, **extra}


def as_float32(value: dict[str, Any]) -> dict[str, Any]:
    """A readable TensorValue as the compact form carries it: float32 (a float64 may overflow to inf)."""
    data, nonfinite = array_data(value_array(value).astype(np.float32))
    return {**value, "data": data.tolist() if isinstance(data, np.ndarray) else data, "nonfinite": nonfinite}


def summary_float32(number: Any) -> Any:
    """A summary's statistic (or head) as the compact form carries it: float32, null if not finite."""
    if isinstance(number, list):
        return [summary_float32(n) for n in number]
    if number is None:
        return None
    with np.errstate(over="ignore"):
        f32 = float(np.float32(number))
    return f32 if np.isfinite(f32) else None


def shortest_float32(number: Any) -> Any:
    """A norm as the compact form writes it: the shortest decimal that reads back as its float32."""
    if number is None or isinstance(number, str):
        return number
    return float(str(np.float32(number)))


def normalized(readable: Any) -> Any:
    """The readable payload without step details, its numbers as the compact form carries them:
    every TensorValue's data and summary, the steps' and modules' gradient norms in float32."""
    if isinstance(readable, list):
        return [normalized(v) for v in readable]
    if not isinstance(readable, dict):
        return readable
    if set(readable) == TENSOR_VALUE_KEYS and readable["data"] is not None:
        return as_float32(readable)
    if set(readable) == TENSOR_VALUE_KEYS and readable["summary"] is not None:
        return {**readable, "summary": {k: summary_float32(v) for k, v in readable["summary"].items()}}
    out = {k: normalized(v) for k, v in readable.items() if k not in DETAIL_KEYS and k != "narration"}
    if "grad_norm" in out and "node" in out:  # a step
        out["grad_norm"] = shortest_float32(out["grad_norm"])
    if "module_grad_norms" in out and "steps" in out:  # a pass (pass_summaries keep theirs)
        out["module_grad_norms"] = {k: shortest_float32(v) for k, v in out["module_grad_norms"].items()}
    out.pop("stats", None)
    return out


def json_round_trip(payload: Any) -> Any:
    import orjson

    return orjson.loads(dumps(payload))


@pytest.mark.parametrize("example", TRACED, ids=[e.id for e in TRACED])
def test_compact_decodes_to_the_readable_numbers(example: Example) -> None:
    readable = json_round_trip(run_trace_job(params(example), SETTINGS))
    compact = json_round_trip(run_trace_job(params(example, format="compact"), SETTINGS))
    assert compact["format"] == "compact"
    decoded = decode_compact(compact)
    expected = normalized(readable)
    for key in expected:  # key by key: a failure names the part that differs
        assert decoded[key] == expected[key], key
    assert set(decoded) == set(expected)


def test_a_float64_program_is_sent_as_float32_and_decoded_exactly_so() -> None:
    e = Example(
        "f64",
        "",
        "",
        "x = torch.tensor([0.1, 1e-30, 3.0], dtype=torch.float64, requires_grad=True)\n(x * x).sum()",
        "",
    )
    compact = json_round_trip(run_trace_job(params(e, format="compact"), SETTINGS))
    value = decode_compact(compact)["nodes"][0]["value"]
    assert value["dtype"] == "float64"
    assert value["data"] == [float(np.float32(0.1)), float(np.float32(1e-30)), 3.0]


def test_non_finite_values_decode_as_the_readable_form() -> None:
    e = Example(
        "nan", "", "", "x = torch.tensor([1.0, 0.0, -1.0], requires_grad=True)\ny = torch.log(x)\ny.sum()", ""
    )
    readable = json_round_trip(run_trace_job(params(e), SETTINGS))
    decoded = decode_compact(json_round_trip(run_trace_job(params(e, format="compact"), SETTINGS)))
    value = decoded["nodes"][1]["value"]
    assert value["data"][1:] == [None, None]
    assert value["nonfinite"] == [{"index": [1], "value": "-inf"}, {"index": [2], "value": "nan"}]
    assert decoded["nodes"] == normalized(readable)["nodes"]


def test_compact_payload_is_at_most_300_bytes_per_node_on_a_1000_node_chain() -> None:
    source = (
        "x = torch.tensor(0.5, requires_grad=True)\ny = x\n"
        "for _ in range(500):\n    y = torch.sin(y) * 1.0001\ny"
    )
    payload = run_trace_job({"source": source, "format": "compact"}, SETTINGS)
    nodes = payload["stats"]["nodes"]
    size = len(dumps(payload))
    assert nodes == 1_001
    assert size / nodes <= 300, f"{size / nodes:.0f} bytes per node"
    readable = len(dumps(run_trace_job({"source": source, "jacobians": False}, SETTINGS)))
    assert size * 5 < readable, (size, readable)  # the point of it: several times smaller


MLP_4X8 = (
    "torch.manual_seed(0)\nW = torch.randn(8, 8, requires_grad=True)\n"
    "b = torch.randn(8, requires_grad=True)\n"
    "h = torch.randn(4, 8)\nfor _ in range(100):\n    h = torch.tanh(h @ W * 0.3 + b)\nh.sum()"
)


def test_equal_values_are_stored_once() -> None:
    payload = json_round_trip(run_trace_job({"source": MLP_4X8, "format": "compact"}, SETTINGS))
    nodes, values = payload["nodes"], payload["values"]
    ops = [payload["ops"][code] for code in nodes["op"]]
    saved: dict[tuple[str, str], list[int]] = {}
    for i in range(nodes["count"]):
        lo, hi = nodes["saved_start"][i], nodes["saved_start"][i + 1]
        for name, v in zip(nodes["saved_name"][lo:hi], nodes["saved_value"][lo:hi], strict=True):
            saved.setdefault((ops[i], nodes["texts"][name]), []).append(v)
    # W, saved by 99 matmuls (not the first: its h needs no gradient) as a new tensor object each
    # time, and the 0.3 of each Mul: once each.
    assert len(saved[("MmBackward0", "mat2")]) == 99
    assert len(set(saved[("MmBackward0", "mat2")])) == 1
    assert len(set(saved[("MulBackward0", "other")])) == 1
    # Tanh's saved result is the node's forward value: the same index.
    for i in range(nodes["count"]):
        if ops[i] == "TanhBackward0":
            lo = nodes["saved_start"][i]
            assert nodes["saved_value"][lo] == nodes["value"][i]
    # Every stored value differs from every other (dtype, shape or numbers).
    buffer = np.frombuffer(base64.b64decode(values["buffer"]), dtype="<f4")
    seen = set()
    for k in range(values["count"]):
        offset = values["offset"][k]
        if offset < 0:
            continue
        count = int(np.prod(values["shape"][k]))
        key = (values["dtype"][k], tuple(values["shape"][k]), buffer[offset : offset + count].tobytes())
        assert key not in seen, f"value {k} is stored twice"
        seen.add(key)
    # Sent by object identity this trace took 752 bytes per node; 442 once each value is stored once.
    size = len(dumps(payload))
    assert size / nodes["count"] <= 500, f"{size / nodes['count']:.0f} bytes per node"
    # And it still says what the readable form says.
    readable = json_round_trip(run_trace_job({"source": MLP_4X8, "jacobians": False}, SETTINGS))
    assert decode_compact(payload) == normalized(readable)


def test_values_converted_in_many_batches_are_numbered_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table converts its queue whenever it holds FLUSH_ELEMENTS: indices, merges and the
    buffer must not depend on where the batches were cut."""

    def trace() -> dict[str, Any]:
        payload = json_round_trip(run_trace_job({"source": MLP_4X8, "format": "compact"}, SETTINGS))
        payload["stats"]["trace_ms"] = 0
        return payload

    whole = trace()
    monkeypatch.setattr(ValueTable, "FLUSH_ELEMENTS", 7)  # a cut inside nearly every 4x8 value
    cut = trace()
    assert cut == whole
    assert len(set(whole["nodes"]["saved_value"])) < len(whole["nodes"]["saved_value"])  # merges happened


@pytest.mark.parametrize("example", TRACED, ids=[e.id for e in TRACED])
def test_details_equal_the_full_traces_steps(example: Example) -> None:
    readable = json_round_trip(run_trace_job(params(example), SETTINGS))
    if not readable["passes"]:
        return
    for p in readable["passes"]:
        index = p["index"]  # the pass's own index: past 10 passes only the shown one is in `passes`
        steps = p["steps"]
        start, stop = len(steps) // 3, len(steps)  # a window that does not start at 0
        details = json_round_trip(
            run_details_job(params(example, **{"pass": index, "steps": [start, stop]}), SETTINGS)
        )
        assert (details["pass"], details["from"], details["to"]) == (index, start, stop)
        expected = [
            {
                "index": s["index"],
                "node": s["node"],
                "narration": s["narration"],
                "inputs": [{k: v for k, v in i.items() if k != "contribution"} for i in s["inputs"]],
            }
            for s in steps[start:stop]
        ]
        assert details["steps"] == expected


def test_details_default_to_the_last_pass() -> None:
    e = next(e for e in EXAMPLES if e.id == "pitfall-accumulation")
    readable = run_trace_job(params(e), SETTINGS)
    details = run_details_job(params(e, steps=[0, 1]), SETTINGS)
    assert details["pass"] == len(readable["passes"]) - 1 > 0
    assert details["steps"][0]["narration"] == readable["passes"][-1]["steps"][0]["narration"]


def equal_rows(tensors: list[torch.Tensor], n: int) -> tuple[np.ndarray, np.ndarray]:
    """What the value table's flush does: the float32 rows, and for each the first equal row."""
    rows = float32_rows(tensors, n)
    return rows, first_rows(rows)


def test_equal_rows_compare_the_float32_bytes() -> None:
    """-0.0 is not 0.0, a NaN equals itself, float64 values equal once rounded to float32 are equal."""
    nan = float("nan")
    tensors = [torch.tensor([0.0, 1.0]), torch.tensor([-0.0, 1.0]), torch.tensor([nan, 1.0])]
    tensors += [torch.tensor([0.0, 1.0]), torch.tensor([nan, 1.0])]
    rows, first = equal_rows(tensors, 2)
    assert first.tolist() == [0, 1, 2, 0, 2]
    assert rows.dtype == np.dtype("<f4") and rows.shape == (5, 2)
    assert rows[1].tobytes() == np.array([-0.0, 1.0], dtype="<f4").tobytes()
    doubles = [torch.tensor(0.1, dtype=torch.float64), torch.tensor(0.1 + 1e-17, dtype=torch.float64)]
    rows, first = equal_rows(doubles, 1)
    assert first.tolist() == [0, 0] and rows[0, 0] == np.float32(0.1)
    assert equal_rows([torch.ones(3, 0), torch.zeros(3, 0)], 0)[1].tolist() == [0, 0]


@pytest.mark.parametrize("n", [1, 2, 3, 8, 33])
@pytest.mark.parametrize("colliding", [False, True])
def test_first_rows_is_the_first_row_of_the_same_bytes(
    n: int, colliding: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One or two numbers a row are compared as one integer, wider rows by a hash checked against
    the rows (every hash equal: by their bytes): the same answer as a dict of each row's bytes."""
    if colliding:
        monkeypatch.setattr(compact, "_multipliers", lambda count: np.zeros(count, dtype=np.uint64))
    g = torch.Generator().manual_seed(4)
    rows = torch.randn(3000, n, generator=g).numpy()
    rows[::5] = rows[7]  # repeats, the first of them after others
    rows[10], rows[11], rows[12], rows[13] = -0.0, 0.0, np.nan, np.nan
    first = first_rows(rows)
    by_bytes: dict[bytes, int] = {}
    expected = [by_bytes.setdefault(row.tobytes(), k) for k, row in enumerate(rows)]
    assert first.tolist() == expected
    assert first[12] == 12 and first[13] == 12 and first[10] != first[11]


LINEAR_MLP = """import torch
torch.manual_seed(0)

class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(12, 9)
        self.fc2 = torch.nn.Linear(9, 5)
        self.fc3 = torch.nn.Linear(5, 3)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)

model = MLP()
X = torch.randn(4, 12)
loss = torch.nn.functional.mse_loss(model(X), torch.randn(4, 3))
loss.backward()
"""


def test_layers_of_different_sizes_send_transposes_and_summaries_as_numbers() -> None:
    """Version 2: a Linear's weight and gradient travel once though `t` sees them transposed, a
    large tensor's summary is numbers in the buffer, and each text is sent once; decoded, the same."""
    payload = json_round_trip(run_trace_job({"source": LINEAR_MLP, "format": "compact"}, Settings()))
    values, nodes = payload["values"], payload["nodes"]
    assert payload["version"] == 2
    # fc1's 9x12 weight (108 numbers) is summarized; fc2's 5x9 and fc3's 3x5 are whole, each with
    # its transpose (the saved mat2 of addmm, the gradient reaching `t`) sent by reference.
    assert values["summarized"], "no summarized value"
    shapes = [values["shape"][v] for v in values["transposed"]["value"]]
    assert [9, 5] in shapes and [5, 3] in shapes, shapes
    for v, of in zip(values["transposed"]["value"], values["transposed"]["of"], strict=True):
        assert values["offset"][v] == -1 and values["shape"][v] == values["shape"][of][::-1]
    texts = nodes["texts"]
    assert len(texts) == len(set(texts))
    assert [texts[k] for k in nodes["name"] if k >= 0].count("model.fc2.weight") == 1
    readable = json_round_trip(run_trace_job({"source": LINEAR_MLP, "jacobians": False}, Settings()))
    decoded, expected = decode_compact(payload), normalized(readable)
    for key in expected:
        assert decoded[key] == expected[key], key
    # 544 bytes per node in version 1 (summaries as JSON objects, transposes and texts repeated), 436
    # then; 460 since each layer's `t` is labelled and noted by its call (`t in self.fc1(x)`: 3 texts, not 1);
    # 486 since each `t` shows its value (a reference to the weight's numbers) and says so in its note
    size = len(dumps(payload)) / nodes["count"]
    assert size <= 495, f"{size:.0f} bytes per node"


def test_a_symmetric_matrix_is_stored_not_sent_as_its_own_transpose() -> None:
    source = "a = torch.tensor([[1.0, 2.0], [2.0, 3.0]], requires_grad=True)\n(a * a).sum()"
    payload = json_round_trip(run_trace_job({"source": source, "format": "compact"}, Settings()))
    values = payload["values"]
    for v, of in zip(values["transposed"]["value"], values["transposed"]["of"], strict=True):
        assert v != of and values["offset"][of] >= 0
    readable = json_round_trip(run_trace_job({"source": source, "jacobians": False}, Settings()))
    assert decode_compact(payload)["nodes"] == normalized(readable)["nodes"]


def test_a_summary_and_a_transposed_value_decode_with_the_readable_forms_nulls() -> None:
    """Version 2's buffer numbers carry NaN and infinities as float32; decoded, a summary's
    statistics are null where not finite and a transposed value lists its elements in nonfinite,
    as the readable form writes them."""
    source = (
        "w = torch.tensor([[1.0, float('nan'), 2.0], [float('inf'), 3.0, 4.0]], requires_grad=True)\n"
        "m = torch.ones(40, 40)\nm[0, 1] = float('-inf')\nbig = m.requires_grad_()\n"
        "(w.t() * 2.0).sum() + big.sum()"
    )
    payload = json_round_trip(run_trace_job({"source": source, "format": "compact"}, SETTINGS))
    values = payload["values"]
    assert values["summarized"] and values["transposed"]["value"]
    decoded = decode_compact(payload)
    readable = json_round_trip(run_trace_job({"source": source, "jacobians": False}, SETTINGS))
    assert decoded["nodes"] == normalized(readable)["nodes"]
    by_label = {n["label"]: n["value"] for n in decoded["nodes"]}
    w, wt = by_label["w"], by_label["w.t()"]
    assert wt["data"] == [[1.0, None], [None, 3.0], [2.0, 4.0]]
    assert wt["nonfinite"] == [{"index": [0, 1], "value": "inf"}, {"index": [1, 0], "value": "nan"}]
    assert w["nonfinite"] == [{"index": [0, 1], "value": "nan"}, {"index": [1, 0], "value": "inf"}]
    big = by_label["m"]  # `big = m.requires_grad_()` is m itself, named by its first name
    assert big["data"] is None and big["nonfinite"] == []
    assert big["summary"] == {
        "min": None,
        "max": 1.0,
        "mean": None,
        "std": None,
        "head": [1.0, None] + [1.0] * 6,
    }


def _one_by_one(table: ValueTable, items: list[Any]) -> list[int]:
    """The plain path add_all stands for: `add` per tensor, `add_number` per Python number."""
    return [
        compact.NONE if v is None else table.add(v) if isinstance(v, torch.Tensor) else table.add_number(v)
        for v in items
    ]


@pytest.mark.parametrize("flush_elements", [7, 1 << 20])
def test_add_all_numbers_items_as_add_one_by_one(
    monkeypatch: pytest.MonkeyPatch, flush_elements: int
) -> None:
    """Met-before objects, None, repeated Python numbers, new kinds, summaries and a Parameter, in
    two calls (the second meeting the first's objects), with and without cuts of the queue: the same
    provisional indices, then the same table, as one `add` or `add_number` at a time."""
    monkeypatch.setattr(ValueTable, "FLUSH_ELEMENTS", flush_elements)
    torch.manual_seed(0)
    a, b = torch.randn(4, 8), torch.randn(8)
    big = torch.randn(40, 40)  # summarized at max_elements 100
    weight = torch.nn.Parameter(torch.randn(3, 3))
    first: list[Any] = [a, None, 0.3, a, b, 2, True, big, big.t(), weight, torch.tensor(1.5), 0.3, -0.0, None]
    second: list[Any] = [b, a.clone(), 0.3, torch.zeros(4, 8, dtype=torch.float64), big, 7, torch.tensor(1.5)]
    fast = ValueTable(100, compact.ResultBudget(10**9, 5))
    plain = ValueTable(100, compact.ResultBudget(10**9, 5))
    assert fast.add_all(first) == _one_by_one(plain, first)
    assert fast.add_all(second) == _one_by_one(plain, second)
    assert fast.finish() == plain.finish()
    assert fast.remap(list(range(len(fast._final)))) == plain.remap(list(range(len(plain._final))))


def test_float32_floats_writes_each_number_as_alone() -> None:
    """Distinct floats are written once and shared: every one as `float(str(float32))` writes it,
    -0.0 apart from 0.0, None kept, non-finite ones as float(float32)."""
    rng = np.random.default_rng(0)
    spread = rng.standard_normal(300) * 10.0 ** rng.integers(-40, 40, 300)
    values: list[float | None] = [float(v) for v in spread]
    values += [float(v) for v in np.repeat(rng.standard_normal(20), 5)]
    values += [None, 0.0, -0.0, 0.0, float("inf"), float("-inf"), float("nan"), 1e39, 1e-46, 0.1, None]
    with np.errstate(over="ignore"):
        f32 = np.array([np.nan if v is None else v for v in values]).astype(np.float32)
    expected = [
        None if v is None else float(str(f)) if np.isfinite(f) else float(f)
        for v, f in zip(values, f32, strict=True)
    ]
    got = compact.float32_floats(values)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert (g is None and e is None) or (g is not None and e is not None and repr(g) == repr(e))
    assert compact.float32_floats([]) == []
    assert compact.float32_floats([1.0, 2.0]) == [1.0, 2.0]


def test_a_payload_made_before_the_additive_fields_decodes() -> None:
    """autograd_functions and each pass's start_narration came later in version 2: read as none."""
    e = Example("old", "", "", "x = torch.tensor(2.0, requires_grad=True)\nx * x", "")
    compact = json_round_trip(run_trace_job(params(e, format="compact"), SETTINGS))
    assert compact["autograd_functions"] == {}
    assert compact["passes"][0]["start_narration"].startswith("Start:")
    del compact["autograd_functions"]
    for p in compact["passes"]:
        del p["start_narration"]
    decoded = decode_compact(compact)
    assert decoded["autograd_functions"] == {} and decoded["passes"][0]["start_narration"] == ""
