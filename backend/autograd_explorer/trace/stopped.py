"""Where a program stopped when PyTorch's engine raised inside its backward() (on_backward_error 'graph').

The in-place pitfall (`y = torch.sqrt(x); y.add_(1); z = 3 * y; z.backward()`) stops at the
backward: sqrt saved its output, which add_ changed. Answered as a 400, the student saw the error and
no graph; with the run kept (lang/run.py, keep_failed_backward) the trace is the graph backward() was
called on, with the steps the engine ran before it stopped (the failed pass's, recorder.py), and this
says which node it stopped at: one of the pass's nodes it had not run whose saved value PyTorch
refuses to hand out. The engine reads a node's saved values as it runs the node, so that refusal is
the engine's error, met at that node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd_explorer.errors import ProgramError
from autograd_explorer.trace.backward_capture import saved_refusal
from autograd_explorer.trace.payload import CompactTrace, StoppedAt, TraceResponse

if TYPE_CHECKING:
    from autograd_explorer.trace.facts import TraceFacts


def mark_stopped(payload: TraceResponse | CompactTrace, facts: TraceFacts) -> None:
    """Add `stopped` to a payload whose run a failed backward() ended (facts.run.stopped)."""
    if facts.run.stopped is not None:
        payload["stopped"] = stopped_at(facts.run.stopped, facts)


def stopped_at(error: ProgramError, facts: TraceFacts) -> StoppedAt:
    """The payload's `stopped`: the program error, and the node the engine stopped at (or None)."""
    return {
        "type": "autograd",
        "message": error.message,
        "line": error.line,
        "column": error.column,
        "end_line": error.end_line,
        "end_column": error.end_column,
        "node": _stopped_node(facts),
    }


def _stopped_node(facts: TraceFacts) -> int | None:
    """The failed pass's first node (from its roots) that it did not run and whose saved values
    PyTorch refuses: the changed one of the in-place pitfall, the root of a graph already freed."""
    failed = [raw for raw in facts.shipped if raw.failed]
    if not failed:
        return None
    raw = failed[-1]
    ran = {id(step.fn) for step in raw.steps}
    for fn in raw.nodes:  # from the roots down, each once
        if id(fn) not in ran and saved_refusal(fn) is not None:
            return facts.index.node_id(fn)
    return None
