"""The evaluator tells its observer when a range loop around the running code has turns left.

Oracle: the turns written out by hand (which print runs while the observer was told "repeating").
"""

from __future__ import annotations

import pytest

from autograd_explorer.lang.contract import LanguageLimits, PlainObserver, Span
from autograd_explorer.lang.run import run_program


class Listening(PlainObserver):
    """Notes each on_repeating call and, at each `seen = ...`, whether a loop said it repeats."""

    def __init__(self) -> None:
        self.repeating = False
        self.calls: list[bool] = []
        self.marks: list[tuple[object, bool]] = []

    def on_repeating(self, repeating: bool) -> None:
        self.repeating = repeating
        self.calls.append(repeating)

    def on_assign(self, name: str, value: object, span: Span) -> None:
        if name == "seen":  # `seen = k` marks a point of the program: was the loop repeating there?
            self.marks.append((value, self.repeating))


def listen(source: str) -> Listening:
    observer = Listening()
    run_program(source, None, LanguageLimits(), observer)
    assert not observer.repeating  # every loop has ended: nothing repeats after the program
    return observer


def test_only_the_last_turn_of_a_range_loop_is_final() -> None:
    observer = listen("for k in range(3):\n    seen = k\nseen = 'after'\n")
    assert observer.marks == [(0, True), (1, True), (2, False), ("after", False)]
    assert observer.calls == [True, False]  # told on change only, not every turn


def test_nested_loops_repeat_until_the_last_turn_of_each() -> None:
    observer = listen("for i in range(2):\n    for j in range(2):\n        seen = (i, j)\n")
    assert observer.marks == [((0, 0), True), ((0, 1), True), ((1, 0), True), ((1, 1), False)]


@pytest.mark.parametrize(
    "source",
    [
        "for k in range(5):\n    seen = k\n    if k == 1:\n        break\nseen = 'after'\n",
        "def f():\n    for k in range(5):\n        seen = k\n        return k\nf()\nseen = 'after'\n",
        "try:\n    for k in range(5):\n        seen = k\n        raise ValueError\n"
        "except ValueError:\n    seen = 'after'\n",
    ],
    ids=["break", "return", "raise"],
)
def test_a_loop_left_early_stops_repeating(source: str) -> None:
    observer = listen(source)
    assert observer.marks[-1] == ("after", False)
    assert observer.calls[-1] is False


def test_loops_of_unknown_length_never_say_they_repeat() -> None:
    observer = listen("k = 0\nwhile k < 3:\n    seen = k\n    k += 1\nfor v in [1, 2]:\n    seen = v\n")
    assert observer.calls == [] and all(not repeating for _, repeating in observer.marks)
