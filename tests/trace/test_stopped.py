"""A program that stops with an error, traced with on_error 'graph' (trace/stopped.py): it ends
there as in Python, and the trace is the graph made up to it. A backward() that PyTorch's engine stops
answers the graph the call was made on, with the steps the engine ran before it stopped and the node it
stopped at; an error outside backward (an update without torch.no_grad()) leaves the passes before it
whole and marks the tensor it was changing. Oracles: PyTorch itself (the same program's gradients where
nothing is changed in place, in float64), a hand derivation, and CPython running the program."""

from __future__ import annotations

import contextlib
import io
import traceback
from typing import Any

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.examples import get_example
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.jobs import run_details_job
from autograd_explorer.trace.tracer import TraceOptions, trace_program
from tests.lecture_programs import simple_nn_update_without_no_grad

IN_PLACE = get_example("pitfall-inplace").source


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, {}, TraceOptions(on_error="graph", **options), Settings())


def op_of(payload: dict[str, Any], node: int | None) -> str:
    assert node is not None
    return str(payload["nodes"][node]["op"])


def test_the_in_place_pitfall_answers_its_graph_and_the_node_the_engine_stopped_at() -> None:
    p = trace(IN_PLACE)
    stopped = p["stopped"]
    assert stopped["type"] == "autograd" and stopped["line"] == 5 and stopped["column"] == 0
    assert stopped["in_backward"] is True
    assert "modified by an inplace operation" in stopped["message"]
    assert op_of(p, stopped["node"]) == "SqrtBackward0"  # sqrt saved its output; add_ changed it
    assert p["nodes"][stopped["node"]]["name"] == "y"
    assert p["output"]["name"] == "z"
    assert {n["op"] for n in p["nodes"]} == {
        "AccumulateGrad",
        "SqrtBackward0",
        "AddBackward0",
        "MulBackward0",
    }
    # The steps the engine ran before it stopped: z's, then add_'s; sqrt's never ran, nor x's.
    (shown,) = p["passes"]
    assert [op_of(p, s["node"]) for s in shown["steps"]] == ["MulBackward0", "AddBackward0"]
    # Their gradients, against PyTorch on the same graph with nothing changed in place (float64):
    # z = 3 · (y + 1) sends 3 to y + 1, which sends it on to y.
    x = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    y = torch.sqrt(x)
    y1 = y + 1
    z = 3 * y1
    dz_dy1, dz_dy = torch.autograd.grad(z, [y1, y])
    first, second = shown["steps"]
    assert first["grad_output"]["data"] == 1.0
    assert second["grad_output"]["data"] == pytest.approx(dz_dy1.item())
    assert second["inputs"][0]["contribution"]["data"] == pytest.approx(dz_dy.item())
    # CPython: after the failed z.backward() x.grad is still None (AccumulateGrad never ran).
    namespace: dict[str, Any] = {"torch": torch}
    with pytest.raises(RuntimeError, match="inplace operation"):
        exec(IN_PLACE, namespace)  # noqa: S102  the oracle: CPython running the same trusted example
    assert namespace["x"].grad is None
    assert shown["grads"]["x"] is None


def test_without_the_option_it_is_the_same_error_as_before() -> None:
    with pytest.raises(ProgramError) as info:
        trace_program(IN_PLACE, {}, TraceOptions(), Settings())
    assert info.value.type == "autograd" and info.value.line == 5
    assert "stopped" not in trace("x = torch.tensor(2.0, requires_grad=True)\ny = x * x\ny.backward()\n")


def test_the_compact_form_says_the_same() -> None:
    readable = trace(IN_PLACE)
    compact = trace(IN_PLACE, format="compact")
    assert compact["stopped"] == readable["stopped"]
    assert decode_compact(compact)["stopped"] == readable["stopped"]
    assert compact["passes"][0]["steps"]["node"] == [s["node"] for s in readable["passes"][0]["steps"]]


def test_a_graph_already_freed_stops_at_its_root_before_any_step() -> None:
    # The second backward() through a graph the first one freed: the engine cannot run the root.
    source = "x = torch.tensor(3.0, requires_grad=True)\ny = x * x\ny.backward()\ny.backward()\n"
    p = trace(source)
    assert "backward through the graph a second time" in p["stopped"]["message"]
    assert p["stopped"]["line"] == 4
    assert op_of(p, p["stopped"]["node"]) == "MulBackward0"
    first, second = p["passes"]
    assert len(first["steps"]) == 2 and second["steps"] == []
    assert first["grads"]["x"]["data"] == 6.0  # the first call's 2x at x = 3, as PyTorch's


def test_a_failed_backward_the_program_catches_is_no_stop() -> None:
    source = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny.add_(1)\nz = 3 * y\n"
        "try:\n    z.backward()\nexcept RuntimeError:\n    print('caught')\n"
    )
    p = trace(source)
    assert "stopped" not in p
    assert p["printed"] == ["caught"]


def test_a_failed_backward_the_program_caught_is_not_where_a_later_error_stopped_it() -> None:
    # The lecture's spelling catches the in-place error (CONTENT.md §11); the program then stops at an
    # update outside torch.no_grad(): that stop is outside backward, and marks x, not sqrt.
    source = (
        "x = torch.tensor(4.0, requires_grad=True)\ny = torch.sqrt(x)\ny.add_(1)\nz = 3 * y\n"
        "try:\n    z.backward()\nexcept RuntimeError as e:\n    print('caught')\n"
        "w = (x * x)\nw.backward()\nx -= 0.1 * x.grad\n"
    )
    p = trace(source)
    stopped = p["stopped"]
    assert p["printed"] == ["caught"] and stopped["line"] == 11
    assert stopped["type"] == "runtime" and stopped["in_backward"] is False
    assert op_of(p, stopped["node"]) == "AccumulateGrad" and p["nodes"][stopped["node"]]["name"] == "x"


def test_an_error_before_any_tensor_a_refusal_or_a_limit_is_still_the_error_alone() -> None:
    # Nothing to draw before the name that was never defined: the 400 of before.
    with pytest.raises(ProgramError) as info:
        trace("a = 2.0\nb = a * w\nx = torch.tensor(b, requires_grad=True)\n")
    assert info.value.type == "runtime" and info.value.line == 2
    assert "'w' is not defined" in info.value.message
    with pytest.raises(ProgramError) as info:  # refused before it runs
        trace("x = torch.tensor(1.0, requires_grad=True)\nimport numpy\n")
    assert info.value.type == "forbidden"
    with pytest.raises(ProgramError) as info:  # a limit is the server's, never a place to stop and show
        trace("x = torch.tensor(1.0, requires_grad=True)\nwhile True:\n    x = x * 1.0\n", output=None)
    assert info.value.type == "limit"
    with pytest.raises(ProgramError) as info:  # the output asked for was never made
        trace("x = torch.tensor(1.0, requires_grad=True)\ny = x * w\n", output="y")
    assert info.value.line == 2 and "'w' is not defined" in info.value.message


# CONTENT.md §5's loop with the update written without torch.no_grad() (the examples menu's): PyTorch
# refuses it at the first update, after the first backward ran whole.
UPDATE_WITHOUT_NO_GRAD = get_example("pitfall-update-no-grad").source


def test_an_update_outside_no_grad_shows_the_backward_before_it_and_marks_the_leaf() -> None:
    p = trace(UPDATE_WITHOUT_NO_GRAD)
    stopped = p["stopped"]
    assert stopped["type"] == "runtime" and stopped["in_backward"] is False
    assert (stopped["line"], stopped["column"], stopped["end_line"], stopped["end_column"]) == (9, 4, 9, 23)
    assert stopped["calls"] == []  # at the program's top level
    assert stopped["message"].startswith("a leaf Variable that requires grad is being used in an in-place")
    marked = p["nodes"][stopped["node"]]
    assert marked["op"] == "AccumulateGrad" and marked["name"] == "w"
    assert p["output"]["name"] == "loss"
    # One pass, whole: the loss's backward at w = 0, whose gradient is -Xᵀy/n by hand (Xw − y = −y).
    (shown,) = p["passes"]
    assert op_of(p, shown["steps"][-1]["node"]) == "AccumulateGrad"
    torch.manual_seed(42)
    X = torch.randn(100, 2).double()
    y = X @ torch.tensor([1.0, -0.5], dtype=torch.float64)
    by_hand = -(X.T @ y) / 100
    assert shown["grads"]["w"]["data"] == pytest.approx(by_hand.tolist(), rel=1e-5)
    # CPython: the same program stops at line 9 with the same message and leaves w.grad the same.
    namespace: dict[str, Any] = {"torch": torch}
    with pytest.raises(RuntimeError) as raised:
        exec(UPDATE_WITHOUT_NO_GRAD, namespace)  # noqa: S102  the oracle: CPython running our own text
    assert str(raised.value) == stopped["message"]
    assert namespace["w"].grad.tolist() == pytest.approx(shown["grads"]["w"]["data"], rel=1e-6)
    assert p["pass_summaries"]["count"] == 1  # no pass after the stop


def test_a_loop_variable_changed_in_place_marks_the_tensor_it_held() -> None:
    source = (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor(0.5, requires_grad=True)\n"
        "loss = (w.sum() * b) ** 2\nloss.backward()\nfor p in [b, w]:\n    p.sub_(0.1 * p.grad)\n"
    )
    p = trace(source)
    assert p["stopped"]["line"] == 6 and p["stopped"]["in_backward"] is False
    assert p["nodes"][p["stopped"]["node"]]["name"] == "b"  # the first turn's p, which raised


def test_the_lectures_update_inside_a_function_marks_the_parameter_it_was_changing() -> None:
    # §6's SimpleNN loop, its `with torch.no_grad():` left out: `param` is the function's own name, and
    # the parameter it held when PyTorch refused the update is fc1's weight (parameters() comes first).
    source = simple_nn_update_without_no_grad()
    p = trace(source)
    stopped = p["stopped"]
    assert stopped["in_backward"] is False and "leaf Variable" in stopped["message"]
    marked = p["nodes"][stopped["node"]]
    assert marked["op"] == "AccumulateGrad" and marked["shape"] == [32, 784]
    assert p["pass_summaries"]["count"] == 1
    # Where, as CPython's traceback has it: the update's line in train_model(), called on line 32; the
    # message is PyTorch's alone (the calls are a field of their own, not a second line of it).
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with pytest.raises(RuntimeError) as raised, contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<program>", "exec"), namespace)  # noqa: S102  the oracle: CPython
    frames = [f for f in traceback.extract_tb(raised.value.__traceback__) if f.filename == "<program>"]
    assert [(f.name, f.lineno) for f in frames] == [("<module>", 32), ("train_model", 22)]
    assert (stopped["line"], stopped["message"]) == (22, str(raised.value))
    assert stopped["calls"] == [{"function": "train_model", "line": 32}]


def test_a_layer_the_program_never_reached_is_not_said_to_be_cut_from_the_graph() -> None:
    # A shape error at the second layer: w2 is in no graph because the program stopped before it, and
    # "w2 gets no gradient: it is not in the graph of the output" read as a fault of the model. After a
    # pass (the update without no_grad), a leaf the loss does not reach is still said to be cut.
    source = (
        "w1 = torch.ones(3, 2, requires_grad=True)\nw2 = torch.ones(4, 1, requires_grad=True)\n"
        "h = torch.ones(1, 3) @ w1\nout = h @ w2\nout.backward()\n"
    )
    p = trace(source)
    assert p["stopped"]["line"] == 4 and "cannot be multiplied" in p["stopped"]["message"]
    assert not any("gets no gradient" in w for w in p["warnings"]), p["warnings"]
    after_a_pass = (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor(3.0, requires_grad=True)\n"
        "loss = (w ** 2).sum()\nloss.backward()\nw -= 0.1 * w.grad\n"
    )
    warned = trace(after_a_pass)["warnings"]
    cut = "b gets no gradient: it is not in the graph of the output"
    assert any(w.startswith(cut) for w in warned), warned


def test_an_error_in_the_forward_pass_shows_the_graph_so_far_and_runs_no_backward() -> None:
    # A shape mismatch on line 3: the graph of y, made before it; the tracer runs no backward of its own
    # (the program never reached one), so x.grad stays None, as CPython leaves it.
    source = (
        "x = torch.ones(2, 3, requires_grad=True)\ny = (x * 2).sum(dim=0)\nz = y @ torch.ones(2)\n"
        "z.backward()\n"
    )
    p = trace(source)
    stopped = p["stopped"]
    assert stopped["type"] == "runtime" and stopped["line"] == 3 and stopped["in_backward"] is False
    assert stopped["node"] is None  # no in-place change
    assert p["output"]["name"] == "y" and list(p["output"]["value"]["data"]) == [4.0, 4.0, 4.0]
    assert p["passes"] == [] and p["pass_summaries"]["count"] == 0
    namespace: dict[str, Any] = {"torch": torch}
    with pytest.raises(RuntimeError) as raised:
        exec(source, namespace)  # noqa: S102  the oracle: CPython running our own text
    assert str(raised.value) in stopped["message"]


def test_the_steps_run_before_the_stop_are_explained_on_demand() -> None:
    params = {"source": IN_PLACE, "inputs": {}, "on_error": "graph", "pass": 0, "steps": [0, 2]}
    details = run_details_job(params, Settings())
    narrations = [s["narration"] for s in details["steps"]]
    assert narrations[0].startswith("Multiply node z = 3y") and "Add node" in narrations[1]
    with pytest.raises(ProgramError):  # the default: the program's error, as the trace's
        run_details_job({**params, "on_error": "error"}, Settings())


def test_a_vector_output_without_gradient_stops_before_any_step() -> None:
    # CONTENT.md §2: Q = 3a³ − b² needs a gradient argument; forgotten, PyTorch cannot make the seed.
    source = (
        "a = torch.tensor([2.0, 3.0], requires_grad=True)\nb = torch.tensor([6.0, 4.0], requires_grad=True)\n"
        "Q = 3*a**3 - b**2\nQ.backward()\n"
    )
    p = trace(source)
    assert p["stopped"]["message"] == "grad can be implicitly created only for scalar outputs"
    assert p["stopped"]["node"] is None and p["stopped"]["line"] == 4
    assert p["passes"][-1]["steps"] == []
    assert p["output"]["name"] == "Q" and list(p["output"]["value"]["data"]) == [-12.0, 65.0]
    # PyTorch made no seed: the pass starts from zeros, not from the ones gradient=ones_like(Q) would be.
    (seed,) = p["passes"][-1]["seeds"]
    assert list(seed["data"]) == [0.0, 0.0]
    assert list(
        trace(source.replace("Q.backward()", "Q.backward(torch.ones_like(Q))"))["passes"][-1]["seeds"][0][
            "data"
        ]
    ) == [1.0, 1.0]


# Anomaly mode's NaN check: sqrt's derivative 1/(2√x) is NaN at x = -1, so the backward stops at the
# sqrt node with PyTorch's own message. The engine checks a node's outputs after running it (and our
# recording hook), so the node marked is the last step, not one it never ran as in the in-place case.
NAN_SQRT = (
    "import torch\nx = torch.tensor([4.0, -1.0], requires_grad=True)\n"
    "with torch.autograd.detect_anomaly():\n    y = torch.sqrt(x * 1.0)\n    z = (y * 2).sum()\n"
    "    z.backward()\n"
)


def nan_oracle(source: str) -> str:
    """CPython running the program: PyTorch's own message (the trace's must be it)."""
    namespace: dict[str, Any] = {}
    with pytest.raises(RuntimeError) as raised, pytest.warns(UserWarning):
        exec(source, namespace)  # noqa: S102  the oracle: CPython running our own text
    assert not torch.is_anomaly_enabled()
    return str(raised.value)


@pytest.mark.parametrize("form", ["readable", "compact"])
def test_a_nan_anomaly_mode_finds_in_backward_marks_the_node_that_sent_it(form: str) -> None:
    p = decode_compact(trace(NAN_SQRT, format="compact")) if form == "compact" else trace(NAN_SQRT)
    stopped = p["stopped"]
    assert stopped["message"] == nan_oracle(NAN_SQRT)
    assert stopped["message"] == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert stopped["in_backward"] is True and stopped["line"] == 6
    # Was None: the node cannot be found by a saved value PyTorch refuses, as the in-place one is.
    assert stopped["node"] == 2
    assert p["nodes"][2]["op"] == "SqrtBackward0" and p["nodes"][2]["name"] == "y"
    # The engine ran it (z's sum, y * 2's mul, then sqrt), and stopped on what it sent on: 1/(2√x)
    # times the 2 it received, NaN at -1, as PyTorch's autograd.grad finds in float64.
    (shown,) = p["passes"]
    steps = shown["steps"]
    assert [s["node"] for s in steps] == [4, 3, 2]
    x = torch.tensor([4.0, -1.0], dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad((torch.sqrt(x * 1.0) * 2).sum(), x)
    assert torch.isnan(expected).tolist() == [False, True]
    sent = steps[-1]["inputs"][0]["contribution"]
    assert sent["nonfinite"] == [{"index": [1], "value": "nan"}]
    assert sent["data"][0] == pytest.approx(expected[0].item())  # 2 · 1/(2√4)


def test_of_several_nodes_of_the_class_the_one_that_sent_nan_is_marked() -> None:
    # Three sqrt nodes: r's ran before the NaN (√(2a) at a = 4 is fine), q's sent NaN (b = -1), p's
    # had its gradient but the engine had not run it yet. Neither its class nor "gradient arrived,
    # not run" tells q's from p's; what q's step sent does.
    source = (
        "import torch\na = torch.tensor(4.0, requires_grad=True)\n"
        "b = torch.tensor(-1.0, requires_grad=True)\n"
        "with torch.autograd.detect_anomaly():\n    p = torch.sqrt(a)\n    q = torch.sqrt(b)\n"
        "    r = torch.sqrt(a * 2)\n    z = p + q + r\n    z.backward()\n"
    )
    p = trace(source)
    assert p["stopped"]["message"] == nan_oracle(source)
    sqrt_nodes = {n["name"]: n["id"] for n in p["nodes"] if n["op"] == "SqrtBackward0"}
    assert sqrt_nodes == {"p": 1, "q": 3, "r": 6}
    assert p["stopped"]["node"] == sqrt_nodes["q"]
    ran = [s["node"] for s in p["passes"][-1]["steps"]]
    assert ran[-1] == sqrt_nodes["q"] and sqrt_nodes["r"] in ran and sqrt_nodes["p"] not in ran


def test_a_nan_in_a_later_input_slot_marks_its_node() -> None:
    # d(a^b)/db = a^b · ln a is NaN at a = -1 (PyTorch's "1th output"); d/da = b · a^(b-1) is not.
    source = (
        "import torch\na = torch.tensor(-1.0, requires_grad=True)\n"
        "b = torch.tensor(2.0, requires_grad=True)\n"
        "with torch.autograd.detect_anomaly():\n    c = (a ** b) * 3\n    c.backward()\n"
    )
    p = trace(source)
    assert p["stopped"]["message"] == nan_oracle(source)
    assert p["stopped"]["message"] == "Function 'PowBackward1' returned nan values in its 1th output."
    assert p["stopped"]["node"] == 2
    assert (p["nodes"][2]["op"], p["nodes"][2]["label"]) == ("PowBackward1", "a ** b")
    (to_a, to_b) = p["passes"][-1]["steps"][-1]["inputs"]
    assert to_a["contribution"]["data"] == -6.0  # 3 · b · a^(b-1)
    assert to_b["contribution"]["nonfinite"] == [{"index": [], "value": "nan"}]
