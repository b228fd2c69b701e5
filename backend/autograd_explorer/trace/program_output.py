"""The program's side of a trace: refuse complex values where they appear, find the output tensor."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import BackwardRequest, ProgramRun, Region
from autograd_explorer.trace.complex_values import complex_refusal
from autograd_explorer.trace.recorder import TraceRecorder


class RealValuesOnly:
    """The recorder, refusing a complex tensor at the line that made or named it."""

    wants_regions = True

    def __init__(self, recorder: TraceRecorder) -> None:
        self.recorder = recorder
        # the recorder refuses complex values itself, and the evaluator calls it directly: no
        # wrapper call for every operation
        recorder.real_only = True
        self.on_tensor = recorder.on_tensor
        self.on_assign = recorder.on_assign
        self.next_turn = recorder.regions.next_turn  # once per loop turn: no call through the recorder
        # taken by each hook the program registers (lang/calls.py): the tracer's own pass on the
        # output runs after release, and a hook on its graph must still reach the recorder
        self.on_gradient_hook = recorder.on_gradient_hook

    def release(self) -> None:
        """Let go of the recorder once the program has run.

        The evaluator holds reference cycles (bound methods of itself), so whatever it reaches is
        freed only by the cyclic collector: through this observer, every recorded value and step,
        70,000 objects for a 5,000-node MLP, which the first collection after the job scanned for
        60–110 ms. Unlinked, they are freed by reference counting with the trace.
        """
        del self.recorder, self.on_tensor, self.on_assign, self.next_turn, self.on_gradient_hook

    def on_repeating(self, repeating: bool) -> None:
        self.recorder.on_repeating(repeating)

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        return self.recorder.run_backward(request)

    def enter_region(self, region: Region) -> None:
        self.recorder.enter_region(region)

    def leave_region(self, region: Region, result: object) -> None:
        self.recorder.leave_region(region, result)


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


def left_no_tensor(run: ProgramRun) -> bool:
    """A program (not an expression) whose output holds no tensor: it defined functions and printed."""
    value = run.output
    holds_tensor = isinstance(value, torch.Tensor) or (
        isinstance(value, tuple | list) and bool(value) and isinstance(value[0], torch.Tensor)
    )
    return run.mode == "program" and not holds_tensor


def shown_output(
    run: ProgramRun, output: torch.Tensor, differentiated: Sequence[torch.Tensor]
) -> torch.Tensor:
    """The output a trace or a drawing shows: the program's, unless it named none and differentiated
    something (`differentiated`: what that backward() or autograd.grad was called on).

    A program that names no output has the last tensor it assigned for one; when it ran backward
    itself, that is often a parameter's update (a training loop's `c -= lr * c.grad`), a leaf of the
    pass, which was drawn as the graph's output while the narration called the loss "the output".
    """
    return differentiated[0] if run.output_assigned and differentiated else output
