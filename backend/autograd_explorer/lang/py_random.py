"""Python's `random` module as a program reads it: a generator of the run's own.

PyTorch's "Learning PyTorch with Examples" draws a model's depth with `random.randint(4, 5)` each
forward. CPython's module-level generator is one per process and seeded from the clock, so the same
program would draw other numbers on its next run; the explorer runs a program again for its steps'
details (trace/details.py) and for every student following a lecturer, and each run must draw what
the first drew. So every run has its own `random.Random`, seeded as `random.seed(seed)` would seed
it (run.py's UNSEEDED_SEED unless the program seeds it itself), and these functions draw from it.
Only draws whose time does not grow with their arguments are offered (no `sample` or `choices` of k).
"""

from __future__ import annotations

import random as _random
from collections.abc import Iterator, MutableSequence, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

_GENERATOR: ContextVar[_random.Random | None] = ContextVar("program_random", default=None)


@contextmanager
def own_generator(seed: int) -> Iterator[None]:
    """The running program's generator, seeded with `seed`, for as long as the context lasts."""
    token = _GENERATOR.set(_random.Random(seed))
    try:
        yield
    finally:
        _GENERATOR.reset(token)


def _generator() -> _random.Random:
    generator = _GENERATOR.get()
    if generator is None:  # a table function called outside run_program: never by a program
        raise RuntimeError("random is drawn only while a program runs")
    return generator


def seed(a: int | float | str | None = None) -> None:
    """random.seed(a): from now on this run draws as CPython does after the same seed."""
    if not isinstance(a, int | float | str) or isinstance(a, bool):
        # seed() with no number seeds from the clock: a second run (a step's details) drew others
        raise TypeError("random.seed needs a number or text here, e.g. random.seed(0)")
    _generator().seed(a)


def random() -> float:
    return _generator().random()


def uniform(a: float, b: float) -> float:
    return _generator().uniform(a, b)


def randint(a: int, b: int) -> int:
    return _generator().randint(a, b)


def randrange(start: int, stop: int | None = None, step: int = 1) -> int:
    return _generator().randrange(start, stop, step)


def choice(seq: Sequence[object]) -> object:
    return _generator().choice(seq)


def shuffle(x: MutableSequence[object]) -> None:
    _generator().shuffle(x)


def gauss(mu: float = 0.0, sigma: float = 1.0) -> float:
    return _generator().gauss(mu, sigma)
