"""The running program's budget: operations, loop iterations, elements, integer size, wall time.

Every check raises ProgramError("limit", ...) whose message names the limit's setting and value,
so a student (or lecturer tuning AUTOGRAD_EXPLORER_* settings) knows what to change.
"""

from __future__ import annotations

import time

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LanguageLimits, Span

# A matrix product may do at most this many multiply-adds per allowed result element: it
# bounds the time of one uninterruptible torch call (wall time is only checked between calls).
MATMUL_WORK_PER_ELEMENT = 64


def limit_error(message: str, span: Span | None = None) -> ProgramError:
    """A ProgramError of type "limit" at `span`."""
    if span is None:
        return ProgramError("limit", message)
    return ProgramError("limit", message, span.line, span.column, span.end_line, span.end_column)


class Budget:
    """Counts what a run uses and refuses the step that would exceed a limit."""

    def __init__(self, limits: LanguageLimits) -> None:
        self.limits = limits
        self.operations = 0
        self.loop_iterations = 0
        self.total_elements = 0
        self.call_depth = 0
        self.deadline = time.monotonic() + limits.max_wall_seconds

    def check_time(self, span: Span | None) -> None:
        """Refuse to go on once the wall-time limit has passed."""
        if time.monotonic() > self.deadline:
            raise limit_error(
                f"the program ran longer than {self.limits.max_wall_seconds:g} s, the limit "
                f"(max_wall_seconds)",
                span,
            )

    def count_operation(self, span: Span) -> None:
        """One more operator/call; also checks the wall time."""
        self.operations += 1
        if self.operations > self.limits.max_operations:
            raise limit_error(
                f"too many operations: more than {self.limits.max_operations} were executed (max_operations)",
                span,
            )
        self.check_time(span)

    def reserve_loop(self, iterations: int, span: Span) -> None:
        """A loop is about to run `iterations` times; nested loops share one budget."""
        limit = self.limits.max_loop_iterations
        if self.loop_iterations + iterations > limit:
            raise limit_error(
                f"too many loop iterations: this loop would run {iterations} times after "
                f"{self.loop_iterations} already, the limit is {limit} for the whole program "
                f"(max_loop_iterations)",
                span,
            )
        self.loop_iterations += iterations

    def count_iteration(self, span: Span) -> None:
        """One more turn of a loop whose length is not known in advance (while, iterators)."""
        self.loop_iterations += 1
        if self.loop_iterations > self.limits.max_loop_iterations:
            raise limit_error(
                f"too many loop iterations: more than {self.limits.max_loop_iterations} in the whole "
                f"program (max_loop_iterations)",
                span,
            )
        self.check_time(span)

    def enter_call(self, span: Span) -> None:
        """A user function is called: recursion is bounded well below Python's own stack."""
        self.call_depth += 1
        if self.call_depth > self.limits.max_call_depth:
            self.call_depth = 0  # the error unwinds every call; nothing may count on this any more
            raise limit_error(
                f"recursion too deep: more than {self.limits.max_call_depth} nested calls of the "
                f"program's functions (max_call_depth)",
                span,
            )

    def leave_call(self) -> None:
        """A user function returned (or raised)."""
        self.call_depth = max(self.call_depth - 1, 0)

    def check_length(self, length: int, span: Span, what: str) -> None:
        """Refuse a list, tuple, dictionary or text of `length` items before it is built."""
        limit = self.limits.max_tensor_elements
        if length > limit:
            raise limit_error(
                f"{what} too large: {length} items, the limit is {limit} (max_tensor_elements)", span
            )

    def check_elements(self, predicted: int | None, span: Span) -> None:
        """Refuse a tensor of `predicted` elements before it is allocated."""
        if predicted is None:
            return
        limit = self.limits.max_tensor_elements
        if predicted > limit:
            raise limit_error(
                f"tensor too large: {predicted} elements, the limit is {limit} per tensor "
                f"(max_tensor_elements)",
                span,
            )
        if self.total_elements + predicted > self.limits.max_total_elements:
            self._total_exceeded(predicted, span)

    def check_matmul_work(self, work: int, span: Span) -> None:
        """Refuse a matrix product that would take too long to interrupt."""
        limit = self.limits.max_tensor_elements * MATMUL_WORK_PER_ELEMENT
        if work > limit:
            raise limit_error(
                f"matrix product too large: {work} multiply-adds, the limit is {limit} "
                f"({MATMUL_WORK_PER_ELEMENT} × max_tensor_elements)",
                span,
            )

    def add_result(self, value: torch.Tensor, span: Span) -> None:
        """Account a tensor an operation produced (the tracer may keep every one alive)."""
        n = value.numel()
        if n > self.limits.max_tensor_elements:
            self.check_elements(n, span)
        self.total_elements += n
        if self.total_elements > self.limits.max_total_elements:
            self._total_exceeded(0, span)

    def _total_exceeded(self, predicted: int, span: Span) -> None:
        raise limit_error(
            f"too many tensor elements in total: {self.total_elements + predicted} created, the "
            f"limit is {self.limits.max_total_elements} per program (max_total_elements)",
            span,
        )

    def check_int(self, bits: int, span: Span, what: str) -> None:
        """Refuse a Python integer of about `bits` bits."""
        limit = self.limits.max_int_bits
        if bits > limit:
            raise limit_error(
                f"integer too large: {what} would have about {bits} bits, the limit is {limit} "
                f"(max_int_bits)",
                span,
            )
