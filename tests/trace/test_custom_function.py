"""A program's torch.autograd.Function in the trace: its node (`ExpBackward`), its saved tensors,
its step in the backward pass (what the program's own backward received and sent back), checked
against torch.autograd in float64; what that backward computes is not a node of the graph."""

from __future__ import annotations

from typing import Any

import torch

from autograd_explorer.settings import Settings
from autograd_explorer.trace.tracer import TraceOptions, trace_program
from tests.custom_functions import exp_class, legendre_class

EXP = exp_class("scaled = grad_output * result\nreturn scaled") + (
    "\n"
    "\n"
    "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
    "y = Exp.apply(x).sum()\n"
    "y.backward(BACKWARD_ARGS)\n"
)

LEGENDRE = legendre_class() + (
    "\n"
    "\n"
    "x = torch.linspace(-1, 1, 5)\n"
    "y = torch.sin(x)\n"
    "a = torch.full((), 0.0, requires_grad=True)\n"
    "b = torch.full((), -1.0, requires_grad=True)\n"
    "c = torch.full((), 0.0, requires_grad=True)\n"
    "d = torch.full((), 0.3, requires_grad=True)\n"
    "for t in range(3):\n"
    "    P3 = LegendrePolynomial3.apply\n"
    "    y_pred = a + b * P3(c + d * x)\n"
    "    loss = (y_pred - y).pow(2).sum()\n"
    "    loss.backward()\n"
    "    with torch.no_grad():\n"
    "        a -= 0.01 * a.grad\n"
    "        b -= 0.01 * b.grad\n"
    "        c -= 0.01 * c.grad\n"
    "        d -= 0.01 * d.grad\n"
    "        a.grad = None\n"
    "        b.grad = None\n"
    "        c.grad = None\n"
    "        d.grad = None\n"
)


def trace(source: str) -> Any:
    return trace_program(source, None, TraceOptions(), Settings())


def data(value: Any) -> torch.Tensor:
    return torch.tensor(value["data"], dtype=torch.float64)


def custom_node(payload: Any, op: str) -> Any:
    (node,) = [n for n in payload["nodes"] if n["op"] == op]
    return node


def test_the_custom_node_has_its_forward_value_saved_tensors_and_the_apply_call_as_its_place() -> None:
    payload = trace(EXP.replace("BACKWARD_ARGS", ""))
    node = custom_node(payload, "ExpBackward")
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert torch.allclose(data(node["value"]), x.exp(), rtol=1e-6)
    assert node["label"] == "Exp.apply(x)"
    assert node["span"] == {"line": 19, "column": 4, "end_line": 19, "end_column": 16}
    (saved,) = node["saved"]
    assert saved["name"] == "saved_tensors[0]"
    assert torch.allclose(data(saved["value"]), x.exp(), rtol=1e-6)


def test_the_step_shows_what_the_programs_backward_received_and_sent_back() -> None:
    payload = trace(EXP.replace("BACKWARD_ARGS", ""))
    node = custom_node(payload, "ExpBackward")
    (step,) = [s for s in payload["passes"][-1]["steps"] if s["node"] == node["id"]]
    assert data(step["grad_output"]).tolist() == [1.0, 1.0]
    # the oracle: PyTorch's own exp differentiated in float64
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(x.exp().sum(), x)
    (sent,) = step["inputs"]
    assert torch.allclose(data(sent["contribution"]), expected, rtol=1e-6)
    assert sent["formula"] == "\\text{Exp.backward}"
    assert sent["jacobian"] is None  # not computed: it would run the program's backward again
    sent_back = "the program's own Exp.backward ran and sent [2.718, 7.389] to x's accumulator"
    assert sent_back in step["narration"]
    assert step["narration"].startswith("Custom node z₁ = Exp.apply(x): incoming gradient [1, 1]")
    assert torch.allclose(data(payload["grads"]["x"]), expected, rtol=1e-6)


def test_the_trace_names_the_programs_functions_by_their_nodes_op() -> None:
    # what tells the page a node ran the program's backward (its step: "as Exp.backward computed it")
    source = EXP.replace("BACKWARD_ARGS", "")
    for form in ("readable", "compact"):
        payload = trace_program(source, None, TraceOptions(format=form), Settings())
        assert payload["autograd_functions"] == {"ExpBackward": "Exp"}, form
    legendre = {"LegendrePolynomial3Backward": "LegendrePolynomial3"}
    assert trace(LEGENDRE)["autograd_functions"] == legendre
    plain = trace("x = torch.ones(2, requires_grad=True)\nx.exp().sum().backward()\n")
    assert plain["autograd_functions"] == {}


def test_what_the_programs_backward_computes_is_no_node_and_names_none() -> None:
    # Its `result` (the saved output: its grad_fn is the node itself) and `scaled` are the
    # backward's own; with create_graph=True they would even record a graph of their own.
    for args in ("", "create_graph=True"):
        payload = trace(EXP.replace("BACKWARD_ARGS", args))
        assert [n["op"] for n in payload["nodes"]] == ["AccumulateGrad", "ExpBackward", "SumBackward0"], args
        assert [n["name"] for n in payload["nodes"]] == ["x", None, "y"], args
        assert not any(n["label"] in ("result", "scaled") for n in payload["nodes"])
        assert all(n["call"] is None for n in payload["nodes"]), args


def test_legendre_in_a_training_loop_sends_back_its_analytic_derivative() -> None:
    payload = trace(LEGENDRE)  # three passes, each kept with its own graph
    nodes = {n["id"]: n for n in payload["nodes"]}
    last = payload["passes"][-1]["steps"]
    (step,) = [s for s in last if nodes[s["node"]]["op"] == "LegendrePolynomial3Backward"]
    assert nodes[step["node"]]["label"] == "P3(c + d * x)"
    (sent,) = step["inputs"]
    (producer,) = [n for n in payload["nodes"] if n["id"] == sent["to"]]
    assert producer["label"] == "c + d * x"
    # the oracle: 0.5 (5u³ − 3u) differentiated by torch.autograd in float64, at the traced u
    u = data(producer["value"]).requires_grad_()
    incoming = data(step["grad_output"])
    (expected,) = torch.autograd.grad(0.5 * (5 * u**3 - 3 * u), u, incoming)
    assert torch.allclose(data(sent["contribution"]), expected, rtol=1e-5, atol=1e-6)
    assert torch.allclose(expected, incoming * 1.5 * (5 * u.detach() ** 2 - 1))
    assert "LegendrePolynomial3.backward ran" in step["narration"]
