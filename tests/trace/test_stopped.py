"""A backward() that PyTorch's engine stops (on_backward_error 'graph', trace/stopped.py): the program
ends there as in Python, and the trace is the graph the call was made on, with the steps the engine ran
before it stopped and the node it stopped at. Oracles: PyTorch itself (the same program's gradients
where nothing is changed in place, in float64) and CPython running the program (x.grad afterwards)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.examples import get_example
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.jobs import run_details_job
from autograd_explorer.trace.tracer import TraceOptions, trace_program

IN_PLACE = get_example("pitfall-inplace").source


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, {}, TraceOptions(on_backward_error="graph", **options), Settings())


def op_of(payload: dict[str, Any], node: int | None) -> str:
    assert node is not None
    return str(payload["nodes"][node]["op"])


def test_the_in_place_pitfall_answers_its_graph_and_the_node_the_engine_stopped_at() -> None:
    p = trace(IN_PLACE)
    stopped = p["stopped"]
    assert stopped["type"] == "autograd" and stopped["line"] == 5 and stopped["column"] == 0
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


def test_another_error_still_stops_the_answer() -> None:
    with pytest.raises(ProgramError) as info:
        trace("x = torch.tensor(1.0, requires_grad=True)\ny = x * w\ny.backward()\n")
    assert info.value.type == "runtime" and info.value.line == 2


def test_the_steps_run_before_the_stop_are_explained_on_demand() -> None:
    params = {"source": IN_PLACE, "inputs": {}, "on_backward_error": "graph", "pass": 0, "steps": [0, 2]}
    details = run_details_job(params, Settings())
    narrations = [s["narration"] for s in details["steps"]]
    assert narrations[0].startswith("Multiply node z = 3y") and "Add node" in narrations[1]
    with pytest.raises(ProgramError):  # the default: the program's error, as the trace's
        run_details_job({**params, "on_backward_error": "error"}, Settings())


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
