"""POST /api/trace and POST /api/torchviz: thin edges over the trace engine.

Both run in the evaluator (by default an rlimited worker process), which answers JSON bytes:
a program that loops or allocates without end costs a worker, never the server. A program the
language refuses without running it (syntax, forbidden names, source limits) is refused here,
before dispatch, so a refusal never waits for a worker.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.evaluation import EVALUATION_ERRORS, EvaluatorDep
from autograd_explorer.api.schemas.trace import TorchvizRequest, TorchvizResponse, TraceRequest, TraceResponse
from autograd_explorer.sandbox.precheck import check_program

router = APIRouter(tags=["trace"])


@router.post("/api/trace", response_model=TraceResponse, responses=EVALUATION_ERRORS)
def trace(body: TraceRequest, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """Run the program on PyTorch; answer its graph, values and the backward pass step by step."""
    check_program(body.source, settings, body.inputs)
    # The worker sends the payload as JSON bytes; validating thousands of nested models again
    # here would cost more than the trace.
    return Response(evaluator.run_json("trace", body.model_dump()), media_type="application/json")


@router.post("/api/torchviz", response_model=TorchvizResponse, responses=EVALUATION_ERRORS)
def torchviz(body: TorchvizRequest, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """The same program drawn by torchviz.make_dot (DOT source, and SVG where Graphviz is installed)."""
    check_program(body.source, settings, body.inputs)
    return Response(evaluator.run_json("torchviz", body.model_dump()), media_type="application/json")
