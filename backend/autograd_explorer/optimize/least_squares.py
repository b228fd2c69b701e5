"""§4 and §5: least squares by hand and by autograd, side by side."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from autograd_explorer.optimize.lecture_data import least_squares_data
from autograd_explorer.optimize.optimizers import OptimizerSpec
from autograd_explorer.optimize.presets import least_squares
from autograd_explorer.optimize.trajectory import TimeLimit, Trajectory, run_trajectory


@dataclass
class GradientArrows:
    """§4's gradient Xᵀ(Xw − y) of f(w) = ½‖Xw − y‖² at sample points, by hand and by autograd."""

    points: list[tuple[float, float]]
    manual: list[tuple[float, float]]
    autograd: list[tuple[float, float]]
    max_difference: float


@dataclass
class LeastSquaresComparison:
    """Both §5 runs, the step size they used and how far apart they ever were."""

    step_size: float
    sigma_max: float
    manual: Trajectory
    autograd: Trajectory
    max_difference: float
    arrows: GradientArrows


def lecture_step_size(X: torch.Tensor) -> tuple[float, float]:
    """α = 1.8·n / σ_max(X)², computed in the data's dtype as the lecture does; also σ_max."""
    sigma_max = torch.linalg.svdvals(X)[0]
    return float(1.8 * X.shape[0] / sigma_max**2), float(sigma_max)


def gradient_arrows(grid: int = 5, dtype: torch.dtype = torch.float32) -> GradientArrows:
    """The gradient at a grid×grid set of points over the preset's box, by hand and by autograd."""
    X, y = (t.to(dtype) for t in least_squares_data())
    x0, x1, y0, y1 = least_squares().box
    points: list[tuple[float, float]] = []
    manual: list[tuple[float, float]] = []
    auto: list[tuple[float, float]] = []
    worst = 0.0
    for a in torch.linspace(x0, x1, grid).tolist():
        for b in torch.linspace(y0, y1, grid).tolist():
            w = torch.tensor([a, b], dtype=dtype, requires_grad=True)
            f = 0.5 * torch.sum((X @ w - y) ** 2)  # f = ½ z₂ with z₂ = ‖z₁‖², z₁ = Xw − y
            (by_autograd,) = torch.autograd.grad(f, w)
            with torch.no_grad():
                by_hand = X.T @ (X @ w - y)  # the transpose of the total derivative z₁ᵀX
            worst = max(worst, float((by_hand - by_autograd).abs().max()))
            points.append((a, b))
            manual.append((float(by_hand[0]), float(by_hand[1])))
            auto.append((float(by_autograd[0]), float(by_autograd[1])))
    return GradientArrows(points, manual, auto, worst)


def compare_least_squares(
    *,
    iterations: int = 100,
    step_size: float | None = None,
    dtype: torch.dtype = torch.float32,
    grid: int = 5,
    time_limit: TimeLimit | None = None,
) -> LeastSquaresComparison:
    """§5: 100 steps from w = 0 with α = 1.8·n/σ_max², manual gradient against loss.backward()."""
    X, _ = least_squares_data()
    alpha, sigma = lecture_step_size(X.to(dtype))
    lr = alpha if step_size is None else step_size
    objective = least_squares()
    runs = {
        mode: run_trajectory(
            objective,
            start={"w1": 0.0, "w2": 0.0},
            optimizer=OptimizerSpec("gd", lr),
            steps=iterations,
            gradient=mode,
            dtype=dtype,
            time_limit=time_limit,
        )
        for mode in ("manual", "autograd")
    }
    manual, auto = runs["manual"], runs["autograd"]
    manual.label, auto.label = "by hand", "by autograd"
    columns = [
        (manual.losses, auto.losses),
        *((manual.params[n], auto.params[n]) for n in objective.parameters),
        *((manual.grads[n], auto.grads[n]) for n in objective.parameters),
        ([manual.final_loss], [auto.final_loss]),
        *(([manual.final_params[n]], [auto.final_params[n]]) for n in objective.parameters),
    ]
    difference = max(
        (abs(a - b) for left, right in columns for a, b in zip(left, right, strict=False)), default=0.0
    )
    return LeastSquaresComparison(lr, sigma, manual, auto, difference, gradient_arrows(grid, dtype))
