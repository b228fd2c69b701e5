"""Helpers the optimization-lab routes share: the objective a body names, dtype, limits."""

from __future__ import annotations

import torch

from autograd_explorer.api.schemas.optimize import FunctionBody
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.lang.run import limits_from_settings
from autograd_explorer.optimize.functions import resolve_objective
from autograd_explorer.optimize.objective import Objective
from autograd_explorer.optimize.trajectory import DTYPES
from autograd_explorer.settings import Settings


def objective_for(body: FunctionBody, settings: Settings) -> Objective:
    """The preset or compiled source of `body` (ProgramError → 400 for bad sources)."""
    return resolve_objective(
        preset=body.preset,
        source=body.source,
        condition_number=body.condition_number,
        limits=limits_from_settings(settings),
    )


def dtype_of(name: str) -> torch.dtype:
    """torch's dtype for the body's "float32" / "float64"."""
    return DTYPES[name]


def check_limit(value: int, limit: int, what: str, setting: str, field: str) -> None:
    """400 naming the setting when `value` exceeds `limit`."""
    if value > limit:
        raise InvalidRequest(f"{what} is {value}; at most {limit} allowed (setting {setting})", field)
