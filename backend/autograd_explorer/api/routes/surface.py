"""POST /api/surface (a function on a grid) and GET /api/presets (the built-in functions)."""

from __future__ import annotations

import math

import torch
from fastapi import APIRouter

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.routes.optimize_common import check_limit, dtype_of, objective_for
from autograd_explorer.api.schemas.optimize import FunctionInfo, PresetInfo, SurfaceBody, SurfaceResult
from autograd_explorer.jsonsafe import tensor_to_json
from autograd_explorer.optimize.figures import surface_figure
from autograd_explorer.optimize.presets import PRESET_NAMES, make_preset
from autograd_explorer.optimize.surface import evaluate_surface

router = APIRouter(tags=["optimization"])


@router.post("/api/surface", response_model=SurfaceResult)
def surface(body: SurfaceBody, settings: SettingsDep) -> SurfaceResult:
    """The function's values on a grid, computed in one vectorized evaluation."""
    for size, name in ((body.nx, "nx"), (body.ny, "ny")):
        check_limit(size, settings.max_surface_grid, name, "max_surface_grid", name)
    objective = objective_for(body, settings)
    fixed = dict(body.fixed or {})
    if body.fixed_default is not None:
        fixed = {n: fixed.get(n, body.fixed_default) for n in objective.parameters[2:]}
    grid = evaluate_surface(
        objective, box=body.box, nx=body.nx, ny=body.ny, fixed=fixed, dtype=dtype_of(body.dtype)
    )
    finite = grid.z[torch.isfinite(grid.z)]
    z_min = float(finite.min()) if finite.numel() else math.nan
    z_max = float(finite.max()) if finite.numel() else math.nan
    figure = surface_figure(grid, title=objective.formula, minima=objective.minima) if body.figure else None
    return SurfaceResult(
        function=FunctionInfo.of(objective),
        x_name=grid.x_name,
        y_name=grid.y_name,
        x=grid.x,
        y=grid.y,
        z=tensor_to_json(grid.z.double()),
        z_min=z_min,
        z_max=z_max,
        figure=figure,
    )


@router.get("/api/presets", response_model=list[PresetInfo])
def presets() -> list[PresetInfo]:
    """The built-in functions: parameters, formula, box, default start, known minima."""
    result = []
    for name in PRESET_NAMES:
        objective = make_preset(name)
        info = FunctionInfo.of(objective).model_dump()
        result.append(PresetInfo(**info, start=dict(objective.start)))
    return result
