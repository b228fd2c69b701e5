"""The answer for a program that left no tensor to draw: what it printed, no graph, and why.

A lecture program may define functions and print (its tensors lived inside the functions): a
valid trace in either form, with empty nodes, edges and passes, so every reader of the payload
(the page, decode_compact, the CLI) takes it as it takes any other.
"""

from __future__ import annotations

from autograd_explorer.lang.contract import ProgramRun
from autograd_explorer.trace.compact import COMPACT_VERSION, NONE
from autograd_explorer.trace.payload import CompactTrace, PassSummaries, TraceResponse, TraceStats

NO_TENSOR = (
    "The program left no tensor to draw (no variable of the program holds one), so there is no "
    "graph: its printed output is the answer."
)


def no_passes() -> PassSummaries:
    return {"count": 0, "kind": [], "loss": [], "grad_norms": {}, "module_grad_norms": {}}


def printed_only_payload(run: ProgramRun, warnings: list[str], compact: bool) -> TraceResponse | CompactTrace:
    """The readable or compact payload of a run that left no tensor: its printed lines, a warning."""
    stats: TraceStats = {"nodes": 0, "edges": 0, "steps": 0, "passes": 0, "trace_ms": 0.0}
    said = [*warnings, NO_TENSOR]
    if not compact:
        return {
            "mode": run.mode,
            "nodes": [],
            "edges": [],
            "autograd_functions": {},
            "output": {"node": None, "name": None, "value": None},
            "passes": [],
            "pass_summaries": no_passes(),
            "shown_pass": None,
            "grads": {},
            "grad_history": {},
            "warnings": said,
            "printed": list(run.printed),
            "stats": stats,
        }
    return {
        "format": "compact",
        "version": COMPACT_VERSION,
        "mode": run.mode,
        "dtypes": [],
        "ops": [],
        "autograd_functions": {},
        "values": {
            "count": 0,
            "dtype": [],
            "shape": [],
            "offset": [],
            "summarized": [],
            "transposed": {"value": [], "of": []},
            "buffer": "",
        },
        "nodes": {
            "count": 0,
            "op": [],
            "flags": [],
            "label": [],
            "name": [],
            "symbol": [],
            "span": [],
            "shape": [],
            "dtype": [],
            "value": [],
            "grad": [],
            "notes": {"node": [], "text": []},
            "saved_start": [0],
            "saved_name": [],
            "saved_value": [],
            "texts": [],
            "regions": [],
            "module": [],
            "call": [],
        },
        "edges": {"count": 0, "source": [], "target": [], "slot": []},
        "output": {"node": None, "name": None, "value": NONE},
        "passes": [],
        "pass_summaries": no_passes(),
        "shown_pass": None,
        "grads": {},
        "grad_history": {},
        "warnings": said,
        "printed": list(run.printed),
        "stats": stats,
    }
