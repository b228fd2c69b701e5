"""The recorder's facts as the payloads: readable (POST /api/trace's), and compact for the page.

Shaping is the web trace's own (facts.py, readable.py, compact.py, details.py): only the
ProgramRun around it is built here, from what the user's Python left, and only when asked for.
A recording without a backward pass gets one, as the web trace gives one; it runs with
retain_graph and the leaves' `.grad` are put back afterwards, so looking at a model never changes
what the user's next optimizer step sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import compress
from typing import Any, TypeVar

import torch
from torch import nn

from autograd_explorer.lang.contract import ProgramRun, Stop
from autograd_explorer.trace import limits
from autograd_explorer.trace.backward_capture import graph_nodes
from autograd_explorer.trace.compact import CompactShaper
from autograd_explorer.trace.details import explain_steps
from autograd_explorer.trace.facts import TraceFacts
from autograd_explorer.trace.graph_warnings import graph_warnings
from autograd_explorer.trace.payload import CompactTrace, TraceDetails, TraceResponse
from autograd_explorer.trace.readable import ReadableShaper
from autograd_explorer.trace.recorder import TraceRecorder, root_node
from autograd_explorer.trace.stopped import mark_stopped

_NAMED = (nn.Module, torch.Tensor)  # what a scope's names are bound to
# A node, the module path and call label it was made in (either may be None), as RegionTags keeps them;
# no loop turn and no call run: a notebook's frames say which function runs, not which call of it
NodeRegion = tuple[Any, str | None, str | None, None, None]


@dataclass(frozen=True)
class RecordLimits:
    """How much a recording keeps: the web trace's defaults (settings.py), changeable per call."""

    max_value_elements: int = limits.MAX_VALUE_ELEMENTS
    max_jacobian_elements: int = limits.MAX_JACOBIAN_ELEMENTS
    max_jacobian_steps: int = limits.MAX_JACOBIAN_STEPS
    # A freed graph's Jacobians can only be taken inside its pass, one call of the node per output
    # element: the web trace's up to 1,024 calls a node would cost far more than the step itself.
    # One row: scalar-output nodes (a loss's is free: the engine's own call gave it). None: as the
    # web trace, every node up to max_jacobian_elements.
    max_jacobian_rows: int | None = 1
    max_nodes: int = limits.MAX_TRACE_NODES
    max_result_bytes: int = limits.MAX_RESULT_BYTES
    jacobians: bool = True

    def recorder(self) -> TraceRecorder:
        return TraceRecorder(
            jacobians=self.jacobians,
            max_jacobian_elements=self.max_jacobian_elements,
            max_jacobian_rows=self.max_jacobian_rows,
            max_nodes=self.max_nodes,
            max_jacobian_steps=self.max_jacobian_steps,
        )


def name_everything(
    recorder: TraceRecorder, scope: Mapping[str, Any], named: set[int] | None = None
) -> dict[int, str]:
    """Bind the user's names: parameters as `model.fc1.weight`, then tensors by variable name.

    Returns id(module) -> variable name for the modules found in `scope` (the roots' names).
    `named`: ids of modules whose parameters an earlier call bound (skipped: a recording names
    before each backward pass and at its end, and walking a large model's parameters costs).
    """
    module_names: dict[int, str] = {}
    tensors: list[tuple[str, torch.Tensor]] = []
    for name, value in modules_and_tensors(scope):
        if name.startswith("_"):  # IPython's _, __, _1 … and private helpers
            continue
        if isinstance(value, nn.Module):
            module_names.setdefault(id(value), name)
            if named is not None and id(value) in named:
                continue
            for param_name, param in value.named_parameters():
                recorder.on_assign(f"{name}.{param_name}", param, None)
        elif isinstance(value, torch.Tensor):
            tensors.append((name, value))
    for name, value in tensors:  # variables win over parameter paths (`w = model.fc.weight`)
        recorder.on_assign(name, value, None)
    if named is not None:
        named.update(module_names)
    return module_names


class _NamedTypes(dict[type, bool]):
    """type -> whether its values are named (a module or a tensor): each type tested once."""

    def __missing__(self, kind: type) -> bool:
        if len(self) >= _MAX_TYPES:  # classes redefined cell after cell: not kept alive forever
            self.clear()
        named = self[kind] = issubclass(kind, _NAMED)
        return named


# the types met in the scopes named so far (a notebook's few dozen: imports, functions, numbers),
# at most _MAX_TYPES of them
_MAX_TYPES = 4_096
_named_type = _NamedTypes()


def modules_and_tensors(scope: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """The scope's entries whose value is a module or a tensor, in order, picked out in C.

    A notebook's globals are mostly imports, functions and numbers: one Python test per entry,
    twice a recording (before its backward pass and at its end), was most of naming them. Each
    entry's type is looked up in `_named_type` (map and compress; no set of the scope's types
    made and tested per call).
    """
    return compress(scope.items(), map(_named_type.__getitem__, map(type, scope.values())))


def backward_if_none(
    recorder: TraceRecorder, output: torch.Tensor, warnings: list[str]
) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """The tracer's own backward on `output` when the code ran none (seed ones, as the web trace).

    Returns each leaf with the `.grad` it had before, to be put back once the payload is shaped.
    """
    if recorder.passes or not output.requires_grad:
        return []
    if output.numel() != 1:
        warnings.append(
            f"The output has shape {list(output.shape)}, not a scalar: the backward pass shown used "
            "ones as its gradient (the gradient of its sum)."
        )
    leaves = [fn.variable for fn in _leaf_nodes(output)]
    before = [leaf.grad for leaf in leaves]
    try:
        recorder.run_auto_backward(output, torch.ones_like(output))
    except RuntimeError as exc:  # e.g. its graph was freed by an earlier backward()
        warnings.append(f"No backward pass could be run on the output: {exc}")
    return list(zip(leaves, before, strict=True))


def _leaf_nodes(output: torch.Tensor) -> list[Any]:
    return [fn for fn in graph_nodes([root_node(output)]) if type(fn).__name__ == "AccumulateGrad"]


class PageTrace(CompactTrace):
    """The compact trace with every step explained: what the standalone page and the widget show.

    The web page asks the server for step details (formulas, Jacobians, narration) as steps are
    opened; a page saved from a notebook has no server, so they travel with it (`details`, one
    POST /api/trace/details answer per pass).
    """

    details: list[TraceDetails]


class Finished:
    """A recording's facts, frozen when its block ended, shaped only when first shown or asked for.

    Watching is what a `with record()` block pays for; the payload (facts, accumulators, narration)
    costs 5-30x a bare step of a small model, so a recording that is never displayed never pays it.
    """

    def __init__(
        self,
        recorder: TraceRecorder,
        output: torch.Tensor,
        output_name: str | None,
        warnings: list[str],
        limits: RecordLimits,
        recorded_ms: float,
        node_regions: Callable[[], Mapping[int, NodeRegion]] = dict,
        stopped: Stop | None = None,
    ) -> None:
        self.recorder = recorder
        self.stopped = stopped  # the error that ended the block (stopped.py)
        self.node_regions = node_regions
        self.output = output
        self.output_name = output_name
        self.warnings = warnings
        self.limits = limits
        self.recorded_ms = recorded_ms  # the block's own time, watching included
        self._facts: tuple[TraceFacts, list[str]] | None = None

    def facts(self) -> tuple[TraceFacts, list[str]]:
        """The graph and passes as typed records, and every warning (built once)."""
        if self._facts is None:
            # The module paths and calls go where the web trace's own regions go (the recorder's
            # RegionTags), so both payload forms carry them. Resolved here, not when the block
            # ended: named_modules() of every module seen is a tenth of a small model's step.
            tags = self.recorder.regions.tags
            for key, region in self.node_regions().items():
                tags.setdefault(key, region)
            run = ProgramRun(
                "program",
                {},
                self.output,
                self.output_name,
                None,
                backward_calls=len(self.recorder.passes),
                stopped=self.stopped,
            )
            facts = TraceFacts(self.recorder, run, self.output, self.limits.max_nodes)
            self._facts = facts, self.warnings + graph_warnings(facts)
        return self._facts

    def readable(self) -> TraceResponse:
        """The readable payload POST /api/trace answers, nodes with their `module` path."""
        started = time.perf_counter()
        facts, warnings = self.facts()
        limits = self.limits
        payload = ReadableShaper(facts, limits.max_value_elements, limits.max_result_bytes).build(warnings)
        mark_stopped(payload, facts)
        return self._timed(payload, started)

    def page(self) -> PageTrace:
        """The compact payload with every step's details, for the page and the widget."""
        started = time.perf_counter()
        facts, warnings = self.facts()
        limits = self.limits
        compact = CompactShaper(facts, limits.max_value_elements, limits.max_result_bytes).build(warnings)
        mark_stopped(compact, facts)
        details = [
            explain_steps(facts, p.index, 0, p.step_count, limits.max_value_elements)
            for p in facts.passes
            if p.step_count
        ]
        return self._timed(PageTrace(**compact, details=details), started)

    def _timed(self, payload: _Payload, started: float) -> _Payload:
        shaping_ms = (time.perf_counter() - started) * 1000
        payload["stats"]["trace_ms"] = round(self.recorded_ms + shaping_ms, 3)
        return payload


_Payload = TypeVar("_Payload", TraceResponse, PageTrace)


def finish(
    recorder: TraceRecorder,
    output: torch.Tensor,
    warnings: list[str],
    node_regions: Callable[[], Mapping[int, NodeRegion]],
    limits: RecordLimits,
    started: float,
    stopped: Stop | None = None,
) -> Finished:
    """End a recording: a backward pass if it ran none (and did not stop), live state copied.

    `node_regions`: id(node) -> (node, module path, call label), called when the recording is first
    shaped.
    `stopped`: the error that ended the block.
    """
    # A block stopped before its backward() is shown as far as it ran, as the web trace shows a
    # program (trace/tracer.py): no pass of our own over a graph the code never finished.
    restore = backward_if_none(recorder, output, warnings) if stopped is None else []
    try:
        recorder.freeze([root] if (root := root_node(output)) is not None else [])
    finally:
        for leaf, grad in restore:
            leaf.grad = grad
    recorded_ms = (time.perf_counter() - started) * 1000
    output_name = recorder.name_of_tensor(output)
    return Finished(recorder, output, output_name, warnings, limits, recorded_ms, node_regions, stopped)
