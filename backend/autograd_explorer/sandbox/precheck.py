"""Cheap static refusals, made in the server before a job is dispatched: nothing is evaluated.

A source with a syntax error, a forbidden name or over the source limits is refused here in
well under a millisecond, with its line and column, instead of waiting for a free worker.
Whatever passes still runs only in the worker, which checks everything again.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.evaluator import as_program_errors
from autograd_explorer.lang.function import compile_function
from autograd_explorer.lang.parse import parse_program
from autograd_explorer.lang.run import check_input_name, limits_from_settings
from autograd_explorer.sandbox.wire import valid_text
from autograd_explorer.settings import Settings


def check_text(source: str) -> None:
    """Refuse a lone surrogate ("\\ud800"): Python's parser cannot read it and JSON cannot carry it."""
    if valid_text(source) == source:
        return
    at = next(i for i, ch in enumerate(source) if "\ud800" <= ch <= "\udfff")
    line = source.count("\n", 0, at) + 1
    column = at - (source.rfind("\n", 0, at) + 1)
    raise ProgramError(
        "syntax",
        f"line {line}, column {column}: the text holds a character that is not valid Unicode "
        f"(a lone surrogate, {valid_text(source[at])})",
        line,
        column,
        line,
        column + 1,
    )


def check_program(source: str, settings: Settings, input_names: Iterable[str] = ()) -> None:
    """The static checks of `run_program`: source limits, syntax, the allowlist, input names."""
    check_text(source)
    with as_program_errors():
        parse_program(source, limits_from_settings(settings))
        for name in input_names:
            check_input_name(valid_text(name))  # its refusal quotes the name: keep it sendable


def check_function(source: str, settings: Settings) -> None:
    """The static checks of `compile_function` (one deterministic expression with parameters)."""
    check_text(source)
    compile_function(source, limits_from_settings(settings))
