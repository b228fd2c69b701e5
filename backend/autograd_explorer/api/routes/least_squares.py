"""POST /api/least-squares: CONTENT.md §4 and §5, by hand and by autograd side by side.

Up to 10,000 iterations twice: it runs in the evaluator (an isolated worker by default).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from autograd_explorer.api.evaluation import EVALUATION_ERRORS, EvaluatorDep, run_job
from autograd_explorer.api.schemas.optimize import LeastSquaresBody, LeastSquaresResult

router = APIRouter(tags=["optimization"])


@router.post("/api/least-squares", response_model=LeastSquaresResult, responses=EVALUATION_ERRORS)
def least_squares_comparison(body: LeastSquaresBody, evaluator: EvaluatorDep) -> Response:
    """§5's manual and autograd runs with their largest difference, and §4's gradient arrows."""
    return run_job(evaluator, "least_squares", body)
