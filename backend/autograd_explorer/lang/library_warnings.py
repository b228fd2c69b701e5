"""PyTorch's own warnings during a program's run, said in the run's warnings at the program's line.

CPython prints a library's UserWarning on stderr, where a student running the program sees it: the
scheduler stepped before the optimizer, gradcheck given float32, nn.MSELoss given a target of
another shape. The server's stderr is nobody's, so while a program runs each warning (once per
place that raises it, as CPython's default filter shows it) goes to `tell`, which words it at the
line of the program's call that led to it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from autograd_explorer.lang.anomaly import without_frames

# PyTorch's warning when .grad of a non-leaf is read: said in the lecture's words during a run
# (Expressions.warn_non_leaf_grad), and silenced outside one (evaluator.py: the tracer reads .grad).
NON_LEAF_GRAD = "The .grad attribute of a Tensor that is not a leaf"
# Warnings the explorer says in its own words where they arise, with what to do
# (Expressions.warn_non_leaf_grad, Calls.check_loss_shapes, Calls.warn_single_precision).
SAID_OTHERWISE = (
    NON_LEAF_GRAD,
    "Using a target size",
    r"Input #\d+ requires gradient and is not a double precision",
)


# What CPython's default filters hide outside __main__: a library's notes to its own maintainers
# (torch's DeprecationWarnings), not to the student.
HIDDEN: tuple[type[Warning], ...] = (
    DeprecationWarning,
    PendingDeprecationWarning,
    ImportWarning,
    ResourceWarning,
)


@contextmanager
def warnings_told(tell: Callable[[str, str], None]) -> Iterator[None]:
    """Within the block, each warning raised calls tell(category name, message) instead of printing.
    catch_warnings restores the filters and showwarning whatever ends the block, and its entry
    resets the places already shown, so each run is told its warnings afresh."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        for category in HIDDEN:
            warnings.filterwarnings("ignore", category=category)
        for message in SAID_OTHERWISE:
            warnings.filterwarnings("ignore", message=message)

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: object = None,
            line: str | None = None,
        ) -> None:
            tell(category.__name__, without_frames(str(message)))

        warnings.showwarning = show
        yield
