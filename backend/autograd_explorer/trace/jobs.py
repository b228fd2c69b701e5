"""The trace engine's jobs as plain-data functions: what the API (or an isolated worker) calls."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from autograd_explorer.after_reply import after_reply
from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.budget import shared_deadline
from autograd_explorer.trace.details import explain_steps
from autograd_explorer.trace.payload import TraceDetails
from autograd_explorer.trace.torchviz_view import torchviz_view
from autograd_explorer.trace.tracer import TraceOptions, record_program, trace_program

if TYPE_CHECKING:  # passed in by the app; record() never loads its settings (pydantic-settings)
    from autograd_explorer.settings import Settings


class collector_paused:  # lower case: used as `with collector_paused():`, as when it was a function
    """Pause the cyclic garbage collector for one bounded job.

    A trace allocates tens of thousands of small objects (tensors, hooks, payload dicts) and
    triggers full collections that rescan everything alive: a 5,000-node trace took 2.5x longer
    with the collector on. Refcounting frees nearly all of it anyway; cycles wait for the next
    collection after the job. A class, not a generator: record() enters and leaves it around every
    recorded block, where a generator's context manager cost a measurable share of a small model's step.
    """

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()


def trace_options(params: Mapping[str, Any], **extra: Any) -> TraceOptions:
    """TraceOptions from a TraceRequest's fields."""
    return TraceOptions(
        output=params.get("output"),
        backward=bool(params.get("backward", True)),
        jacobians=bool(params.get("jacobians", True)),
        max_value_elements=params.get("max_value_elements"),
        format="compact" if params.get("format") == "compact" else "readable",
        pass_index=params.get("pass_index"),
        on_error="graph" if params.get("on_error") == "graph" else "error",
        **extra,
    )


def run_trace_job(params: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """A TraceRequest's fields in, the trace payload out."""
    # One wall clock for the request, however many Budgets the trace creates.
    with collector_paused(), shared_deadline(settings.max_wall_seconds, "max_wall_seconds"):
        payload = trace_program(params["source"], params.get("inputs") or {}, trace_options(params), settings)
    # JSON data for the pool and the CLI; its shape is payload.TraceResponse or CompactTrace
    return cast(dict[str, Any], payload)


def run_details_job(params: Mapping[str, Any], settings: Settings) -> TraceDetails:
    """A DetailsRequest's fields in: the program runs again (it is deterministic), Jacobians only
    for the requested steps, and those steps are explained."""
    start, stop = params["steps"]
    window = (params.get("pass"), start, stop)
    if params.get("pass") is not None:  # that pass must be recorded step by step
        params = {**params, "pass_index": params["pass"]}
    with collector_paused(), shared_deadline(settings.max_wall_seconds, "max_wall_seconds"):
        recording = record_program(
            params["source"],
            params.get("inputs") or {},
            trace_options(params, jacobian_window=window),
            settings,
        )
        if recording.facts is None:
            raise ProgramError(
                "runtime", "the program left no tensor to draw: it has no backward steps to explain"
            )
        details = explain_steps(
            recording.facts,
            params.get("pass"),
            start,
            stop,
            params.get("max_value_elements") or settings.max_value_elements,
        )
        after_reply(recording.release)  # freed once the details are sent, as a trace's (tracer.py)
        return details


def run_torchviz_job(params: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """A TorchvizRequest's fields in, {dot, svg, …} out."""
    with shared_deadline(settings.max_wall_seconds, "max_wall_seconds"):
        return torchviz_view(params["source"], params.get("inputs") or {}, settings)
