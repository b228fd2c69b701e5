"""POST /api/surface (a function on a grid) and GET /api/presets (the built-in functions).

The surface runs in the evaluator (an isolated worker by default): the user's function never
runs in the server. Presets are our own code and no user text: they stay in-process.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.evaluation import EVALUATION_ERRORS, EvaluatorDep, run_job
from autograd_explorer.api.schemas.optimize import FunctionInfo, PresetInfo, SurfaceBody, SurfaceResult
from autograd_explorer.optimize.jobs import check_surface
from autograd_explorer.optimize.presets import PRESET_NAMES, make_preset

router = APIRouter(tags=["optimization"])


@router.post("/api/surface", response_model=SurfaceResult, responses=EVALUATION_ERRORS)
def surface(body: SurfaceBody, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """The function's values on a grid, computed in one vectorized evaluation."""
    check_surface(body, settings)
    return run_job(evaluator, "surface", body)


@router.get("/api/presets", response_model=list[PresetInfo])
def presets() -> list[PresetInfo]:
    """The built-in functions: parameters, formula, box, default start, known minima."""
    result = []
    for name in PRESET_NAMES:
        objective = make_preset(name)
        info = FunctionInfo.of(objective).model_dump()
        result.append(PresetInfo(**info, start=dict(objective.start)))
    return result
