"""POST /api/trace and POST /api/torchviz: thin edges over the trace engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from autograd_explorer.api.responses import PreparedJSONResponse
from autograd_explorer.api.schemas.trace import TorchvizRequest, TorchvizResponse, TraceRequest, TraceResponse
from autograd_explorer.settings import Settings, get_settings
from autograd_explorer.trace.jobs import run_torchviz_job, run_trace_job

router = APIRouter(tags=["trace"])
SettingsDep = Annotated[Settings, Depends(get_settings)]

PROGRAM_ERROR: dict[int | str, dict[str, Any]] = {
    400: {"description": "The program could not run: {detail: {type, message, line, column}}"}
}


@router.post("/api/trace", response_model=TraceResponse, responses=PROGRAM_ERROR)
def trace(body: TraceRequest, settings: SettingsDep) -> PreparedJSONResponse:
    """Run the program on PyTorch; answer its graph, values and the backward pass step by step."""
    # The payload is built as plain data with numpy arrays; returning it directly skips a
    # second validation of thousands of nested models.
    return PreparedJSONResponse(run_trace_job(body.model_dump(), settings))


@router.post("/api/torchviz", response_model=TorchvizResponse, responses=PROGRAM_ERROR)
def torchviz(body: TorchvizRequest, settings: SettingsDep) -> PreparedJSONResponse:
    """The same program drawn by torchviz.make_dot (DOT source, and SVG where Graphviz is installed)."""
    return PreparedJSONResponse(run_torchviz_job(body.model_dump(), settings))
