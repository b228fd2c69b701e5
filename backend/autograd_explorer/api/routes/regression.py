"""POST /api/regression/polynomial and /api/regression/polynomial/sweep (CONTENT.md §8).

Both run in the evaluator (an isolated worker by default) within max_trajectory_seconds.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.evaluation import EVALUATION_ERRORS, EvaluatorDep, run_job
from autograd_explorer.api.schemas.optimize import PolynomialBody, PolynomialResult, SweepBody, SweepResult
from autograd_explorer.optimize.jobs import check_polynomial, check_sweep

router = APIRouter(tags=["regression"])


@router.post("/api/regression/polynomial", response_model=PolynomialResult, responses=EVALUATION_ERRORS)
def polynomial(body: PolynomialBody, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """Fit a + b·x + c·x² (+ …) to the lecture's data by hand, by autograd or in closed form."""
    check_polynomial(body, settings)
    return run_job(evaluator, "polynomial", body)


@router.post("/api/regression/polynomial/sweep", response_model=SweepResult, responses=EVALUATION_ERRORS)
def polynomial_sweep(body: SweepBody, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """The exercise table: a, b, c and loss for every learning rate × iteration count, closed form beside."""
    check_sweep(body, settings)
    return run_job(evaluator, "sweep", body)
