"""Whether the code running now will run again: a `for` over a range around it has turns left.

A training loop's 4000 turns each build a graph and run backward; the page shows one pass (the
last). The tracer's recorder copies values and hooks passes only when it may have to show them,
so the evaluator tells its observer when this changes (`on_repeating`, an optional method: an
observer without it is told nothing). Only `for ... in range(...)` knows its length in advance;
any other loop counts as possibly ending now. A guess, never a promise: a `break` ends a loop early,
so an observer must check afterwards that what it kept is what it needs (trace/tracer.py does).
"""

from __future__ import annotations

from collections.abc import Callable

from autograd_explorer.lang.contract import ProgramObserver


class RepeatTracker:
    """Counts the enclosing range loops that have turns left; tells the observer when that count
    goes from zero to some or back."""

    def __init__(self, observer: ProgramObserver) -> None:
        self.notify: Callable[[bool], None] | None
        try:
            self.notify = observer.on_repeating  # type: ignore[attr-defined]
        except AttributeError:  # an observer that does not listen (the optional method, contract.py)
            self.notify = None
        self.loops_with_turns_left = 0

    def change(self, turns_left: bool) -> None:
        """A loop's turn starts with (True) or without (False) turns after it; False also when the
        loop ends while it had some (break, an exception)."""
        before = self.loops_with_turns_left > 0
        self.loops_with_turns_left += 1 if turns_left else -1
        after = self.loops_with_turns_left > 0
        if before != after and self.notify is not None:
            self.notify(after)
