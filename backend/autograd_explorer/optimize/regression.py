"""§8: polynomial regression by gradient descent (by hand or by autograd) against the closed form."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.lecture_data import polynomial_data, polynomial_init
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import polynomial_regression
from autograd_explorer.optimize.trajectory import TimeLimit, Trajectory, run_trajectory

RegressionMethod = Literal["autograd", "manual", "closed_form"]
CURVE_POINTS = 200


@dataclass
class PolynomialFit:
    """Coefficients [a, b, c, …] of one fit and how it got there."""

    method: RegressionMethod
    lr: float | None
    iterations: int
    coefficients: list[float]
    loss: float  # MSE of the final coefficients
    last_step_loss: float | None  # the loss the lecture's loop variable holds: before the last update
    losses: list[float]  # one per iteration, before its update
    diverged: bool


@dataclass
class SweepRow:
    """One cell of the exercise table: a learning rate run for a number of iterations."""

    lr: float
    iterations: int
    coefficients: list[float]
    loss: float
    last_step_loss: float
    diverged: bool


def _diverged(values: Sequence[float]) -> bool:
    return not all(math.isfinite(v) for v in values)


def _descend(
    method: RegressionMethod,
    *,
    lr: float,
    iterations: int,
    degree: int,
    seed: int,
    num: int,
    init_seed: int | None,
    dtype: torch.dtype,
    time_limit: TimeLimit | None,
) -> Trajectory:
    objective = polynomial_regression(degree, seed, num)
    start = dict(zip(objective.parameters, polynomial_init(method, degree + 1, init_seed), strict=True))
    # The lecture runs every iteration even after nan appears; so do we (its tables show nan).
    return run_trajectory(
        objective,
        start=start,
        optimizer=OptimizerSpec("gd", lr),
        steps=iterations,
        gradient="manual" if method == "manual" else "autograd",
        dtype=dtype,
        stop_on_divergence=False,
        time_limit=time_limit,
        steps_field="iterations",
    )


def fit_polynomial(
    method: RegressionMethod,
    *,
    lr: float = 1e-2,
    iterations: int = 4000,
    degree: int = 2,
    seed: int = 0,
    num: int = 100,
    init_seed: int | None = None,
    dtype: torch.dtype = torch.float32,
    time_limit: TimeLimit | None = None,
) -> PolynomialFit:
    """Fit y ≈ a + b·x + c·x² (+ …) to §8's data by `method` (refused past `time_limit`)."""
    if method == "closed_form":
        return closed_form(degree=degree, seed=seed, num=num)
    t = _descend(
        method,
        lr=lr,
        iterations=iterations,
        degree=degree,
        seed=seed,
        num=num,
        init_seed=init_seed,
        dtype=dtype,
        time_limit=time_limit,
    )
    coefficients = [t.final_params[n] for n in t.parameters]
    return PolynomialFit(
        method=method,
        lr=lr,
        iterations=iterations,
        coefficients=coefficients,
        loss=t.final_loss,
        last_step_loss=t.losses[-1],
        losses=t.losses,
        diverged=_diverged([*coefficients, t.final_loss]),
    )


def closed_form(*, degree: int = 2, seed: int = 0, num: int = 100) -> PolynomialFit:
    """The normal equations (AᵀA) w = Aᵀy on the design matrix [1, x, x², …], in float64."""
    if num <= degree:  # AᵀA is singular, yet solve() may not notice in floating point
        raise InvalidRequest(
            f"degree {degree} has {degree + 1} coefficients, so it needs at least {degree + 1} data points; "
            f"num is {num}",
            "degree",
        )
    x, y = (t.double() for t in polynomial_data(seed, num))
    design = torch.stack([x**i for i in range(degree + 1)], dim=1)
    try:
        w = torch.linalg.solve(design.T @ design, design.T @ y)
    except RuntimeError as exc:  # singular: too few points for the degree
        raise InvalidRequest(
            f"the normal equations are singular for degree {degree} with {num} points", "degree"
        ) from exc
    loss = float(((design @ w - y) ** 2).mean())
    return PolynomialFit("closed_form", None, 0, w.tolist(), loss, None, [], _diverged([*w.tolist(), loss]))


def least_squares_coefficients(*, degree: int = 2, seed: int = 0, num: int = 100) -> list[float]:
    """The same fit by torch.linalg.lstsq (QR), to check the normal equations against."""
    x, y = (t.double() for t in polynomial_data(seed, num))
    design = torch.stack([x**i for i in range(degree + 1)], dim=1)
    solution: torch.Tensor = torch.linalg.lstsq(design, y.unsqueeze(1)).solution
    return [float(v) for v in solution.squeeze(1)]


def sweep(
    method: RegressionMethod,
    *,
    lrs: Sequence[float],
    iterations: Sequence[int],
    degree: int = 2,
    seed: int = 0,
    num: int = 100,
    init_seed: int | None = None,
    dtype: torch.dtype = torch.float32,
    time_limit: TimeLimit | None = None,
) -> list[SweepRow]:
    """The exercise table: every learning rate at every iteration count (all within `time_limit`).

    A run of n iterations is a prefix of the longest run with the same rate, so each rate runs
    once and the table reads its checkpoints: coefficients after n updates are the point
    recorded at step n + 1.
    """
    if method == "closed_form":
        raise InvalidRequest("a sweep runs gradient descent: method must be autograd or manual", "method")
    longest = max(iterations)
    rows: list[SweepRow] = []
    for lr in lrs:
        t = _descend(
            method,
            lr=lr,
            iterations=longest,
            degree=degree,
            seed=seed,
            num=num,
            init_seed=init_seed,
            dtype=dtype,
            time_limit=time_limit,
        )
        for n in iterations:
            if n < longest:
                coefficients = [t.params[p][n] for p in t.parameters]
                loss = t.losses[n]
            else:
                coefficients = [t.final_params[p] for p in t.parameters]
                loss = t.final_loss
            rows.append(
                SweepRow(lr, n, coefficients, loss, t.losses[n - 1], _diverged([*coefficients, loss]))
            )
    return rows


def polynomial_curve(
    coefficients: Sequence[float], *, points: int = CURVE_POINTS
) -> tuple[list[float], list[float]]:
    """The fitted polynomial over the data's range [0, 2], for plotting."""
    xs = torch.linspace(0.0, 2.0, points, dtype=torch.float64)
    ys = torch.zeros_like(xs)
    for i, c in enumerate(coefficients):
        ys = ys + c * xs**i
    return xs.tolist(), ys.tolist()


def subsample(values: Sequence[float], limit: int) -> tuple[list[int], list[float]]:
    """At most `limit` evenly spaced entries (first and last kept) with their 1-based step numbers."""
    n = len(values)
    if n <= limit:
        return list(range(1, n + 1)), list(values)
    picks = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [i + 1 for i in picks], [values[i] for i in picks]
