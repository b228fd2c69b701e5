"""POST /api/least-squares: CONTENT.md §4 and §5, by hand and by autograd side by side."""

from __future__ import annotations

from fastapi import APIRouter

from autograd_explorer.api.routes.optimize_common import dtype_of
from autograd_explorer.api.schemas.optimize import (
    ArrowsResult,
    LeastSquaresBody,
    LeastSquaresResult,
    TrajectoryResult,
)
from autograd_explorer.optimize.figures import least_squares_figure
from autograd_explorer.optimize.least_squares import compare_least_squares
from autograd_explorer.optimize.presets import least_squares
from autograd_explorer.optimize.surface import evaluate_surface
from autograd_explorer.optimize.trajectory import nearest_minimum

router = APIRouter(tags=["optimization"])


@router.post("/api/least-squares", response_model=LeastSquaresResult)
def least_squares_comparison(body: LeastSquaresBody) -> LeastSquaresResult:
    """§5's manual and autograd runs with their largest difference, and §4's gradient arrows."""
    result = compare_least_squares(
        iterations=body.iterations, step_size=body.step_size, dtype=dtype_of(body.dtype), grid=body.grid
    )
    objective = least_squares()
    figure = None
    if body.figure:
        figure = least_squares_figure(result, evaluate_surface(objective, nx=100, ny=100))
    return LeastSquaresResult(
        step_size=result.step_size,
        sigma_max=result.sigma_max,
        manual=TrajectoryResult.of(result.manual, objective, nearest_minimum(objective, result.manual)),
        autograd=TrajectoryResult.of(result.autograd, objective, nearest_minimum(objective, result.autograd)),
        max_difference=result.max_difference,
        arrows=ArrowsResult.of(result.arrows),
        figure=figure,
    )
