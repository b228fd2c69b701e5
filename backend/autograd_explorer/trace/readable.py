"""The readable form: TraceFacts as nested JSON, every tensor a TensorValue (docs/trace.md)."""

from __future__ import annotations

import math

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.jsonsafe import non_finite_name
from autograd_explorer.lang.contract import Span as SourceSpan
from autograd_explorer.trace.custom_nodes import program_functions
from autograd_explorer.trace.details import explain_step, explained_inputs, start_narration
from autograd_explorer.trace.facts import HooksAt, NodeColumns, PassFacts, StepFacts, TraceFacts
from autograd_explorer.trace.grad_norms import module_grad_norms, step_grad_norms
from autograd_explorer.trace.graph import graph_edges
from autograd_explorer.trace.pass_summary import summaries_json
from autograd_explorer.trace.payload import (
    HookCall,
    Pass,
    SavedTensor,
    Span,
    Step,
    StepInput,
    TensorValue,
    TraceEdge,
    TraceNode,
    TraceResponse,
)
from autograd_explorer.trace.region_runs import NONE, call_label, run_tables
from autograd_explorer.trace.values import tensor_value

FULL_ACCUMULATOR_NODES = 100  # above this, steps carry only the accumulators that changed


def hooks_json(p: PassFacts) -> list[HookCall]:
    """The program's hooks that ran in a pass, as both forms send them."""
    return [
        {"step": k, "span": span_json(hook.span), "changed": hook.changed, "kind": hook.kind}
        for k, listed in p.hooks.items()
        for hook in listed
    ]


def span_json(span: SourceSpan | None) -> Span | None:
    """A Span as the payload's {line, column, end_line, end_column}."""
    if span is None:
        return None
    out: Span = {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
    if span.file is not None:
        out["file"] = span.file
    return out


def python_number_value(v: bool | int | float) -> TensorValue:
    """A saved Python number (a scalar argument PyTorch kept) as a TensorValue."""
    finite = not isinstance(v, float) or math.isfinite(v)
    return {
        "shape": [],
        "dtype": type(v).__name__,
        "data": (int(v) if isinstance(v, bool) else v) if finite else None,
        "nonfinite": [] if finite else [{"index": [], "value": non_finite_name(v)}],
        "summary": None,
        "truncated": False,
    }


class ResultBudget:
    """Refuses an answer that would surely pass max_result_bytes, before it is built."""

    def __init__(self, max_result_bytes: int, bytes_per_number: int) -> None:
        # Each number sent costs at least `bytes_per_number` (two characters, "1,", in JSON): 30
        # nodes of 100,000 values once made 1.2 GB of JSON.
        self.max_result_bytes = max_result_bytes
        self.numbers_left = max_result_bytes // bytes_per_number

    def spend(self, numbers: int) -> None:
        self.numbers_left -= max(numbers, 1)
        if self.numbers_left < 0:
            raise ProgramError(
                "limit",
                f"the trace would be more than {self.max_result_bytes:,} bytes of JSON, the limit "
                "(max_result_bytes): ask for fewer values (a smaller max_value_elements or program)",
            )


class ReadableShaper:
    """TraceFacts → TraceResponse (with each step's details when `details` is set)."""

    def __init__(self, facts: TraceFacts, max_elements: int, max_result_bytes: int) -> None:
        self.facts = facts
        self.max_elements = max_elements
        self.budget = ResultBudget(max_result_bytes, 2)
        self._cache: dict[int, tuple[torch.Tensor, TensorValue | None]] = {}

    def tv(self, t: torch.Tensor | None) -> TensorValue | None:
        """TensorValue, shared between places that show the same tensor object."""
        if t is None:
            return None
        hit = self._cache.get(id(t))
        if hit is not None and hit[0] is t:
            value = hit[1]
        else:
            value = tensor_value(t, self.max_elements)  # type: ignore[assignment]
            self._cache[id(t)] = (t, value)
        if value is not None and not value["truncated"]:  # every occurrence is written out
            self.budget.spend(t.numel())
        return value

    def build(self, warnings: list[str]) -> TraceResponse:
        """Everything: nodes, edges, output, passes, grads, history, warnings, stats."""
        facts = self.facts
        passes = [self.shape_pass(p) for p in facts.passes]
        columns = facts.node_columns()
        nodes = [self._node(i, columns) for i in range(len(columns.op))]
        loops = run_tables(columns.loop, columns.call_run)
        for node, line, run, turn, call in zip(
            nodes, loops.line, loops.run, loops.turn, loops.call, strict=True
        ):
            if run != NONE:
                node["loop"], node["loop_run"], node["turn"] = line, run, turn
            if call != NONE:
                node["call_run"] = call
        edges: list[TraceEdge] = graph_edges(facts.index)  # type: ignore[assignment]
        shown = facts.pass_by_index(None)
        history: dict[str, list[TensorValue | None]] = {}
        for p in facts.passes:  # the passes shipped (all of a short program)
            for name, g in p.raw.grads_after.items():
                history.setdefault(name, []).append(self.tv(g))
        shaped: TraceResponse = {
            "mode": facts.run.mode,
            "nodes": nodes,
            "edges": edges,
            "autograd_functions": program_functions(facts.nodes),
            "output": {
                "node": facts.output_id if facts.nodes else 0,
                "name": facts.output_name,
                "value": self.tv(facts.output),
            },
            "passes": passes,
            "pass_summaries": summaries_json(facts.rec.summaries),
            "shown_pass": facts.shown_pass if facts.rec.pass_count else None,
            "grads": {k: self.tv(v) for k, v in facts.rec.named_leaf_grads().items()},
            "grad_history": history,
            "warnings": warnings,
            "printed": list(facts.run.printed),
            "stats": {
                "nodes": len(nodes),
                "edges": len(edges),
                "steps": shown.step_count if shown else 0,
                "passes": facts.rec.pass_count,
                "trace_ms": 0.0,
            },
        }
        if loops.runs:
            shaped["loops"] = [
                {
                    "line": run.region.line or 0,
                    "label": run.region.label,
                    "outer": outer if outer != NONE else None,
                    "outer_turn": turn if outer != NONE else None,
                    "module": run.module,
                    "call": call_label(run.call),
                    "call_run": call if call != NONE else None,
                    "variable": run.region.variable,
                    "start": run.region.start,
                    "step": run.region.step,
                    "over": run.region.over,
                }
                for run, outer, turn, call in zip(
                    loops.runs, loops.outer, loops.outer_turn, loops.run_call, strict=True
                )
            ]
        if loops.calls:
            shaped["calls"] = [
                {
                    "label": call.region.label,
                    "held": call.region.held,
                    "span": span_json(call.region.span),
                    "outer": outer if outer != NONE else None,
                    "loop_run": run if run != NONE else None,
                    "turn": turn if run != NONE else None,
                    "module": call.module,
                }
                for call, outer, run, turn in zip(
                    loops.calls, loops.call_outer, loops.call_loop, loops.call_turn, strict=True
                )
            ]
        return shaped

    def _node(self, i: int, n: NodeColumns) -> TraceNode:
        saved: list[SavedTensor] = []
        for key, v in n.saved[i]:
            if isinstance(v, torch.Tensor):
                saved.append({"name": key, "shape": list(v.shape), "value": self.tv(v)})  # type: ignore[typeddict-item]
            else:
                saved.append({"name": key, "shape": [], "value": python_number_value(v)})
        node: TraceNode = {
            "id": i,
            "kind": "input" if n.is_leaf[i] else "op",
            "op": n.op[i],
            "label": n.label[i],
            "name": n.name[i],
            "symbol": self.facts.symbols[i] if self.facts.nodes else None,
            "span": span_json(n.span[i]),
            "shape": n.shape[i],
            "dtype": n.dtype[i],
            "value": self.tv(n.value[i]),
            "value_note": n.value_note[i],
            "grad": self.tv(n.grad[i]),
            "requires_grad": n.requires_grad[i],
            "is_leaf": n.is_leaf[i],
            "is_output": n.is_output[i],
            "retains_grad": n.retains_grad[i],
            "saved": saved,
            "module": n.module[i],
            "call": n.call[i],
        }
        return node

    def shape_pass(self, p: PassFacts) -> Pass:
        """A pass with its steps, each explained."""
        raw = p.raw
        acc: dict[int, torch.Tensor] = dict(p.seeds)
        complete = len(self.facts.nodes) <= FULL_ACCUMULATOR_NODES
        steps = []
        for step, grad_norm in zip(p.steps, step_grad_norms(p), strict=True):
            for c in step.contributions:
                acc[c.to] = c.accumulated
            steps.append(self._step(step, acc, complete, raw.kind, grad_norm, p.hooks_at(step.index)))
        grads: dict[str, TensorValue | None] = {}
        if raw.kind == "grad":
            for t, g in zip(raw.input_tensors, raw.results, strict=False):
                grads[self.facts.rec.name_of_tensor(t) or f"input {len(grads)}"] = self.tv(g)
        else:
            grads = {k: self.tv(v) for k, v in raw.grads_after.items()}
        shaped: Pass = {
            "index": p.index,
            "kind": raw.kind,
            "span": span_json(raw.span),
            "roots": p.roots,
            "seeds": [self.tv(s) for s in raw.seeds],
            "start_narration": start_narration(self.facts, p),
            "steps": steps,
            "grads": grads,
            "node_grads": [{"node": nid, "grad": self.tv(g)} for nid, g in p.node_grads],
            "module_grad_norms": module_grad_norms(self.facts, p),
        }
        if p.hooks:  # only then: a trace without hooks is the same bytes as before
            shaped["hooks"] = hooks_json(p)
        return shaped

    def _step(
        self,
        step: StepFacts,
        acc: dict[int, torch.Tensor],
        complete: bool,
        kind: str,
        grad_norm: float | None,
        hooks: HooksAt,
    ) -> Step:
        details = explain_step(self.facts, step, kind, hooks)
        explained = explained_inputs(self.facts, step, details, self.tv)
        inputs: list[StepInput] = [
            {**e, "contribution": self.tv(c.grad)} for e, c in zip(explained, step.contributions, strict=True)
        ]
        changed = [c.to for c in step.contributions]
        shown = range(len(self.facts.nodes)) if complete else dict.fromkeys(changed)
        shaped: Step = {
            "index": step.index,
            "node": step.node,
            "grad_output": self.tv(step.grad_output),
            "inputs": inputs,
            "accumulators": [{"node": i, "grad": self.tv(acc.get(i))} for i in shown],
            "accumulators_complete": complete,
            "changed": changed,
            "narration": details.narration,
            "grad_norm": grad_norm,
        }
        if step.node in self.facts.index.multi_output:  # one gradient per output (docs/trace.md)
            shaped["grad_outputs"] = [self.tv(g) for g in step.raw.grad_outputs]
        return shaped
