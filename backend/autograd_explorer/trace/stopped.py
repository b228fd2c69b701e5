"""Where a program stopped, when the request asked for its graph all the same (on_error 'graph').

The in-place pitfall (`y = torch.sqrt(x); y.add_(1); z = 3 * y; z.backward()`) stops at the
backward: sqrt saved its output, which add_ changed. Answered as a 400, the student saw the error and
no graph; with the run kept (lang/run.py, keep_stopped) the trace is the graph backward() was
called on, with the steps the engine ran before it stopped (the failed pass's, recorder.py), and this
says which node it stopped at: one of the pass's nodes it had not run whose saved value PyTorch
refuses to hand out. The engine reads a node's saved values as it runs the node, so that refusal is
the engine's error, met at that node.

Lecture 5's update written without torch.no_grad() (`w -= lr * w.grad`) stops after the backward:
PyTorch refuses to change a leaf that requires grad in place. The trace is the graph up to it, its
backward pass whole, and the node marked is the tensor the statement was changing (w's).
"""

from __future__ import annotations

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
        "node": _stopped_node(failed, facts) if failed is not None else _subject_node(stop.changing, facts),
    }
    if error.file:  # the notebook's: a line in another cell than the recorded block's
        stopped["file"] = error.file
    return stopped


def _stopped_node(raw: RawPass, facts: TraceFacts) -> int | None:
    """The failed pass's first node (from its roots) that it did not run and whose saved values
    PyTorch refuses: the changed one of the in-place pitfall, the root of a graph already freed."""
    ran = {id(step.fn) for step in raw.steps}
    for fn in raw.nodes:  # from the roots down, each once
        if id(fn) not in ran and saved_refusal(fn) is not None:
            return facts.index.node_id(fn)
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
