"""POST /api/regression/polynomial and /api/regression/polynomial/sweep (CONTENT.md §8)."""

from __future__ import annotations

from fastapi import APIRouter

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.routes.optimize_common import check_limit, dtype_of
from autograd_explorer.api.schemas.optimize import (
    ClosedFormResult,
    Curve,
    PolynomialBody,
    PolynomialResult,
    SweepBody,
    SweepResult,
    SweepRowResult,
)
from autograd_explorer.optimize.figures import regression_figure, sweep_figure
from autograd_explorer.optimize.lecture_data import polynomial_data
from autograd_explorer.optimize.regression import (
    closed_form,
    fit_polynomial,
    least_squares_coefficients,
    polynomial_curve,
    subsample,
    sweep,
)

router = APIRouter(tags=["regression"])


@router.post("/api/regression/polynomial", response_model=PolynomialResult)
def polynomial(body: PolynomialBody, settings: SettingsDep) -> PolynomialResult:
    """Fit a + b·x + c·x² (+ …) to the lecture's data by hand, by autograd or in closed form."""
    check_limit(
        body.iterations,
        settings.max_regression_iterations,
        "iterations",
        "max_regression_iterations",
        "iterations",
    )
    data = {"seed": body.data.seed, "num": body.data.num}
    fit = fit_polynomial(
        body.method,
        lr=body.lr,
        iterations=body.iterations,
        degree=body.degree,
        init_seed=body.init_seed,
        dtype=dtype_of(body.dtype),
        max_seconds=settings.max_trajectory_seconds,
        **data,
    )
    x, y = polynomial_data(**data)
    steps, losses = subsample(fit.losses, body.max_loss_points)
    curve_x, curve_y = polynomial_curve(fit.coefficients)
    figure = None
    if body.figure:
        fits = [fit] if fit.method == "closed_form" else [fit, closed_form(degree=body.degree, **data)]
        figure = regression_figure(
            (x.tolist(), y.tolist()), fits, title=f"Polynomial of degree {body.degree}"
        )
    return PolynomialResult(
        method=fit.method,
        lr=fit.lr,
        iterations=fit.iterations,
        degree=body.degree,
        coefficients=fit.coefficients,
        loss=fit.loss,
        last_step_loss=fit.last_step_loss,
        losses=losses,
        loss_steps=steps,
        diverged=fit.diverged,
        curve=Curve(x=curve_x, y=curve_y),
        data=Curve(x=x.tolist(), y=y.tolist()),
        figure=figure,
    )


@router.post("/api/regression/polynomial/sweep", response_model=SweepResult)
def polynomial_sweep(body: SweepBody, settings: SettingsDep) -> SweepResult:
    """The exercise table: a, b, c and loss for every learning rate × iteration count, closed form beside."""
    longest = max(body.iterations)
    check_limit(
        longest, settings.max_regression_iterations, "iterations", "max_regression_iterations", "iterations"
    )
    check_limit(
        longest * len(body.lrs),
        settings.max_sweep_iterations,
        "lrs × longest run",
        "max_sweep_iterations",
        "lrs",
    )
    data = {"seed": body.data.seed, "num": body.data.num}
    rows = sweep(
        body.method,
        lrs=body.lrs,
        iterations=body.iterations,
        degree=body.degree,
        init_seed=body.init_seed,
        dtype=dtype_of(body.dtype),
        max_seconds=settings.max_trajectory_seconds,
        **data,
    )
    closed = closed_form(degree=body.degree, **data)
    lstsq = least_squares_coefficients(degree=body.degree, **data)
    return SweepResult(
        method=body.method,
        rows=[SweepRowResult.of(r) for r in rows],
        closed_form=ClosedFormResult.of(closed, lstsq),
        figure=sweep_figure(rows, closed) if body.figure else None,
    )
