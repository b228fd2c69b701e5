"""A two-parameter function on a grid, in one vectorized evaluation (for heatmaps and contours)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from autograd_explorer.errors import InvalidRequest
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
    if not isinstance(z, torch.Tensor) or z.shape != grid_x.shape:
        shape = list(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise InvalidRequest(
            f"the function does not work elementwise on a grid (got {shape} for a {ny}×{nx} grid); "
            "reductions such as sum() or mean() over the parameters cannot be drawn as a surface",
            "source",
        )
    return Surface(x_name, y_name, xs.tolist(), ys.tolist(), z.to(dtype))
