"""POST /api/trace and POST /api/torchviz: thin edges over the trace engine.

Both run in the evaluator (by default an rlimited worker process), which answers JSON bytes:
a program that loops or allocates without end costs a worker, never the server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from autograd_explorer.api.evaluation import EvaluatorDep
from autograd_explorer.api.schemas.trace import TorchvizRequest, TorchvizResponse, TraceRequest, TraceResponse

router = APIRouter(tags=["trace"])

PROGRAM_ERROR: dict[int | str, dict[str, Any]] = {
    400: {"description": "The program could not run: {detail: {type, message, line, column}}"},
    503: {"description": "Every evaluation worker is busy; retry after Retry-After seconds"},
}


@router.post("/api/trace", response_model=TraceResponse, responses=PROGRAM_ERROR)
def trace(body: TraceRequest, evaluator: EvaluatorDep) -> Response:
    """Run the program on PyTorch; answer its graph, values and the backward pass step by step."""
    # The worker sends the payload as JSON bytes; validating thousands of nested models again
    # here would cost more than the trace.
    return Response(evaluator.run_json("trace", body.model_dump()), media_type="application/json")


@router.post("/api/torchviz", response_model=TorchvizResponse, responses=PROGRAM_ERROR)
def torchviz(body: TorchvizRequest, evaluator: EvaluatorDep) -> Response:
    """The same program drawn by torchviz.make_dot (DOT source, and SVG where Graphviz is installed)."""
    return Response(evaluator.run_json("torchviz", body.model_dump()), media_type="application/json")
