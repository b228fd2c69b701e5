"""The trace engine's jobs as plain-data functions: what the API (or an isolated worker) calls."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from autograd_explorer.lang.budget import shared_deadline
from autograd_explorer.settings import Settings
from autograd_explorer.trace.torchviz_view import torchviz_view
from autograd_explorer.trace.tracer import TraceOptions, trace_program


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one bounded job.

    A trace allocates tens of thousands of small objects (tensors, hooks, payload dicts) and
    triggers full collections that rescan everything alive: a 5,000-node trace took 2.5x longer
    with the collector on. Refcounting frees nearly all of it anyway; cycles wait for the next
    collection after the job.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_trace_job(params: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A TraceRequest's fields in, the trace payload out."""
    options = TraceOptions(
        output=params.get("output"),
        backward=bool(params.get("backward", True)),
        jacobians=bool(params.get("jacobians", True)),
        max_value_elements=params.get("max_value_elements"),
    )
    # One wall clock for the request, however many Budgets the trace creates.
    with collector_paused(), shared_deadline(settings.max_wall_seconds, "max_wall_seconds"):
        return trace_program(params["source"], params.get("inputs") or {}, options, settings)


def run_torchviz_job(params: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A TorchvizRequest's fields in, {dot, svg, …} out."""
    with shared_deadline(settings.max_wall_seconds, "max_wall_seconds"):
        return torchviz_view(params["source"], params.get("inputs") or {}, settings)
