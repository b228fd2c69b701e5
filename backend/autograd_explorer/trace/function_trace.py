"""Trace our own torch code (a model's forward pass), not a user program: ops recorded by a TorchFunctionMode.

The explorer language reports each expression to the recorder; plain Python code has no such
reporter, so a TorchFunctionMode sees every torch call instead and hands its output to the same
recorder. Everything after that (graph, backward capture, payload) is the tracer's usual path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, cast

import torch
from torch.overrides import TorchFunctionMode

from autograd_explorer.lang.contract import ProgramRun
from autograd_explorer.settings import Settings
from autograd_explorer.trace.facts import TraceFacts
from autograd_explorer.trace.graph_warnings import graph_warnings
from autograd_explorer.trace.jobs import collector_paused
from autograd_explorer.trace.readable import ReadableShaper
from autograd_explorer.trace.recorder import TraceRecorder


class _RecordOps(TorchFunctionMode):
    """Hands every torch call's tensor output to the recorder, labelled by the function's name."""

    def __init__(self, recorder: TraceRecorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and out.grad_fn is not None:
            name = getattr(func, "__name__", None) or "op"
            self.recorder.on_tensor(out, None, name.strip("_"))
        return out


def trace_function(
    fn: Callable[[], torch.Tensor],
    names: Mapping[str, torch.Tensor],
    settings: Settings,
    *,
    output_name: str = "output",
    jacobians: bool = True,
    max_value_elements: int | None = None,
) -> dict[str, Any]:
    """Run `fn()` (which computes from tensors named in `names`), backward from its output, trace it all."""
    started = time.perf_counter()
    recorder = TraceRecorder(
        jacobians=jacobians,
        max_jacobian_elements=settings.max_jacobian_elements,
        max_nodes=settings.max_trace_nodes,
        max_jacobian_steps=settings.max_jacobian_steps,
    )
    for name, tensor in names.items():
        recorder.on_assign(name, tensor, None)
    with collector_paused():
        with _RecordOps(recorder):
            output = fn()
        recorder.on_assign(output_name, output, None)
        run = ProgramRun(
            mode="program", namespace=dict(names), output=output, output_name=output_name, output_span=None
        )
        if output.requires_grad:
            recorder.run_auto_backward(output, torch.ones_like(output))
        facts = TraceFacts(recorder, run, output, settings.max_trace_nodes)
        max_elements = max_value_elements or settings.max_value_elements
        payload = ReadableShaper(facts, max_elements, settings.max_result_bytes).build(graph_warnings(facts))
    payload["stats"]["trace_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return cast(dict[str, Any], payload)  # a payload.TraceResponse, as JSON data
