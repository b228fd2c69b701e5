"""The objective a request names: a preset, or the user's own function in the explorer language."""

from __future__ import annotations

import torch

from autograd_explorer.errors import InvalidRequest, ProgramError
from autograd_explorer.lang.contract import LanguageLimits
from autograd_explorer.lang.function import compile_function
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.presets import make_preset


def objective_from_source(source: str, limits: LanguageLimits) -> Objective:
    """The user's expression, compiled by the explorer language (never eval)."""
    compiled = compile_function(source, limits)
    parameters = tuple(compiled.parameters)
    if not parameters:
        raise InvalidRequest(
            "the function has no parameters: use free names such as u and v, e.g. (u**2 + v - 11)**2",
            "source",
        )
    return Objective("source", parameters, compiled, source.strip())


def refuse_complex(value: torch.Tensor) -> None:
    """A function's value must be real: a loss, a height on a surface."""
    if value.is_complex():
        dtype = str(value.dtype).removeprefix("torch.")
        # A one-expression function is line 1; the trace points at the very operation instead.
        raise ProgramError(
            "runtime",
            f"complex numbers are not supported: the function gave a {dtype} value",
            1,
            0,
        )


def resolve_objective(
    *, preset: str | None, source: str | None, condition_number: float, limits: LanguageLimits
) -> Objective:
    """The preset or compiled source a request body names (the schema ensures exactly one)."""
    if source is not None:
        return objective_from_source(source, limits)
    if preset is None:
        raise InvalidRequest("give either a preset or a source", "preset")
    return make_preset(preset, condition_number)
