"""The tracer on the lecture's programs, checked against hand derivations and torch in float64."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.examples import get_example
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.tracer import TraceOptions, record_program, trace_program


def trace(source: str, inputs: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    return trace_program(source, inputs or {}, TraceOptions(**options), Settings())


def example(example_id: str) -> dict[str, Any]:
    e = get_example(example_id)
    return trace(e.source, e.inputs, output=e.output)


def data(tv: dict[str, Any] | None) -> Any:
    assert tv is not None
    value = tv["data"]
    return value.tolist() if hasattr(value, "tolist") else value


def node_by_op(payload: dict[str, Any], op: str) -> dict[str, Any]:
    return next(n for n in payload["nodes"] if n["op"] == op)


def test_polynomial_graph_has_pytorch_nodes_in_topological_order() -> None:
    p = trace("x**3 - 3*x", {"x": 1.0})
    assert [n["op"] for n in p["nodes"]] == ["AccumulateGrad", "PowBackward0", "MulBackward0", "SubBackward0"]
    assert [n["kind"] for n in p["nodes"]] == ["input", "op", "op", "op"]
    assert p["nodes"][0]["name"] == "x"
    assert [n["label"] for n in p["nodes"][1:]] == ["x**3", "3*x", "x**3 - 3*x"]
    assert data(p["output"]["value"]) == -2.0
    assert p["output"]["node"] == 3 and p["nodes"][3]["is_output"]
    assert {(e["source"], e["target"], e["slot"]) for e in p["edges"]} == {
        (0, 1, 0),
        (0, 2, 0),
        (1, 3, 0),
        (2, 3, 1),
    }


def test_polynomial_backward_accumulates_three_and_minus_three_at_x() -> None:
    p = trace("x**3 - 3*x", {"x": 1.0})
    steps = p["passes"][-1]["steps"]
    # Every node is visited once; the output first with ∂f/∂f = 1.
    assert sorted(s["node"] for s in steps) == [0, 1, 2, 3]
    assert steps[0]["node"] == 3 and data(steps[0]["grad_output"]) == 1.0
    arriving_at_x = [data(i["contribution"]) for s in steps for i in s["inputs"] if i["to"] == 0]
    assert sorted(arriving_at_x) == [-3.0, 3.0]  # 3x² and −3, in the engine's order
    assert steps[-1]["accumulators"][0]["node"] == 0
    assert data(steps[-1]["accumulators"][0]["grad"]) == 0.0
    assert data(p["grads"]["x"]) == 0.0
    pow_step = next(s for s in steps if s["node"] == 1)
    assert pow_step["inputs"][0]["formula"] == "3x^{2}"
    assert pow_step["inputs"][0]["formula_value"].endswith("= 3")
    assert (
        "Power node z₁ = x³: incoming gradient 1, local gradient 3x² = 3, adds 3 to x's accumulator"
        in (pow_step["narration"])
    )
    assert all(s["narration"] for s in steps)


def test_accumulator_table_starts_at_seed_and_marks_changes() -> None:
    p = trace("x**3 - 3*x", {"x": 1.0})
    first = p["passes"][-1]["steps"][0]
    assert first["accumulators_complete"] is True
    assert first["changed"] == [1, 2]
    # Every node of a small graph, by id: one {node, grad} each, the same integers as `changed`.
    assert [a["node"] for a in first["accumulators"]] == [0, 1, 2, 3]
    assert data(first["accumulators"][3]["grad"]) == 1.0
    assert first["accumulators"][0]["grad"] is None  # nothing has reached x yet (0)


def test_least_squares_jacobians_have_the_lectures_shapes_and_gradient() -> None:
    e = get_example("least-squares")
    p = trace(e.source)
    steps = p["passes"][-1]["steps"]
    shapes = {tuple(i["jacobian"]["shape"]) for s in steps for i in s["inputs"] if i["jacobian"]}
    assert {(1, 1), (1, 5), (5, 2)} <= shapes
    X = torch.tensor([[1.0, 2.0], [2.0, 0.5], [3.0, -1.0], [-1.0, 1.0], [0.5, 3.0]], dtype=torch.float64)
    y = torch.tensor([1.0, 2.0, 0.5, -1.0, 3.0], dtype=torch.float64)
    w = torch.tensor([0.5, -0.5], dtype=torch.float64)
    expected = X.T @ (X @ w - y)  # the closed form Xᵀ(Xw − y)
    assert torch.allclose(torch.tensor(data(p["grads"]["w"]), dtype=torch.float64), expected, atol=1e-5)
    mv = next(s for s in p["passes"][-1]["steps"] if p["nodes"][s["node"]]["op"] == "MvBackward0")
    assert torch.allclose(torch.tensor(data(mv["inputs"][0]["jacobian"])), X.float())


def test_every_contribution_is_the_incoming_gradient_times_the_local_jacobian() -> None:
    for example_id in ("least-squares", "one-layer", "vector-output", "polynomial"):
        p = example(example_id)
        for s in p["passes"][-1]["steps"]:
            g = torch.tensor(data(s["grad_output"]), dtype=torch.float64).reshape(-1)
            for i in s["inputs"]:
                if i["jacobian"] is None:
                    continue
                J = torch.tensor(data(i["jacobian"]), dtype=torch.float64)
                c = torch.tensor(data(i["contribution"]), dtype=torch.float64).reshape(-1)
                assert torch.allclose(g @ J, c, atol=1e-5), (example_id, s["narration"])


def test_one_layer_network_matches_the_chain_rule_by_hand() -> None:
    p = example("one-layer")
    ops = {n["op"] for n in p["nodes"]}
    assert {"AddBackward0", "MeanBackward0", "MmBackward0", "PowBackward0", "SubBackward0"} <= ops
    z = next(n for n in p["nodes"] if n["name"] == "z")
    assert data(z["value"]) == [[6.0]]
    assert data(p["output"]["value"]) == 9.0
    # ∂loss/∂z = 2(z − y) = 6; w.grad = xᵀ·6; b.grad = 6.
    assert data(p["grads"]["w"]) == [[12.0], [18.0]]
    assert data(p["grads"]["b"]) == [[6.0]]
    leaves = [n for n in p["nodes"] if n["is_leaf"]]
    assert {n["name"] for n in leaves} == {"w", "b"}


def test_in_place_change_of_saved_tensor_reports_pytorchs_error_at_the_backward_line() -> None:
    e = get_example("pitfall-inplace")
    with pytest.raises(ProgramError) as info:
        trace(e.source)
    assert info.value.type == "autograd"
    assert "modified by an inplace operation" in info.value.message
    assert info.value.line == 5


def test_out_of_place_version_gives_three_quarters() -> None:
    assert data(example("pitfall-inplace-fixed")["grads"]["x"]) == pytest.approx(0.75)


def test_the_nan_behind_torch_where_stops_at_the_square_root_that_sent_it() -> None:
    """The NaN-gradient pitfall: where picks 0 for x = −1, but sqrt ran there and its 1/(2√x) is NaN;
    0 · NaN is NaN. Anomaly detection stops the pass at the sqrt (PyTorch's own error, at line 5)."""
    e = get_example("pitfall-nan")
    with pytest.raises(ProgramError) as info:
        trace(e.source)
    assert info.value.type == "autograd" and info.value.line == 5
    assert info.value.message == "Function 'SqrtBackward0' returned nan values in its 0th output."
    payload = trace_program(e.source, None, TraceOptions(on_error="graph"), Settings())
    stopped = payload["stopped"]
    assert payload["nodes"][stopped["node"]]["op"] == "SqrtBackward0"
    # the oracle: PyTorch itself, without anomaly detection, gives the NaN the note speaks of
    x = torch.tensor([4.0, -1.0], requires_grad=True)
    torch.where(x > 0, torch.sqrt(x), 0.0).sum().backward()
    assert x.grad is not None and x.grad[0] == 0.25 and torch.isnan(x.grad[1])


def test_keeping_the_unsafe_input_out_of_sqrt_gives_a_finite_gradient() -> None:
    # d/dx √x = 1/(2√4) = 0.25 where x > 0, and where's 0 elsewhere
    assert data(example("pitfall-nan-fixed")["grads"]["x"]) == [0.25, 0.0]


def test_accumulation_loop_records_each_pass_and_the_grad_history() -> None:
    p = example("pitfall-accumulation")
    assert len(p["passes"]) == 3
    assert [data(g) for g in p["grad_history"]["x"]] == [2.0, 4.0, 6.0]
    assert data(p["grads"]["x"]) == 6.0
    fixed = example("pitfall-accumulation-fixed")
    assert [data(g) for g in fixed["grad_history"]["x"]] == [2.0, 2.0, 2.0]


def test_autograd_grad_returns_the_gradient_and_leaves_dot_grad_alone() -> None:
    p = example("autograd-grad")
    assert p["grads"]["x"] is None
    assert p["passes"][0]["kind"] == "grad"
    assert data(p["passes"][0]["grads"]["x"]) == 9.0  # 3x² − 3 at x = 2


def test_second_derivative_through_the_gradients_graph() -> None:
    p = example("second-derivative")
    assert [q["kind"] for q in p["passes"]] == ["grad", "backward"]
    assert data(p["grads"]["x"]) == 12.0  # f″(x) = 6x at x = 2
    assert data(p["output"]["value"]) == 9.0


def test_vector_output_with_explicit_gradient() -> None:
    p = example("vector-output")
    assert data(p["grads"]["a"]) == [36.0, 81.0]
    assert data(p["grads"]["b"]) == [-12.0, -8.0]


def test_detach_says_where_the_graph_was_cut() -> None:
    p = example("pitfall-detach")
    assert p["grads"]["x"] is None
    assert data(p["grads"]["z"]) == 3.0
    assert any("x gets no gradient" in w and "line 3" in w for w in p["warnings"])


def test_an_unused_input_is_said_once_not_as_a_leaf_without_gradient() -> None:
    p = trace("w = torch.tensor(2.0, requires_grad=True)\nloss = w * w\nloss", {"x": 1.0})
    assert p["warnings"] == ["input 'x' is not used by the program"]
    assert data(p["grads"]["w"]) == 4.0


def test_no_grad_output_is_one_node_with_a_warning() -> None:
    p = example("pitfall-no-grad")
    assert len(p["nodes"]) == 1 and p["nodes"][0]["requires_grad"] is False
    assert p["passes"] == [] and p["edges"] == []
    assert any("no_grad" in w for w in p["warnings"])


def test_non_scalar_output_without_backward_call_uses_ones_and_warns() -> None:
    p = trace("x * 2", {"x": [1.0, 2.0, 3.0]})
    assert data(p["grads"]["x"]) == [2.0, 2.0, 2.0]
    assert any("not a scalar" in w for w in p["warnings"])


def test_saved_tensors_are_reported() -> None:
    p = trace("torch.sin(x) * y", {"x": 0.5, "y": 2.0})
    mul = node_by_op(p, "MulBackward0")
    assert {s["name"] for s in mul["saved"]} == {"self", "other"}
    sin = node_by_op(p, "SinBackward0")
    assert data(sin["saved"][0]["value"]) == 0.5


def test_large_values_are_summarized() -> None:
    p = trace("(x * 2).sum()", {"x": [float(i) for i in range(100)]}, max_value_elements=10)
    x = p["nodes"][0]
    assert x["value"]["truncated"] and x["value"]["data"] is None
    assert x["value"]["summary"]["max"] == 99.0


def test_node_ids_are_deterministic() -> None:
    a = trace("torch.exp(x) * y + x / y", {"x": 0.3, "y": 1.5})
    b = trace("torch.exp(x) * y + x / y", {"x": 0.3, "y": 1.5})
    assert [(n["id"], n["op"], n["label"]) for n in a["nodes"]] == [
        (n["id"], n["op"], n["label"]) for n in b["nodes"]
    ]
    assert a["edges"] == b["edges"]


def test_internal_nodes_say_they_have_no_user_visible_value() -> None:
    p = trace(
        "torch.nn.functional.binary_cross_entropy(torch.sigmoid(w * x), y)", {"w": 0.5, "x": 2.0, "y": 1.0}
    )
    assert all((n["value"] is None) == (n["value_note"] is not None) for n in p["nodes"] if n["kind"] == "op")


def test_non_finite_values_stay_valid_json() -> None:
    from autograd_explorer.jsonsafe import dumps, sanitize

    p = trace("x * x", {"x": 1e30})
    assert p["output"]["value"]["data"] is None
    assert p["output"]["value"]["nonfinite"] == [{"index": [], "value": "inf"}]
    dumps(sanitize(p))  # no exception, valid JSON


INPLACE_AFTER = "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\nw = y + 1\ny.add_(1)\nout = w * y\nout"


def test_a_value_changed_in_place_later_shows_what_the_op_made() -> None:
    """Values sent whole are kept uncopied; `y.add_(1)` changes y's memory after `x * 3` made it,
    so the program runs again copying them, and the node still shows 3x = 6, not 7."""
    options = TraceOptions(format="compact", jacobians=False)
    shared = record_program(
        "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\ny", None, options, Settings()
    )
    assert shared.facts is not None
    assert all(r.version >= 0 for _, r in shared.facts.rec.forward.values())  # not copied
    changed = record_program(INPLACE_AFTER, None, options, Settings())
    assert changed.facts is not None
    assert all(r.version == -1 for _, r in changed.facts.rec.forward.values())  # the second run's copies
    payload = trace(INPLACE_AFTER)
    values = {n["label"]: data(n["value"]) for n in payload["nodes"]}
    assert values["x * 3"] == 6.0 and values["y.add_(1)"] == 7.0 and values["w * y"] == 49.0


def test_a_training_step_through_a_view_of_a_parameter_runs_the_program_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`W -= …` changes W.T's memory too; a view is copied, so the step makes no second run."""
    from autograd_explorer.trace import tracer

    runs: list[bool] = []
    record = tracer.record_program

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs.get("share_values", True))
        return record(*args, **kwargs)

    monkeypatch.setattr(tracer, "record_program", counted)
    source = (
        "W = torch.randn(3, 2, requires_grad=True)\nx = torch.randn(4, 2)\nfor i in range(3):\n"
        "    loss = (x @ W.T).pow(2).sum()\n    loss.backward()\n    with torch.no_grad():\n"
        "        W -= 0.1 * W.grad\n        W.grad.zero_()\nloss"
    )
    trace(source, format="compact")
    assert runs == [True]


def test_to_float64_is_a_node_of_the_trace_with_its_gradient() -> None:
    """`.to(torch.float64)`, as tutorials write it, is PyTorch's ToCopyBackward0: a graph node whose
    gradient goes back to float32 (d/dx Σ (2x)² = 8x, checked by hand)."""
    p = trace(
        "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "y = (x.to(torch.float64) * 2) ** 2\nz = y.sum()\nz.backward()\n"
    )
    assert [n["op"] for n in p["nodes"]] == [
        "AccumulateGrad",
        "ToCopyBackward0",
        "MulBackward0",
        "PowBackward0",
        "SumBackward0",
    ]
    copy = node_by_op(p, "ToCopyBackward0")
    assert copy["label"] == "x.to(torch.float64)"
    assert data(p["nodes"][0]["grad"]) == [8.0, 16.0]


LOOP_NAMES = """a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0], requires_grad=True)
for p in [a, b]:
    p.grad = None
h = a * 2
s = (h ** 2).sum() + b.sum()
for t in [h, s]:
    t.retain_grad()
s.backward()
"""


def test_a_loop_over_tensors_leaves_them_their_names() -> None:
    # makemore binds every parameter to `p` and every intermediate to `t` in turn: each was drawn
    # as p or t, with the .grad of whichever the name held at the end (the page reads pass.grads by
    # name). The oracle is the program's own tensors, read back by CPython.
    payload = trace(LOOP_NAMES)
    names = {n["name"] for n in payload["nodes"] if n["name"] is not None}
    assert {"a", "b", "h", "s"} <= names and not names & {"p", "t"}
    expected, _ = cpython_names(LOOP_NAMES)
    grads = payload["passes"][-1]["grads"]
    for name in ("a", "b", "h"):
        assert data(grads[name]) == expected[name].grad.tolist(), name
    h = next(n for n in payload["nodes"] if n["name"] == "h")
    assert data(h["grad"]) == expected["h"].grad.tolist() == [4.0, 8.0]  # 2h, h = 2a


REBOUND = """
w = torch.tensor(1.0, requires_grad=True)
first = w
a = w * 2
w = torch.tensor(3.0, requires_grad=True)
h = a * w
h.retain_grad()
for _ in range(2):
    loss = h * h + w * 5
    loss.backward(retain_graph=True)
"""


@pytest.mark.parametrize("form", ["readable", "compact"])
def test_each_pass_gives_every_node_its_own_grad_though_a_name_is_bound_again(form: str) -> None:
    # `grads` is by variable: w is the second leaf. The page read a node's .grad there by name, so
    # the first w showed the second's. node_grads is by node, after each call (.grad accumulates).
    payload = trace(REBOUND, format=form)
    if form == "compact":
        payload = decode_compact(payload)
    names, _ = cpython_names(REBOUND)
    first, second, h = names["first"], names["w"], names["h"]
    ids = {n["id"]: n for n in payload["nodes"]}
    w_nodes = [n["id"] for n in payload["nodes"] if n["name"] == "w"]
    h_node = next(n["id"] for n in payload["nodes"] if n["name"] == "h")
    assert len(w_nodes) == 2 and all(ids[i]["is_leaf"] for i in w_nodes)
    for k, p in enumerate(payload["passes"]):
        by_node = {g["node"]: data(g["grad"]) for g in p["node_grads"]}
        assert set(by_node) == {*w_nodes, h_node}
        # .grad after call k is (k + 1) times one call's; CPython's tensors are after both calls
        share = (k + 1) / 2
        assert by_node[w_nodes[0]] == pytest.approx(first.grad.item() * share)
        assert by_node[w_nodes[1]] == pytest.approx(second.grad.item() * share)
        assert by_node[h_node] == pytest.approx(h.grad.item() * share)
        assert data(p["grads"]["w"]) == pytest.approx(second.grad.item() * share)
    assert first.grad.item() != second.grad.item()


def test_torch_autograd_grad_leaves_node_grads_empty() -> None:
    payload = trace("x = torch.tensor(2.0, requires_grad=True)\ny = x * x\n(g,) = torch.autograd.grad(y, x)")
    assert [p["node_grads"] for p in payload["passes"]] == [[]]


def cpython_names(source: str) -> tuple[dict[str, Any], None]:
    names: dict[str, Any] = {"torch": torch}
    exec(source, names)  # noqa: S102 (trusted test code: the oracle)
    return names, None


def test_a_hook_that_switches_anomaly_mode_on_in_the_tracers_own_pass_leaves_it_off() -> None:
    # the program made no backward(): its hook runs in the tracer's pass, after the program's run
    source = (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "def h(g):\n    torch.autograd.set_detect_anomaly(True)\n    return g\n"
        "y = x * x\ny.register_hook(h)\nz = y * 3\n"
    )
    p = trace(source, format="compact")
    assert p["grads"]["x"] is not None
    assert not torch.is_anomaly_enabled()


ANOMALY_TRAINING = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(5, 3)
y = torch.randn(5, 1)
BLOCK
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
print(model[0].weight.grad)
"""


@pytest.mark.parametrize("form", ["readable", "compact"])
def test_anomaly_mode_leaves_the_trace_as_it_is_without_it(form: str) -> None:
    # the hooks of every node and anomaly mode's checks do not meet: the same steps, values, grads
    plain = trace(ANOMALY_TRAINING.replace("BLOCK", "if True:"), format=form)
    checked = trace(ANOMALY_TRAINING.replace("BLOCK", "with torch.autograd.detect_anomaly():"), format=form)
    for payload in (plain, checked):
        payload["stats"] = payload["warnings"] = None
    assert repr(plain) == repr(checked)


@pytest.mark.parametrize("form", ["readable", "compact"])
def test_a_nan_in_backward_under_anomaly_mode_stops_the_trace_at_the_backward_call(form: str) -> None:
    source = (
        "x = torch.tensor([0.0, 1.0], requires_grad=True)\n"
        "with torch.autograd.set_detect_anomaly(True):\n"
        "    y = torch.sqrt(x) * 0\n"
        "    y.sum().backward()\n"
    )
    message = "Function 'SqrtBackward0' returned nan values in its 0th output."
    with pytest.raises(ProgramError) as info:
        trace(source, format=form)
    error = info.value
    assert (error.type, error.message, error.line, error.column) == ("autograd", message, 4, 4)
    p = trace(source, format=form, on_error="graph")
    assert p["stopped"]["message"] == message and p["stopped"]["in_backward"]
    assert p["warnings"] == [
        "line 4: UserWarning: Error detected in SqrtBackward0. The forward call that caused the error: "
        "torch.sqrt(x) at line 3."
    ]
    assert not torch.is_anomaly_enabled()
