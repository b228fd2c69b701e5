"""trace_program: run a program on real PyTorch and describe its graph, values and backward steps.

The whole algorithm: the recorder watches the program run (values, names) and hooks every graph
node of each backward call the program makes (backward_capture.capture_pass: hook, run PyTorch's
own backward, record, unhook); when the program made none, the tracer runs one on the output.
A program that left no tensor to draw (it defined functions and printed) answers what it printed
(printed_only.py). What the hooks saw becomes typed records (facts.TraceFacts), shaped as the readable form
(readable.py) or the compact one (compact.py). Explanations of steps live in details.py.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import torch

from autograd_explorer.after_reply import after_reply
from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.anomaly import anomaly_mode_off
from autograd_explorer.lang.contract import ProgramRun, Span
from autograd_explorer.lang.core import exception_message
from autograd_explorer.lang.run import limits_from_settings, run_program
from autograd_explorer.lang.values import origin_of
from autograd_explorer.trace.compact import CompactShaper
from autograd_explorer.trace.facts import TraceFacts
from autograd_explorer.trace.graph_warnings import graph_warnings
from autograd_explorer.trace.payload import CompactTrace, TraceResponse
from autograd_explorer.trace.printed_only import printed_only_payload
from autograd_explorer.trace.program_output import RealValuesOnly, as_output_tensor, left_no_tensor
from autograd_explorer.trace.readable import ReadableShaper
from autograd_explorer.trace.recorder import TraceRecorder
from autograd_explorer.trace.stopped import mark_stopped

if TYPE_CHECKING:  # passed in by the app; record() never loads its settings (pydantic-settings)
    from autograd_explorer.settings import Settings

Format = Literal["readable", "compact"]


@dataclass(frozen=True)
class TraceOptions:
    """What to trace and how much to say."""

    output: str | None = None
    backward: bool = True
    jacobians: bool = True  # readable form only: the compact form leaves them to details
    max_value_elements: int | None = None
    format: Format = "readable"
    jacobian_window: tuple[int | None, int, int] | None = None  # (pass, from, to): details on demand
    pass_index: int | None = None  # the pass to show step by step (default: the last)
    # "graph": an error the program raised and did not catch (a backward() PyTorch's engine stopped,
    # an update without torch.no_grad()) answers the graph made up to it, with the error in `stopped`
    # (stopped.py); "error": the error alone (ProgramError)
    on_error: Literal["error", "graph"] = "error"


@dataclass(frozen=True)
class Recording:
    """What a run left: the program's run, the facts (None: no tensor to draw), the warnings."""

    run: ProgramRun
    facts: TraceFacts | None
    warnings: list[str]

    def release(self) -> None:
        """Empty the program's namespace once its payload is built.

        The evaluator that ran the program is cyclic garbage (it keeps bound methods of itself),
        and so is its namespace: the tensors it names would keep the whole graph, with the Python
        objects the hooks made for its nodes, until the cyclic collector finds them (about 30 ms
        of scanning after a 5,000-node MLP's trace). Emptied, they are freed at once.
        """
        self.run.namespace.clear()


def record_program(
    source: str,
    inputs: Mapping[str, object] | None,
    options: TraceOptions,
    settings: Settings,
    *,
    skip_repeating: bool = True,
    share_values: bool = True,
) -> Recording:
    """Run the program under the recorder (and backward on its output if it ran none): the facts.

    `skip_repeating`: passes made in a range loop's turn that has turns left are summarized only
    (they will not be shown); False records them all (the second run when that guess failed).
    `share_values`: values sent whole are kept uncopied, unless an in-place op changed one (then
    the program runs again, copying them)."""
    jacobians = (options.jacobians and options.format == "readable") or options.jacobian_window is not None
    recorder = TraceRecorder(
        jacobians=jacobians,
        max_jacobian_elements=settings.max_jacobian_elements,
        max_nodes=settings.max_trace_nodes,
        max_jacobian_steps=settings.max_jacobian_steps,
        jacobian_window=options.jacobian_window,
        pass_index=options.pass_index,
        summarize_past_keep_all=jacobians and options.pass_index is None,
        skip_repeating=skip_repeating,
        share_values_up_to=(options.max_value_elements or settings.max_value_elements) if share_values else 0,
    )
    observer = RealValuesOnly(recorder)
    try:
        run = run_program(
            source,
            inputs,
            limits_from_settings(settings),
            observer,
            output=options.output,
            keep_stopped=options.on_error == "graph",
        )
    finally:
        observer.release()
    if options.output is None and left_no_tensor(run):
        return Recording(run, None, list(run.warnings))
    output = as_output_tensor(run)
    warnings = list(run.warnings)  # after as_output_tensor, which may add one
    # A program stopped before its backward() is shown as far as it ran: no pass of the tracer's own.
    if options.backward and run.backward_calls == 0 and output.requires_grad and run.stopped is None:
        if output.numel() != 1:
            warnings.append(
                f"The output has shape {list(output.shape)}, not a scalar: backward needs a gradient "
                "argument, so the trace used ones (a vector–Jacobian product with 1), i.e. the "
                "gradient of its sum."
            )
        try:  # the program's hooks may run in it: their anomaly mode, too, ends with the pass
            with anomaly_mode_off():
                recorder.run_auto_backward(output, torch.ones_like(output))
        except ProgramError:
            raise  # a limit reached in the program's own backward (a custom autograd Function)
        except Exception as exc:
            raise auto_pass_error(exc, run.output_span) from exc
    if options.pass_index is None and recorder.pass_count > recorder.keep_all_passes:
        # A long loop whose last pass was not recorded: run it again (programs are deterministic,
        # as details on demand rely on). The readable form summarized every pass, and now knows
        # which one is the last, the one to record with its Jacobians. The compact form guessed
        # the last pass would come in a range loop's final turn: when it did not (`break`), or its
        # graph was made in an earlier turn, it records every pass, as without the guess.
        if recorder.summarize_past_keep_all:
            run.namespace.clear()  # this run's graph, freed now (Recording.release)
            last = replace(options, pass_index=recorder.pass_count - 1)
            return record_program(source, inputs, last, settings)
        if not recorder.last_pass_complete and skip_repeating:
            run.namespace.clear()
            return record_program(source, inputs, options, settings, skip_repeating=False)
    if options.pass_index is not None and options.pass_index >= recorder.pass_count:
        raise ProgramError(
            "runtime",
            f"there is no pass {options.pass_index} (iteration {options.pass_index + 1}): the program "
            f"made {recorder.pass_count} backward passes (pass_index and pass count from 0)",
        )
    if recorder.values_changed():  # an in-place op changed a value kept uncopied: copy them all
        run.namespace.clear()
        return record_program(
            source, inputs, options, settings, skip_repeating=skip_repeating, share_values=False
        )
    facts = TraceFacts(recorder, run, output, settings.max_trace_nodes)
    return Recording(run, facts, warnings + graph_warnings(facts))


def trace_program(
    source: str, inputs: Mapping[str, object] | None, options: TraceOptions, settings: Settings
) -> TraceResponse | CompactTrace:
    """The whole trace payload, readable or compact (docs/trace.md)."""
    started = time.perf_counter()
    recording = record_program(source, inputs, options, settings)
    if recording.facts is None:
        payload = printed_only_payload(recording.run, recording.warnings, options.format == "compact")
    else:
        payload = shape_payload(recording.facts, recording.warnings, options, settings)
        mark_stopped(payload, recording.facts)
    payload["stats"]["trace_ms"] = round((time.perf_counter() - started) * 1000, 3)
    # Freeing the recording (a 20,003-node MLP's graph and records: 0.1–0.25 s) waits until the
    # payload is on its way to the page, where a worker sends one (after_reply.py).
    after_reply(recording.release)
    return payload


def shape_payload(
    facts: TraceFacts, warnings: list[str], options: TraceOptions, settings: Settings
) -> TraceResponse | CompactTrace:
    """The facts in the requested form."""
    max_elements = options.max_value_elements or settings.max_value_elements
    shaper = CompactShaper if options.format == "compact" else ReadableShaper
    return shaper(facts, max_elements, settings.max_result_bytes).build(warnings)


def auto_pass_error(exc: Exception, output_span: Span | None) -> ProgramError:
    """The tracer's own backward pass failed: PyTorch's error at the output (`autograd`), or the
    program's own where it raised it (a custom autograd Function's backward, run by the engine)."""
    origin = origin_of(exc)
    if origin is not None:
        where = origin.span
        message = exception_message(exc)
        return ProgramError("runtime", message, where.line, where.column, where.end_line, where.end_column)
    line, column = (output_span.line, output_span.column) if output_span else (None, None)
    return ProgramError("autograd", str(exc), line, column)
