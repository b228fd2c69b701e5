"""The recorder's facts as the payload POST /api/trace answers (readable form), plus module paths.

Shaping is the web trace's own (facts.py, readable.py): only the ProgramRun around it is built
here, from what the user's Python left. A recording without a backward pass gets one, as the web
trace gives one; it runs with retain_graph and the leaves' `.grad` are put back afterwards, so
looking at a model never changes what the user's next optimizer step sees.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from autograd_explorer.lang.contract import ProgramRun
from autograd_explorer.settings import Settings
from autograd_explorer.trace.backward_capture import iter_graph
from autograd_explorer.trace.facts import TraceFacts
from autograd_explorer.trace.graph_warnings import graph_warnings
from autograd_explorer.trace.payload import TraceResponse
from autograd_explorer.trace.readable import ReadableShaper
from autograd_explorer.trace.recorder import TraceRecorder, root_node

_DEFAULTS = Settings.model_fields


@dataclass(frozen=True)
class RecordLimits:
    """How much a recording keeps: the web trace's defaults (settings.py), changeable per call."""

    max_value_elements: int = _DEFAULTS["max_value_elements"].default
    max_jacobian_elements: int = _DEFAULTS["max_jacobian_elements"].default
    max_jacobian_steps: int = _DEFAULTS["max_jacobian_steps"].default
    max_nodes: int = _DEFAULTS["max_trace_nodes"].default
    max_result_bytes: int = _DEFAULTS["max_result_bytes"].default
    jacobians: bool = True

    def recorder(self) -> TraceRecorder:
        return TraceRecorder(
            jacobians=self.jacobians,
            max_jacobian_elements=self.max_jacobian_elements,
            max_nodes=self.max_nodes,
            max_jacobian_steps=self.max_jacobian_steps,
        )


def name_everything(recorder: TraceRecorder, scope: Mapping[str, Any]) -> dict[int, str]:
    """Bind the user's names: parameters as `model.fc1.weight`, then tensors by variable name.

    Returns id(module) -> variable name for the modules found in `scope` (the roots' names).
    """
    module_names: dict[int, str] = {}
    tensors: list[tuple[str, torch.Tensor]] = []
    for name, value in scope.items():
        if name.startswith("_"):  # IPython's _, __, _1 … and private helpers
            continue
        if isinstance(value, nn.Module):
            module_names.setdefault(id(value), name)
            for param_name, param in value.named_parameters():
                recorder.on_assign(f"{name}.{param_name}", param, None)
        elif isinstance(value, torch.Tensor):
            tensors.append((name, value))
    for name, value in tensors:  # variables win over parameter paths (`w = model.fc.weight`)
        recorder.on_assign(name, value, None)
    return module_names


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
    return [fn for fn in iter_graph([root_node(output)]) if type(fn).__name__ == "AccumulateGrad"]


def shape_recording(
    recorder: TraceRecorder,
    output: torch.Tensor,
    output_name: str | None,
    warnings: list[str],
    node_modules: Mapping[int, str],
    limits: RecordLimits,
    started: float,
) -> TraceResponse:
    """The readable payload, each node with the module path (`module`) that made it, if any."""
    restore = backward_if_none(recorder, output, warnings)
    try:
        run = ProgramRun("program", {}, output, output_name, None, backward_calls=len(recorder.passes))
        facts = TraceFacts(recorder, run, output, limits.max_nodes)
        payload = ReadableShaper(facts, limits.max_value_elements, limits.max_result_bytes).build(
            warnings + graph_warnings(facts)
        )
    finally:
        for leaf, grad in restore:
            leaf.grad = grad
    for node, fn in zip(payload["nodes"], facts.nodes, strict=False):
        path = node_modules.get(id(fn))
        if path is not None:
            node["module"] = path  # the notebook's own forward hooks (no language regions here)
    payload["stats"]["trace_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return payload
