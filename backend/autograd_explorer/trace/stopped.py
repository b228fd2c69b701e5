"""Where a program stopped, when the request asked for its graph all the same (on_error 'graph').

The in-place pitfall (`y = torch.sqrt(x); y.add_(1); z = 3 * y; z.backward()`) stops at the
backward: sqrt saved its output, which add_ changed. Answered as a 400, the student saw the error and
no graph; with the run kept (lang/run.py, keep_stopped) the trace is the graph backward() was
called on, with the steps the engine ran before it stopped (the failed pass's, recorder.py), and this
says which node it stopped at: one of the pass's nodes it had not run whose saved value PyTorch
refuses to hand out. The engine reads a node's saved values as it runs the node, so that refusal is
the engine's error, met at that node.

In anomaly mode (`with torch.autograd.detect_anomaly():`) a node that sends NaN on stops the pass:
"Function 'SqrtBackward0' returned nan values in its 0th output." The engine checks a node's
outputs after it ran the node and its post-hooks (engine.cpp, evaluate_function), so the node was
recorded (backward_capture.py): it is the last step of that class whose gradient for that input
holds NaN, exactly, however many nodes of the class the graph has (sqrt of a positive and of a
negative value), with no hook of its own. The node marked ran, unlike the in-place pitfall's.

Lecture 5's update written without torch.no_grad() (`w -= lr * w.grad`) stops after the backward:
PyTorch refuses to change a leaf that requires grad in place. The trace is the graph up to it, its
backward pass whole, and the node marked is the tensor the statement was changing (w's).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import torch

from autograd_explorer.lang.contract import Stop
from autograd_explorer.trace.backward_capture import RawPass, saved_refusal
from autograd_explorer.trace.payload import CompactTrace, StoppedAt, TraceResponse

if TYPE_CHECKING:
    from autograd_explorer.trace.facts import TraceFacts


def mark_stopped(payload: TraceResponse | CompactTrace, facts: TraceFacts) -> None:
    """Add `stopped` to a payload whose run an error ended (facts.run.stopped)."""
    if facts.run.stopped is not None:
        payload["stopped"] = stopped_at(facts.run.stopped, facts)


def stopped_at(stop: Stop, facts: TraceFacts) -> StoppedAt:
    """The payload's `stopped`: the program error, whether a backward pass stopped with it, and the
    node marked (or None)."""
    error = stop.error
    # the shipped pass the error stopped, if it stopped one (the program ends with it); not one that
    # failed earlier with an error the program caught (the lecture's `try`/`except RuntimeError`)
    failed = next((raw for raw in facts.shipped if raw.failed and raw.index == stop.in_pass), None)
    stopped: StoppedAt = {
        "type": "autograd" if error.type == "autograd" else "runtime",
        "message": error.message,
        "line": error.line,
        "column": error.column,
        "end_line": error.end_line,
        "end_column": error.end_column,
        "in_backward": failed is not None,
        "calls": list(error.calls),
        "node": _stopped_node(failed, error.message, facts)
        if failed is not None
        else _subject_node(stop.changing, facts),
    }
    if error.file:  # the notebook's: a line in another cell than the recorded block's
        stopped["file"] = error.file
    return stopped


# PyTorch's anomaly-mode check of what a node sent on (engine.cpp): the node's name, the input slot
_NAN_CHECK = re.compile(r"Function '([^']+)' returned nan values in its (\d+)th output\.")


def _stopped_node(raw: RawPass, message: str, facts: TraceFacts) -> int | None:
    """The node the failed pass stopped at: the one anomaly mode found sending NaN on, else its first
    node (from its roots) that it did not run and whose saved values PyTorch refuses: the changed one
    of the in-place pitfall, the root of a graph already freed."""
    nan = _NAN_CHECK.match(message)
    if nan is not None:
        return _nan_node(raw, nan[1], int(nan[2]), facts)
    ran = {id(step.fn) for step in raw.steps}
    for fn in raw.nodes:  # from the roots down, each once
        if id(fn) not in ran and saved_refusal(fn) is not None:
            return facts.index.node_id(fn)
    return None


def _nan_node(raw: RawPass, name: str, slot: int, facts: TraceFacts) -> int | None:
    """The step anomaly mode stopped the pass after: the last of a node named `name` whose gradient
    for input `slot` holds NaN (the engine checks each node as it runs it, so no earlier one did);
    None when none was recorded (a node past the hooked ones)."""
    for step in reversed(raw.steps):
        if step.fn.name() != name or slot >= len(step.grad_inputs):
            continue
        sent = step.grad_inputs[slot]
        if sent is not None and bool(torch.isnan(sent).any()):
            return facts.index.node_id(step.fn)
    return None


def _subject_node(subject: object, facts: TraceFacts) -> int | None:
    """The node of the tensor the statement that stopped the program was changing in place: its
    AccumulateGrad for a leaf (w of `w -= lr * w.grad`), else the node that made it; None when the
    statement names none, or the graph shown does not hold it."""
    if not isinstance(subject, torch.Tensor):
        return None
    if subject.grad_fn is not None:
        return facts.index.node_id(subject.grad_fn)
    for fn in facts.index.nodes:
        if type(fn).__name__ == "AccumulateGrad" and fn.variable is subject:
            return facts.index.node_id(fn)
    return None
