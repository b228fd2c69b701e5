"""The warning beside torchviz's drawing of a program that stopped: where, in the words the page uses."""

from __future__ import annotations

from autograd_explorer.errors import ProgramCall, ProgramError
from autograd_explorer.trace.torchviz_view import _stopped_warning

MADE = "torchviz draws the graph made up to it."
CALLED = "torchviz draws the graph it was called on."


def test_a_stop_names_its_line_and_the_calls_it_passed_through() -> None:
    error = ProgramError(
        "runtime", "a leaf Variable that requires grad is being used in an in-place operation.", 4
    )
    assert _stopped_warning(error) == (
        f"line 4 raised (a leaf Variable that requires grad is being used in an in-place operation.); {MADE}"
    )
    inner = ProgramError("runtime", "boom", 9, calls=(ProgramCall(function="step", line=12),))
    assert _stopped_warning(inner) == f"line 9, in step() called on line 12, raised (boom); {MADE}"


def test_a_failed_backward_keeps_pytorchs_first_sentence_without_its_hint() -> None:
    error = ProgramError(
        "autograd", "one of the variables needed has been modified. Hint: enable anomaly.\nmore", 5
    )
    assert (
        _stopped_warning(error)
        == f"backward() on line 5 failed (one of the variables needed has been modified.); {CALLED}"
    )


def test_a_stop_without_a_line_is_said_without_one() -> None:
    # "line None raised (…)" before
    assert _stopped_warning(ProgramError("runtime", "boom")) == f"The program raised (boom); {MADE}"
    assert _stopped_warning(ProgramError("autograd", "boom")) == f"backward() failed (boom); {CALLED}"
    assert "None" not in _stopped_warning(
        ProgramError("runtime", "boom", None, calls=(ProgramCall(function="f", line=3),))
    )
