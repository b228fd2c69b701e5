"""A two-parameter function on a grid, in one vectorized evaluation (for heatmaps and contours)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize.functions import refuse_complex
from autograd_explorer.optimize.objective import Box, Objective


@dataclass
class Surface:
    """z[i][j] is the function at (x[j], y[i]): rows follow the y axis, as Plotly expects."""

    x_name: str
    y_name: str
    x: list[float]
    y: list[float]
    z: torch.Tensor


def evaluate_surface(
    objective: Objective,
    *,
    box: Box | None = None,
    nx: int = 120,
    ny: int = 120,
    fixed: Mapping[str, float] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Surface:
    """Evaluate the first two parameters over `box`, any further ones held at `fixed` values."""
    if len(objective.parameters) < 2:
        raise InvalidRequest(
            f"a surface needs a function of two parameters; this one has "
            f"{len(objective.parameters)} ({', '.join(objective.parameters) or 'none'})",
            "source",
        )
    x_name, y_name, *others = objective.parameters
    fixed = fixed or {}
    missing = [n for n in others if n not in fixed]
    if missing:
        raise InvalidRequest(
            f"the surface shows {x_name} and {y_name}; give fixed values for {', '.join(missing)}", "fixed"
        )
    x0, x1, y0, y1 = box or objective.box
    if not (x0 < x1 and y0 < y1):
        raise InvalidRequest("box must be [x_min, x_max, y_min, y_max] with min < max", "box")
    xs = torch.linspace(x0, x1, nx, dtype=dtype)
    ys = torch.linspace(y0, y1, ny, dtype=dtype)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    values = {x_name: grid_x, y_name: grid_y}
    values.update({n: torch.full_like(grid_x, float(fixed[n])) for n in others})
    with torch.no_grad():
        z = objective(values)
    if isinstance(z, torch.Tensor):
        refuse_complex(z)
    if not isinstance(z, torch.Tensor) or z.shape != grid_x.shape:
        shape = list(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise InvalidRequest(
            f"the function does not work elementwise on a grid (got {shape} for a {ny}×{nx} grid); "
            "reductions such as sum() or mean() over the parameters cannot be drawn as a surface",
            "source",
        )
    _check_pointwise(objective, values, z)
    return Surface(x_name, y_name, xs.tolist(), ys.tolist(), z.to(dtype))


def _check_pointwise(objective: Objective, values: Mapping[str, torch.Tensor], z: torch.Tensor) -> None:
    """Spot-check a few grid cells against the function at that single point.

    A shape-preserving function can still mix grid points (`u.mean() + v`, softmax, `u @ v`): the
    grid would then show something that is not f, so it is refused like a reduction.
    """
    ny, nx = z.shape
    for i, j in ((0, 0), (ny - 1, nx - 1), (ny // 2, nx // 3)):
        with torch.no_grad():
            single = objective({n: v[i, j] for n, v in values.items()})
        if not isinstance(single, torch.Tensor) or single.numel() != 1:
            break  # not a scalar function: the trajectory routes say so in their own words
        expected = single.reshape(()).to(z.dtype)
        if not torch.allclose(z[i, j], expected, rtol=1e-4, atol=1e-6, equal_nan=True):
            raise InvalidRequest(
                "the function does not work elementwise on a grid: its value at a grid point differs "
                f"from its value at that single point ({z[i, j].item():g} vs {expected.item():g}); "
                "mean(), softmax, @ or random numbers mix the points of the grid",
                "source",
            )
