"""trace_program: run a program on real PyTorch and describe its graph, values and backward steps."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import BackwardRequest, ProgramRun, Span
from autograd_explorer.lang.run import limits_from_settings, run_program
from autograd_explorer.settings import Settings
from autograd_explorer.trace.backward_capture import Node, RawPass, RawStep, read_saved
from autograd_explorer.trace.formulas import FormulaContext, local_formulas
from autograd_explorer.trace.graph import GraphIndex, graph_edges, index_graph
from autograd_explorer.trace.naming import (
    display_names,
    latex_symbol,
    op_kind,
    op_short,
    saved_key_for_slot,
    unicode_name,
)
from autograd_explorer.trace.narration import latex_to_text, narrate_leaf, narrate_op
from autograd_explorer.trace.recorder import TraceRecorder, root_node
from autograd_explorer.trace.values import dtype_name, format_number, short_repr, tensor_value

FULL_ACCUMULATOR_NODES = 100  # above this, steps carry only the accumulators that changed
LABEL_CHARS = 40


@dataclass(frozen=True)
class TraceOptions:
    """What to trace and how much to say."""

    output: str | None = None
    backward: bool = True
    jacobians: bool = True
    max_value_elements: int | None = None


def trace_program(
    source: str, inputs: Mapping[str, object] | None, options: TraceOptions, settings: Settings
) -> dict[str, Any]:
    """The whole trace payload (see docs/api.md: nodes, edges, output, steps, passes, grads…)."""
    started = time.perf_counter()
    recorder = TraceRecorder(
        jacobians=options.jacobians,
        max_jacobian_elements=settings.max_jacobian_elements,
        max_nodes=settings.max_trace_nodes,
        max_jacobian_steps=settings.max_jacobian_steps,
    )
    observer = RealValuesOnly(recorder)
    run = run_program(source, inputs, limits_from_settings(settings), observer, output=options.output)
    if run.mode == "program" and options.output is None and not _has_tensor(run.output):
        # It defines functions and prints (its tensors lived inside functions): a valid answer.
        return printed_only_payload(run, started)
    output = as_output_tensor(run)
    warnings = list(run.warnings)  # after as_output_tensor, which may add one
    if options.backward and run.backward_calls == 0 and output.requires_grad:
        seed = torch.ones_like(output)
        if output.numel() != 1:
            warnings.append(
                f"The output has shape {list(output.shape)}, not a scalar: backward needs a gradient "
                "argument, so the trace used ones (a vector–Jacobian product with 1), i.e. the "
                "gradient of its sum."
            )
        try:
            recorder.run_auto_backward(output, seed)
        except RuntimeError as exc:
            span = run.output_span
            raise ProgramError(
                "autograd", str(exc), span.line if span else None, span.column if span else None
            ) from exc
    builder = PayloadBuilder(recorder, run, output, settings, options)
    payload = builder.build(warnings)
    payload["stats"]["trace_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return payload


def _has_tensor(value: object) -> bool:
    return isinstance(value, torch.Tensor) or (
        isinstance(value, tuple | list) and bool(value) and isinstance(value[0], torch.Tensor)
    )


def printed_only_payload(run: ProgramRun, started: float) -> dict[str, Any]:
    """The answer for a program that left no tensor to draw: what it printed, and why no graph."""
    return {
        "mode": run.mode,
        "nodes": [],
        "edges": [],
        "output": {"node": None, "name": None, "value": None},
        "steps": [],
        "passes": [],
        "grads": {},
        "grad_history": {},
        "warnings": [
            *run.warnings,
            "The program left no tensor to draw (no variable of the program holds one), so there "
            "is no graph: its printed output is the answer.",
        ],
        "printed": list(run.printed),
        "stats": {
            "nodes": 0,
            "edges": 0,
            "steps": 0,
            "passes": 0,
            "trace_ms": round((time.perf_counter() - started) * 1000, 3),
        },
    }


def complex_refusal(what: str, span: Span | None) -> ProgramError:
    """Complex values have no place in the payload (and PyTorch's autograd of them is Wirtinger's)."""
    where = (span.line, span.column, span.end_line, span.end_column) if span else (None, None, None, None)
    return ProgramError("runtime", f"complex numbers are not supported: {what} is complex", *where)


class RealValuesOnly:
    """The recorder, refusing a complex tensor at the line that made or named it."""

    def __init__(self, recorder: TraceRecorder) -> None:
        self.recorder = recorder

    def on_tensor(self, value: torch.Tensor, span: Span, text: str) -> None:
        if value.is_complex():
            raise complex_refusal(f"`{text}`" if len(text) <= LABEL_CHARS else "this value", span)
        self.recorder.on_tensor(value, span, text)

    def on_assign(self, name: str, value: object, span: Span) -> None:
        if isinstance(value, torch.Tensor) and value.is_complex():  # e.g. unpacked from a tuple
            raise complex_refusal(name, span)
        self.recorder.on_assign(name, value, span)

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        return self.recorder.run_backward(request)


def as_output_tensor(run: ProgramRun) -> torch.Tensor:
    """The program's output as a tensor; numbers become constant tensors, anything else is an error."""
    value = run.output
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, bool | int | float):
        return torch.tensor(value)
    if isinstance(value, tuple | list) and value and isinstance(value[0], torch.Tensor):
        if value[0].is_complex():  # a tuple's items were never reported one by one
            raise complex_refusal("the output", run.output_span)
        # e.g. torch.max(x, dim=0) returns (values, indices): the values carry the graph
        run.warnings.append(
            f"The output is a {type(value).__name__} of {len(value)} items; tracing its first."
        )
        return value[0]
    span = run.output_span
    if isinstance(value, complex):
        raise complex_refusal("the output", span)
    raise ProgramError(
        "runtime",
        "the program has no tensor output: end it with an expression, or name a variable as output",
        span.line if span else None,
        span.column if span else None,
    )


def span_json(span: Span | None) -> dict[str, int] | None:
    """A Span as the payload's {line, column, end_line, end_column}."""
    if span is None:
        return None
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


class PayloadBuilder:
    """Turns what the recorder saw into the JSON-ready payload (after every pass has finished)."""

    def __init__(
        self,
        recorder: TraceRecorder,
        run: ProgramRun,
        output: torch.Tensor,
        settings: Settings,
        options: TraceOptions,
    ) -> None:
        self.rec = recorder
        self.run = run
        self.output = output
        self.max_elements = options.max_value_elements or settings.max_value_elements
        # Each number sent whole costs at least two characters ("1,"): past this many the answer is
        # surely over max_result_bytes, so it is refused before it is built (30 nodes of 100,000
        # values made 1.2 GB of JSON).
        self.max_result_bytes = settings.max_result_bytes
        self.numbers_left = settings.max_result_bytes // 2
        roots: list[Node] = [r for p in recorder.passes for r in p.roots]
        out_root = root_node(output)
        roots.append(out_root)
        self.index: GraphIndex = index_graph(roots, settings.max_trace_nodes)
        self.output_id = self.index.node_id(out_root)
        self.names = [self._name_of(fn) for fn in self.index.nodes]
        leaf = [type(fn).__name__ == "AccumulateGrad" for fn in self.index.nodes]
        shown = display_names(self.names, leaf, self.output_id)
        self.symbols = [latex_symbol(n) for n in shown]
        self.readable = [unicode_name(n) for n in shown]
        self._tv_cache: dict[int, tuple[torch.Tensor, dict[str, Any] | None]] = {}

    # --- values -------------------------------------------------------------------------
    def tv(self, t: torch.Tensor | None) -> dict[str, Any] | None:
        """TensorValue, shared between steps that show the same tensor object."""
        if t is None:
            return None
        hit = self._tv_cache.get(id(t))
        if hit is not None and hit[0] is t:
            value = hit[1]
        else:
            value = tensor_value(t, self.max_elements)
            self._tv_cache[id(t)] = (t, value)
        if value is not None and value["data"] is not None:  # every occurrence is written out
            self.numbers_left -= max(t.numel(), 1)
            if self.numbers_left < 0:
                raise ProgramError(
                    "limit",
                    f"the trace would be more than {self.max_result_bytes:,} bytes of JSON, the limit "
                    "(max_result_bytes): ask for fewer values (a smaller max_value_elements or program)",
                )
        return value

    def _name_of(self, fn: Node) -> str | None:
        if type(fn).__name__ == "AccumulateGrad":
            return self.rec.name_of_tensor(fn.variable)
        named = self.rec.names.get(id(fn))
        return named[1] if named and named[0] is fn else None

    # --- payload ------------------------------------------------------------------------
    def build(self, warnings: list[str]) -> dict[str, Any]:
        """Everything: nodes, edges, output, steps, passes, grads, history, warnings, stats."""
        passes = [self._pass(i, raw) for i, raw in enumerate(self.rec.passes)]
        nodes = [self._node(i, fn) for i, fn in enumerate(self.index.nodes)]
        if not nodes:
            nodes = [self._constant_node()]
            warnings.append(self._no_graph_reason())
        warnings.extend(self._cut_leaves())
        edges = graph_edges(self.index)
        history: dict[str, list[Any]] = {}
        for p in self.rec.passes:
            for name, g in p.grads_after.items():
                history.setdefault(name, []).append(self.tv(g))
        steps = passes[-1]["steps"] if passes else []
        return {
            "mode": self.run.mode,
            "nodes": nodes,
            "edges": edges,
            "output": {
                "node": self.output_id if self.index.nodes else 0,
                "name": self.run.output_name,
                "value": self.tv(self.output),
            },
            "steps": steps,
            "passes": passes,
            "grads": {k: self.tv(v) for k, v in self.rec.named_leaf_grads().items()},
            "grad_history": history,
            "warnings": warnings,
            "printed": list(self.run.printed),
            "stats": {
                "nodes": len(nodes),
                "edges": len(edges),
                "steps": len(steps),
                "passes": len(passes),
                "trace_ms": 0.0,
            },
        }

    def _node(self, i: int, fn: Node) -> dict[str, Any]:
        op = type(fn).__name__
        name = self.names[i]
        # The tensor's own `.grad` now, after every pass: a leaf's sums all its backward calls (the
        # accumulation pitfall); what one pass delivered is in that pass's steps, not here.
        grad = self.rec.grad_of(fn)
        base: dict[str, Any] = {
            "id": i,
            "op": op,
            "name": name,
            "symbol": self.symbols[i],
            "requires_grad": True,
            "is_output": i == self.output_id,
            "grad": self.tv(grad),
            "value_note": None,
        }
        if op == "AccumulateGrad":
            tensor = fn.variable
            leaf = self.rec.leaves.get(id(tensor))
            base.update(
                kind="input",
                label=name or (leaf.text if leaf and leaf.text else "leaf"),
                span=span_json(leaf.span if leaf else None),
                shape=list(tensor.shape),
                dtype=dtype_name(tensor),
                value=self.tv(tensor),
                is_leaf=True,
                retains_grad=False,
                saved=[],
            )
            return base
        entry = self.rec.forward.get(id(fn))
        record = entry[1] if entry and entry[0] is fn else None
        meta = getattr(fn, "_input_metadata", None)
        if record is not None:
            text = record.text
            label = text if len(text) <= LABEL_CHARS else f"{op_short(op)} ({text[: LABEL_CHARS - 8]}…)"
            base.update(
                label=label,
                span=span_json(record.span),
                shape=list(record.value.shape),
                dtype=dtype_name(record.value),
                value=self.tv(record.value),
                retains_grad=bool(record.tensor.retains_grad),
            )
        else:
            base.update(
                label=op_short(op),
                span=None,
                shape=list(meta[0].shape) if meta else None,
                dtype=str(meta[0].dtype).removeprefix("torch.") if meta else None,
                value=None,
                retains_grad=False,
                value_note=f"{op}: an internal node (inside a library call or a backward "
                "formula); the program never saw its value",
            )
        base.update(kind="op", is_leaf=False, saved=self._saved(fn))
        return base

    def saved_of(self, fn: Node) -> dict[str, object]:
        """The node's saved values: read during a pass that freed them, else read now (once)."""
        saved = self.rec.saved.get(id(fn))
        if saved is None:
            saved = read_saved(fn) or {}
            self.rec.saved[id(fn)] = saved
        return saved

    def _saved(self, fn: Node) -> list[dict[str, Any]]:
        saved = self.saved_of(fn)
        out = []
        for key, v in saved.items():
            if isinstance(v, torch.Tensor):
                out.append({"name": key, "shape": list(v.shape), "value": self.tv(v)})
            elif isinstance(v, bool | int | float):
                out.append(
                    {
                        "name": key,
                        "shape": [],
                        "value": {
                            "shape": [],
                            "dtype": type(v).__name__,
                            "data": v,
                            "summary": None,
                            "truncated": False,
                        },
                    }
                )
        return out

    def _constant_node(self) -> dict[str, Any]:
        span = self.run.output_span
        return {
            "id": 0,
            "kind": "input",
            "op": "Constant",
            "label": self.run.output_name or "output",
            "name": self.run.output_name,
            "span": span_json(span),
            "shape": list(self.output.shape),
            "dtype": dtype_name(self.output),
            "value": self.tv(self.output),
            "value_note": None,
            "grad": None,
            "requires_grad": False,
            "is_leaf": True,
            "is_output": True,
            "retains_grad": False,
            "saved": [],
        }

    def _no_graph_reason(self) -> str:
        name = self.run.output_name or "The output"
        if self.rec.detach_spans:
            span, text = self.rec.detach_spans[-1]
            line = span.line if span else "?"
            return (
                f"{name} has no graph: `{text}` on line {line} returned a tensor cut from the "
                "graph (requires_grad=False), so nothing can flow back through it."
            )
        if self.rec.leaves:
            return (
                f"{name} has no graph: it was computed under torch.no_grad() (requires_grad=False), "
                "so PyTorch recorded no operations and there is nothing to differentiate."
            )
        return (
            f"{name} has no graph: no tensor in its computation requires grad (create one with "
            "requires_grad=True)."
        )

    def _cut_leaves(self) -> list[str]:
        out = []
        in_graph = {id(fn.variable) for fn in self.index.nodes if type(fn).__name__ == "AccumulateGrad"}
        for name, t in self.rec.bound.items():
            if not (t.is_leaf and t.requires_grad) or t.grad is not None or id(t) in in_graph:
                continue
            if not self.index.nodes:
                continue
            where = ""
            if self.rec.detach_spans:
                span, text = self.rec.detach_spans[-1]
                where = f" The path was cut by `{text}` on line {span.line if span else '?'}."
            out.append(
                f"{name} gets no gradient: it is not in the graph of the output, so "
                f"{name}.grad stays None.{where}"
            )
        return out

    # --- passes and steps ---------------------------------------------------------------
    def _pass(self, index: int, raw: RawPass) -> dict[str, Any]:
        """A pass's payload."""
        acc: dict[int, torch.Tensor] = {}
        steps: list[dict[str, Any]] = []
        self._replay(raw, acc, record=steps, kind=raw.kind)
        grads: dict[str, Any] = {}
        if raw.kind == "grad":
            for t, g in zip(raw.input_tensors, raw.results, strict=False):
                grads[self.rec.name_of_tensor(t) or f"input {len(grads)}"] = self.tv(g)
        else:
            grads = {k: self.tv(v) for k, v in raw.grads_after.items()}
        return {
            "index": index,
            "kind": raw.kind,
            "span": span_json(raw.span),
            "roots": [i for i in (self.index.node_id(r) for r in raw.roots) if i is not None],
            "seeds": [self.tv(s) for s in raw.seeds],
            "steps": steps,
            "grads": grads,
        }

    def _replay(
        self, raw: RawPass, acc: dict[int, torch.Tensor], record: list[dict[str, Any]], kind: str
    ) -> None:
        """Re-add the recorded contributions in engine order, optionally writing step payloads."""
        for root, seed in zip(raw.roots, raw.seeds, strict=False):
            rid = self.index.node_id(root)
            if rid is not None:
                acc[rid] = seed if rid not in acc else acc[rid] + seed
        complete = len(self.index.nodes) <= FULL_ACCUMULATOR_NODES
        for step in raw.steps:
            nid = self.index.node_id(step.fn)
            if nid is None:
                continue
            changed, inputs = self._apply_step(nid, step, acc)
            shown = range(len(self.index.nodes)) if complete else changed
            record.append(
                {
                    "index": len(record),
                    "node": nid,
                    "grad_output": self.tv(step.grad_outputs[0] if step.grad_outputs else None),
                    "inputs": inputs,
                    "contributions": [{"to": i["to"], "value": i["contribution"]} for i in inputs],
                    "accumulators": {str(i): self.tv(acc.get(i)) for i in shown},
                    "accumulators_complete": complete,
                    "changed": changed,
                    "narration": self._narrate(nid, step, inputs, kind),
                }
            )

    def _apply_step(
        self, nid: int, step: RawStep, acc: dict[int, torch.Tensor]
    ) -> tuple[list[int], list[dict[str, Any]]]:
        fn = step.fn
        op = type(fn).__name__
        if op == "AccumulateGrad":
            return [], []
        changed: list[int] = []
        inputs: list[dict[str, Any]] = []
        formulas = self._formulas(nid, fn)
        for slot, (producer, _) in enumerate(fn.next_functions):
            to = self.index.node_id(producer)
            g = step.grad_inputs[slot] if slot < len(step.grad_inputs) else None
            if to is None or g is None:
                continue
            acc[to] = g if to not in acc else acc[to] + g
            changed.append(to)
            jac = step.jacobians[slot] if step.jacobians and slot < len(step.jacobians) else None
            formula = formulas[slot] if slot < len(formulas) else None
            inputs.append(
                {
                    "slot": slot,
                    "to": to,
                    "symbol": self.symbols[to],
                    "formula": formula[0] if formula else None,
                    "formula_value": formula[1] if formula else None,
                    "jacobian": None if jac is None else {"shape": list(jac.shape), "data": self.tv(jac)},
                    "contribution": self.tv(g),
                }
            )
        return changed, inputs

    def _formulas(self, nid: int, fn: Node) -> list[tuple[str, str | None] | None]:
        saved = self.saved_of(fn)
        symbols = []
        for slot, (producer, _) in enumerate(fn.next_functions):
            pid = self.index.node_id(producer)
            symbols.append(self.symbols[pid] if pid is not None else self._constant_symbol(slot, saved))
        constant = tuple(self.index.node_id(p) is None for p, _ in fn.next_functions)
        ctx = FormulaContext(inputs=symbols, output=self.symbols[nid], saved=saved, constant=constant)
        return local_formulas(type(fn).__name__, ctx)

    def _constant_symbol(self, slot: int, saved: dict[str, object]) -> str:
        """A constant input: the user's name for it, else its value when a number, else c."""
        key = saved_key_for_slot(slot, saved)
        value = saved.get(key) if key else None
        if isinstance(value, torch.Tensor):
            name = self.rec.name_of_tensor(value)
            if name:
                return latex_symbol(name)
            if value.numel() == 1:
                return format_number(float(value.detach().reshape(())))
        elif isinstance(value, int | float):
            return format_number(float(value))
        return "c"

    def _narrate(self, nid: int, step: RawStep, inputs: list[dict[str, Any]], kind: str) -> str:
        incoming = short_repr(step.grad_outputs[0] if step.grad_outputs else None)
        fn = step.fn
        name = self.readable[nid]
        if type(fn).__name__ == "AccumulateGrad":
            return narrate_leaf(name, incoming, kind)
        entry = self.rec.forward.get(id(fn))
        label = entry[1].text if entry and entry[0] is fn and len(entry[1].text) <= LABEL_CHARS else ""
        parts = []
        for item in inputs:
            g = step.grad_inputs[item["slot"]]
            parts.append(
                (
                    latex_to_text(item["formula"]) if item["formula"] else "",
                    latex_to_text(item["formula_value"]) if item["formula_value"] else None,
                    short_repr(g),
                    self.readable[item["to"]],
                )
            )
        return narrate_op(op_kind(type(fn).__name__), name, label, incoming, parts)
