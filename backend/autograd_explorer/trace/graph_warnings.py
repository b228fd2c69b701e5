"""Warnings about the graph as a whole: why there is none, which leaves it does not reach, and
which nodes have several outputs (one gradient each)."""

from __future__ import annotations

from collections import Counter

from autograd_explorer.errors import line_text
from autograd_explorer.lang.contract import Span
from autograd_explorer.trace.facts import TraceFacts

MAX_NAMED = 4  # nodes named in one warning; an LSTM unrolled over a long sequence has one per step


def graph_warnings(facts: TraceFacts) -> list[str]:
    """A missing graph's reason, or the named leaves the output does not depend on."""
    if not facts.nodes:
        return [_no_graph_reason(facts)]
    # A program stopped before any backward pass shows the graph made up to the error: the leaves it
    # never reached are not cut from the output's graph (a model's later layers, after a shape error
    # in an earlier one), and `stopped` already says why no .grad was made.
    stopped_early = facts.run.stopped is not None and facts.rec.pass_count == 0
    return ([] if stopped_early else _cut_leaves(facts)) + _several_outputs(facts)


def _no_graph_reason(facts: TraceFacts) -> str:
    rec = facts.rec
    name = facts.output_name or "The output"
    if rec.detach_spans:
        span, text = rec.detach_spans[-1]
        return (
            f"{name} has no graph: `{text}` on {_line_of(span)} returned a tensor cut from the "
            "graph (requires_grad=False), so nothing can flow back through it."
        )
    if rec.leaves:
        return (
            f"{name} has no graph: it was computed under torch.no_grad() (requires_grad=False), "
            "so PyTorch recorded no operations and there is nothing to differentiate."
        )
    return (
        f"{name} has no graph: no tensor in its computation requires grad (create one with "
        "requires_grad=True)."
    )


def _line_of(span: Span | None) -> str:
    return line_text(span.line, span.file) if span else "line ?"


def _cut_leaves(facts: TraceFacts) -> list[str]:
    rec = facts.rec
    out = []
    in_graph = {id(fn.variable) for fn in facts.nodes if type(fn).__name__ == "AccumulateGrad"}
    unused = facts.run.unused_inputs  # said already: "input 'x' is not used by the program"
    for name, t in rec.bound.items():
        if not (t.is_leaf and t.requires_grad) or t.grad is not None or id(t) in in_graph or name in unused:
            continue
        where = ""
        if rec.detach_spans:
            span, text = rec.detach_spans[-1]
            where = f" The path was cut by `{text}` on {_line_of(span)}."
        out.append(
            f"{name} gets no gradient: it is not in the graph of the output, so "
            f"{name}.grad stays None.{where}"
        )
    return out


def _several_outputs(facts: TraceFacts) -> list[str]:
    """Nodes read at several outputs (`a, b = x.split(…)`, an LSTM cell's gates) get one gradient per
    output; the step and the accumulator table show one tensor per node, so say how they read it."""
    multi = sorted(facts.index.multi_output)
    if not multi:
        return []
    # one entry per name: a model's blocks each split their q, k, v under the name `q`
    labels = Counter(f"{facts.readable[i]} ({type(facts.nodes[i]).__name__})" for i in multi)
    named = [label if n == 1 else f"{label} ×{n}" for label, n in list(labels.items())[:MAX_NAMED]]
    more = f" and {len(labels) - MAX_NAMED} more" if len(labels) > MAX_NAMED else ""
    which = f"{named[0]} has" if len(multi) == 1 else f"{', '.join(named)}{more} have"
    return [
        f"{which} several outputs, and PyTorch keeps a gradient for each: a step of such a node shows "
        "the gradient each output received, and each contribution to it is summed with the others to "
        "the same output only (its accumulator is that output's)."
    ]
