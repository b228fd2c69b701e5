"""A module's backward hooks in the trace: PyTorch puts an identity node around the hooked module's
call (BackwardHookFunctionBackward), whose post-hooks call the program's hook; the graph shows those
nodes, `pass.hooks` says which step's node called the hook (kind "module"), and that step says what
the hook was given and what it returned. The oracle is PyTorch run by CPython on the same source,
and the program's own arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograd_explorer.examples import EXAMPLES
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.details import explain_steps
from autograd_explorer.trace.tracer import TraceOptions, record_program, trace_program

# y = lin(x) = 2·x₀ − x₁ + 0.5 on x = [1, 3]: grad_input is W = [2, −1]; the hook makes it ten times that
SCALED = """import torch
import torch.nn as nn
lin = nn.Linear(2, 1)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[2.0, -1.0]]))
    lin.bias.fill_(0.5)
x = torch.tensor([[1.0, 3.0]], requires_grad=True)
lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
y = lin(x).sum()
y.backward()
"""

# a pre-hook on the second layer of a Sequential halves grad_output; a full hook on the first only looks
SEQUENTIAL = """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
x = torch.tensor([[0.5, -1.0]], requires_grad=True)
seen = []
model[0].register_full_backward_hook(lambda m, gi, go: seen.append(go[0].sum().item()))
model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 0.5,))
loss = (model(x) ** 2).sum()
loss.backward()
print(seen)
"""


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, None, TraceOptions(**options), Settings())  # type: ignore[return-value]


def data(value: dict[str, Any]) -> Any:
    return np.asarray(value["data"]).tolist()


def cpython(source: str) -> dict[str, Any]:
    names: dict[str, Any] = {"__name__": "__main__", "print": lambda *a: None}
    exec(source, names)  # noqa: S102 (trusted test code: the oracle)
    return names


def test_the_hooked_modules_identity_nodes_are_drawn_and_named() -> None:
    payload = trace(SCALED)
    hooks = [n for n in payload["nodes"] if n["op"] == "BackwardHookFunctionBackward"]
    # one around lin's inputs (made inside its call: "hooks in lin"), one around its output (lin(x))
    assert sorted(n["label"] for n in hooks) == ["hooks in lin", "lin(x)"]
    # PyTorch's own Function, not the program's: not listed among its autograd Functions
    assert "BackwardHookFunctionBackward" not in payload["autograd_functions"]


def test_the_step_of_the_node_that_called_the_hook_sends_what_the_hook_returned() -> None:
    payload = trace(SCALED)
    (p,) = payload["passes"]
    (hook,) = p["hooks"]
    assert hook == {
        "step": hook["step"],
        "span": {"line": 8, "column": 0, "end_line": 8, "end_column": 64},
        "changed": True,
        "kind": "module",
    }
    step = p["steps"][hook["step"]]
    assert payload["nodes"][step["node"]]["label"] == "hooks in lin"
    assert data(step["grad_output"]) == [[2.0, -1.0]]  # what arrived: W, the identity's input
    (to_x,) = step["inputs"]
    assert data(to_x["contribution"]) == [[20.0, -10.0]]  # what it sent on: the hook's ten times W
    assert step["narration"] == (
        "Module-hook identity node z₁: incoming gradient a 1×2 matrix, local gradient I, adds a 1×2 "
        "matrix to x's accumulator. Then the module's full backward hook ran, "
        "lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,)) (line 8): grad_input "
        "(a 1×2 matrix), grad_output (1); it returned (a 1×2 matrix), which this node sends on in "
        "place of grad_input."
    )
    assert data(payload["grads"]["x"]) == cpython(SCALED)["x"].grad.tolist() == [[20.0, -10.0]]


def test_a_pre_hook_changes_what_the_output_node_sends_as_cpython_does() -> None:
    payload = trace(SEQUENTIAL)
    names = cpython(SEQUENTIAL)
    printed: list[str] = []
    exec(SEQUENTIAL, {"__name__": "__main__", "print": lambda *a: printed.append(str(a[0]))})  # noqa: S102
    assert payload["printed"] == printed
    (p,) = payload["passes"]
    assert [(h["kind"], h["changed"], h["span"]["line"]) for h in p["hooks"]] == [
        ("module", True, 8),  # model[2]'s pre-hook, at the node around its output
        ("module", False, 7),  # model[0]'s full hook, at the node around its input
    ]
    pre = p["steps"][p["hooks"][0]["step"]]
    assert "Then the module's full backward pre-hook ran" in pre["narration"]
    assert "which replaced grad_output: this node sends it on" in pre["narration"]
    (sent,) = pre["inputs"]
    assert np.allclose(data(sent["contribution"]), np.asarray(data(pre["grad_output"])) * 0.5)
    assert np.allclose(data(payload["grads"]["x"]), names["x"].grad.numpy(), rtol=1e-6)
    nodes = {n["label"]: n for n in payload["nodes"]}
    for label, parameter in names["model"].named_parameters():  # each leaf's .grad after the program
        assert np.allclose(data(nodes[f"model.{label}"]["grad"]), parameter.grad.numpy(), rtol=1e-6)


def test_the_compact_form_and_details_say_the_same() -> None:
    readable = trace(SCALED)
    compact = decode_compact(trace(SCALED, format="compact"))  # type: ignore[arg-type]
    assert compact["passes"][0]["hooks"] == readable["passes"][0]["hooks"]
    recording = record_program(SCALED, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    details = explain_steps(recording.facts, None, 0, 10, 64)
    said = [s["narration"] for s in readable["passes"][0]["steps"]]
    assert [s["narration"] for s in details["steps"]] == said
    recording.release()


def test_a_tensor_hook_and_a_module_hook_on_one_node_are_said_in_the_engines_order() -> None:
    """y = lin(x) is the node around lin's output: y's own hook runs before it, lin's pre-hook after."""
    source = SCALED.replace(
        "lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))\ny = lin(x).sum()\n",
        "lin.register_full_backward_pre_hook(print)\nh = lin(x)\n"
        "h.register_hook(lambda g: g * 3)\ny = h.sum()\n",
    )
    payload = trace(source)
    (p,) = payload["passes"]
    assert [(h["kind"], h["step"]) for h in p["hooks"]] == [("tensor", 1), ("module", 1)]
    narration = p["steps"][1]["narration"]
    tensor_at = narration.index("h.register_hook(lambda g: g * 3) (line 10) returned 3")
    node_at = narration.index("Module-hook identity node h = lin(x)")
    module_at = narration.index(
        "Then the module's full backward pre-hook ran, lin.register_full_backward_pre_hook"
    )
    assert tensor_at < node_at < module_at
    assert torch.equal(cpython(source)["x"].grad, torch.tensor(data(payload["grads"]["x"])))


def test_the_examples_hooks_print_what_cpython_prints_and_their_step_says_so() -> None:
    """The examples menu's §2 entry: a forward hook keeps tanh's activation, a full backward hook
    prints model[2]'s gradients; the console is CPython's, and the hook's step names it."""
    (example,) = [e for e in EXAMPLES if e.id == "module-hooks"]
    payload = trace(example.source, output=example.output)
    printed: list[str] = []
    names = {"__name__": "__main__", "print": lambda *a: printed.append(" ".join(map(str, a)))}
    exec(example.source, names)  # noqa: S102 (trusted test code: the oracle)
    assert payload["printed"] == printed and len(printed) == 3
    (p,) = payload["passes"]
    (hook,) = p["hooks"]
    step = p["steps"][hook["step"]]
    assert payload["nodes"][step["node"]]["label"] == "hooks in model.2"
    assert (
        "Then the module's full backward hook ran, model[2].register_full_backward_hook(show)"
        in (step["narration"])
    )
    # what the identity node received is model[2]'s grad_input: d(out²)/d out = 2·out, times its weight
    model = names["model"]
    with torch.no_grad():
        expected = (2 * model(names["x"])) @ model[2].weight
    assert np.allclose(data(step["grad_output"]), expected.numpy(), rtol=1e-6)
