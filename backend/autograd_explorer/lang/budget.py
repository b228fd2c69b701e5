"""The running program's budget: operations, loop iterations, elements, integer size, wall time.

Every check raises ProgramError("limit", ...) whose message names the limit's setting and value,
so a student (or lecturer tuning AUTOGRAD_EXPLORER_* settings) knows what to change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import LanguageLimits, Span

# A matrix product may do at most this many multiply-adds per allowed result element: it
# bounds the time of one uninterruptible torch call (wall time is only checked between calls).
MATMUL_WORK_PER_ELEMENT = 64


@dataclass(frozen=True)
class _SharedDeadline:
    deadline: float  # time.monotonic() value
    seconds: float
    setting: str


_SHARED_DEADLINE: ContextVar[_SharedDeadline | None] = ContextVar("shared_deadline", default=None)


@contextmanager
def shared_deadline(seconds: float, setting: str) -> Iterator[None]:
    """Every Budget created inside shares one wall-clock deadline: the whole request's.

    A request may run a program many times (a surface evaluates its function per grid point, a
    trajectory per step); each run's own max_wall_seconds must not restart the request's clock.
    `setting` names the knob in refusals. Nested scopes keep the earliest deadline.
    """
    outer = _SHARED_DEADLINE.get()
    mine = _SharedDeadline(time.monotonic() + seconds, seconds, setting)
    token = _SHARED_DEADLINE.set(mine if outer is None or mine.deadline < outer.deadline else outer)
    try:
        yield
    finally:
        _SHARED_DEADLINE.reset(token)


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
        self.max_operations = limits.max_operations  # read per operation: one attribute lookup less
        # read per tensor an operation makes (the evaluator's hot paths test them before calling in)
        self.max_tensor_elements = limits.max_tensor_elements
        self.max_total_elements = limits.max_total_elements
        self.loop_iterations = 0
        self.total_elements = 0
        self.call_depth = 0
        self.deadline = time.monotonic() + limits.max_wall_seconds
        self.shared = _SHARED_DEADLINE.get()
        if self.shared is not None and self.shared.deadline < self.deadline:
            self.deadline = self.shared.deadline
        else:
            self.shared = None  # the program's own limit comes first: name it

    def check_time(self, span: Span | None) -> None:
        """Refuse to go on once the wall-time limit (the program's or the request's) has passed."""
        if time.monotonic() < self.deadline:
            return
        if self.shared is not None:
            raise limit_error(
                f"the request ran longer than {self.shared.seconds:g} s, the limit ({self.shared.setting})",
                span,
            )
        raise limit_error(
            f"the program ran longer than {self.limits.max_wall_seconds:g} s, the limit (max_wall_seconds)",
            span,
        )

    def count_operation(self, span: Span, count: int = 1) -> None:
        """`count` more operations (walking a list costs one per tensor in it); checks the time.

        Runs for every operation: the clock is read here rather than through check_time, which
        is only called to word the refusal (one Python call less per operation of a loop).
        """
        self.operations += count
        if self.operations > self.max_operations:
            raise limit_error(
                f"too many operations: more than {self.max_operations} were executed (max_operations)",
                span,
            )
        if time.monotonic() >= self.deadline:
            self.check_time(span)

    def reserve_loop(self, iterations: int, span: Span, doing: str = "this loop would run {} times") -> None:
        """A loop is about to run `iterations` times; nested loops share one budget. (`doing` says
        what runs them when it is not a loop statement.)"""
        limit = self.limits.max_loop_iterations
        if self.loop_iterations + iterations > limit:
            raise limit_error(
                f"too many loop iterations: {doing.format(iterations)} after "
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
            self.call_depth -= 1  # this call never starts
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

    def check_elements(
        self, predicted: int | None, span: Span, what: str = "tensor", made_by: str | None = None
    ) -> None:
        """Refuse a tensor (or a Python list: `what`) of `predicted` elements before it is made
        (`made_by`: the layer that would make it, when the call runs several)."""
        if predicted is None:
            return
        limit = self.limits.max_tensor_elements
        if predicted > limit:
            maker = "" if made_by is None else f" made by {made_by}"
            raise limit_error(
                f"{what} too large: {predicted} elements{maker}, the limit is {limit} per {what} "
                f"(max_tensor_elements)",
                span,
            )
        if self.total_elements + predicted > self.limits.max_total_elements:
            self._total_exceeded(predicted, span)

    def reserve_elements(self, count: int, span: Span, what: str) -> None:
        """Check and account a Python list of `count` slots before it is made (its size is exact)."""
        self.check_elements(count, span, what)
        self.total_elements += count

    def reserve_total(self, count: int, span: Span, what: str) -> None:
        """Account `count` elements held across many tensors (an optimizer's state), refused only by
        the total: no one of them need be large."""
        if self.total_elements + count > self.limits.max_total_elements:
            raise limit_error(
                f"too many elements in total: {what} would hold {count} elements, {self.total_elements} "
                f"are already created, the limit is {self.limits.max_total_elements} per program "
                f"(max_total_elements)",
                span,
            )
        self.total_elements += count

    def check_dimensions(self, shape: Sequence[int], span: Span) -> None:
        """Refuse a size no tensor may have, even with no elements: a later reduction would realise it."""
        limit = self.limits.max_tensor_elements
        for dim, size in enumerate(shape):
            if size > limit:
                raise limit_error(
                    f"dimension too large: size {size} in dimension {dim}, the limit is {limit} "
                    f"(max_tensor_elements)",
                    span,
                )

    def check_matmul(self, cost: tuple[int, int] | None, span: Span) -> None:
        """Refuse a matrix product whose result (elements) or work (growth.matmul_cost) is too large;
        each check called only when its limit might be reached (it decides and words the refusal)."""
        if cost is None:
            return
        elements, work = cost
        if elements > self.max_tensor_elements or self.total_elements + elements > self.max_total_elements:
            self.check_elements(elements, span)
        if work > self.max_tensor_elements * MATMUL_WORK_PER_ELEMENT:
            self.check_matmul_work(work, span)

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
        if n == 0:
            self.check_dimensions(value.shape, span)
        self.total_elements += n
        if self.total_elements > self.limits.max_total_elements:
            self._total_exceeded(0, span)

    def _total_exceeded(self, predicted: int, span: Span) -> None:
        raise limit_error(
            f"too many elements in total: {self.total_elements + predicted} created (tensors and "
            f"lists), the limit is {self.limits.max_total_elements} per program (max_total_elements)",
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
