"""A pass says where the program's gradient hooks ran (`pass.hooks`), and the step they ran before
says what they did: its node received the hook's result, not what its contributions summed to.
The oracle is the program's own arithmetic and PyTorch run by CPython on the same source."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import torch

from autograd_explorer.examples import EXAMPLES
from autograd_explorer.settings import Settings
from autograd_explorer.trace.compact import decode_compact
from autograd_explorer.trace.details import explain_steps
from autograd_explorer.trace.tracer import TraceOptions, record_program, trace_program

DOUBLING = """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
h = y.register_hook(lambda g: g * 2)
z = (y * y).sum()
z.backward()
"""

# a leaf's hook halves what AccumulateGrad adds to .grad; no backward() of the program's own: the
# tracer's pass on the output runs the hook (after the program ended)
LEAF = """w = torch.tensor([1.0, -2.0], requires_grad=True)
w.register_hook(print)
w.register_hook(lambda g: g * 0.5)
loss = (w ** 3).sum()
loss
"""


def trace(source: str, **options: Any) -> dict[str, Any]:
    return trace_program(source, None, TraceOptions(**options), Settings())  # type: ignore[return-value]


def data(value: dict[str, Any]) -> Any:
    """A TensorValue's numbers as lists (in-process payloads hold arrays)."""
    return np.asarray(value["data"]).tolist()


def node_named(payload: dict[str, Any], title: str) -> int:
    (node,) = [n["id"] for n in payload["nodes"] if n["label"] == title or n.get("name") == title]
    return int(node)


def test_the_step_after_a_hook_receives_what_the_hook_returned() -> None:
    payload = trace(DOUBLING)
    (p,) = payload["passes"]
    (hook,) = p["hooks"]
    assert hook["span"] == {"line": 3, "column": 4, "end_line": 3, "end_column": 36}
    assert hook["changed"] is True
    step = p["steps"][hook["step"]]
    y = node_named(payload, "y")
    assert step["node"] == y
    before = p["steps"][hook["step"] - 1]  # z₁'s step sent y · 1 twice: [3, 6] + [3, 6]
    (y_sum,) = [data(a["grad"]) for a in before["accumulators"] if a["node"] == y]
    assert y_sum == [6.0, 12.0]
    assert data(step["grad_output"]) == [12.0, 24.0]  # the hook's g * 2
    (to_x,) = step["inputs"]
    assert data(to_x["contribution"]) == [36.0, 72.0]  # 3 · what the node received
    assert step["narration"].startswith(
        "A hook changed the gradient here: the contributions summed to [6, 12]; "
        "y.register_hook(lambda g: g * 2) (line 3) returned [12, 24]. Multiply node y = x * 3"
    )
    # PyTorch run by CPython on the same program leaves the same x.grad
    names: dict[str, Any] = {"torch": torch}
    exec(DOUBLING, names)  # noqa: S102 (trusted test code: the oracle)
    assert data(payload["grads"]["x"]) == names["x"].grad.tolist()


def test_a_program_without_hooks_sends_none() -> None:
    payload = trace(DOUBLING.replace("h = y.register_hook(lambda g: g * 2)\n", ""))
    assert "hooks" not in payload["passes"][0]
    assert "hook" not in " ".join(s["narration"] for s in payload["passes"][0]["steps"])


def test_a_leafs_hooks_in_the_tracers_own_pass() -> None:
    payload = trace(LEAF)
    (p,) = payload["passes"]
    assert p["kind"] == "auto"
    w = node_named(payload, "w")
    assert [(h["span"]["line"], h["changed"], p["steps"][h["step"]]["node"]) for h in p["hooks"]] == [
        (2, False, w),
        (3, True, w),
    ]
    last = p["steps"][-1]
    assert data(last["grad_output"]) == [1.5, 6.0]  # 3w² halved
    assert last["narration"] == (
        "A hook ran here, w.register_hook(print) (line 2): it returned None, "
        "so the gradient [3, 12] went on. "
        "Then w.register_hook(lambda g: g * 0.5) (line 3) returned [1.5, 6]. "
        "Leaf w: [1.5, 6] after its hook; AccumulateGrad adds it to w.grad."
    )


def test_the_compact_form_sends_the_same_hooks() -> None:
    readable = trace(DOUBLING)
    compact = decode_compact(trace(DOUBLING, format="compact"))  # type: ignore[arg-type]
    assert compact["passes"][0]["hooks"] == readable["passes"][0]["hooks"]


def test_details_on_demand_say_the_hook_as_the_readable_form_does() -> None:
    readable = trace(DOUBLING)
    recording = record_program(DOUBLING, None, TraceOptions(format="compact"), Settings())
    assert recording.facts is not None
    details = explain_steps(recording.facts, None, 0, 10, 64)
    said = [s["narration"] for s in readable["passes"][0]["steps"]]
    assert [s["narration"] for s in details["steps"]] == said
    recording.release()


def test_the_examples_hook_clips_what_x_receives_as_cpython_does() -> None:
    """The examples menu's §2 entry: print sees dz/dy = 3 go on; the clamp turns dz/dx = 12 into 5."""
    (example,) = [e for e in EXAMPLES if e.id == "gradient-hook"]
    payload = trace(example.source, output=example.output)
    names: dict[str, Any] = {"torch": torch}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(example.source, names)  # noqa: S102 (trusted test code: the oracle)
    assert payload["printed"] == printed.getvalue().splitlines() == ["tensor(3.)"]
    assert data(payload["grads"]["x"]) == names["x"].grad.item() == 5.0
    (p,) = payload["passes"]
    assert [(h["step"], h["changed"]) for h in p["hooks"]] == [(1, False), (2, True)]
    assert "the contributions summed to 12" in p["steps"][2]["narration"]


def test_hooks_past_eight_on_a_step_are_counted_not_listed() -> None:
    """100,000 hooks on one tensor made an 11 MB narration: eight are listed, the rest counted."""
    source = (
        "x = torch.ones(1, requires_grad=True)\ny = x * 2\n"
        "for i in range(1000):\n    y.register_hook(lambda g: g + 1)\ny.sum().backward()\n"
    )
    payload = trace(source)
    (p,) = payload["passes"]
    assert len(p["hooks"]) == 8 and {h["step"] for h in p["hooks"]} == {1}
    narration = p["steps"][1]["narration"]
    assert narration.count("register_hook") == 8
    assert "Then 992 more hooks ran here, not listed one by one." in narration
    assert "Then y.register_hook(lambda g: g + 1) (line 4) returned 3." in narration  # 1 + 1 + 1
    assert data(p["steps"][1]["grad_output"]) == [1001.0]  # every hook ran: 1 + 1000
    assert data(payload["grads"]["x"]) == [2002.0]
