"""POST /api/trace and POST /api/torchviz: thin edges over the trace engine.

Both run in the evaluator (by default an rlimited worker process), which answers JSON bytes:
a program that loops or allocates without end costs a worker, never the server. A program the
language refuses without running it (syntax, forbidden names, source limits) is refused here,
before dispatch, so a refusal never waits for a worker.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from autograd_explorer.api.deps import SettingsDep
from autograd_explorer.api.details_prefetch import prefetch_details
from autograd_explorer.api.evaluation import EVALUATION_ERRORS, EvaluatorDep, run_job
from autograd_explorer.api.schemas.trace import (
    CompactTrace,
    DetailsRequest,
    TorchvizRequest,
    TorchvizResponse,
    TraceDetails,
    TraceRequest,
    TraceResponse,
)
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.sandbox.precheck import check_program

router = APIRouter(tags=["trace"])


COMPACT_MEDIA_TYPE = "application/vnd.autograd-explorer.trace+json"


@router.post(
    "/api/trace",
    response_model=TraceResponse | CompactTrace,
    responses={**EVALUATION_ERRORS, 200: {"content": {COMPACT_MEDIA_TYPE: {}}}},
)
def trace(
    body: TraceRequest,
    settings: SettingsDep,
    evaluator: EvaluatorDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Run the program on PyTorch; answer its graph, values and the backward pass step by step.

    The compact form (docs/trace.md) when the body says `"format": "compact"` or the request
    accepts application/vnd.autograd-explorer.trace+json.
    """
    check_program(body.source, settings, body.inputs)
    params = body.model_dump()
    if accept and COMPACT_MEDIA_TYPE in accept:
        params["format"] = "compact"
    media_type = COMPACT_MEDIA_TYPE if params["format"] == "compact" else "application/json"
    # The worker sends the payload as JSON bytes; validating thousands of nested models again
    # here would cost more than the trace.
    answer = evaluator.run_json("trace", params)
    if params["format"] == "compact" and settings.details_prefetch:
        prefetch_details(evaluator, body, answer)  # the page's next requests (api/details_prefetch.py)
    return Response(answer, media_type=media_type)


@router.post("/api/trace/details", response_model=TraceDetails, responses=EVALUATION_ERRORS)
def trace_details(body: DetailsRequest, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """Formulas, local Jacobians and narration of a window of steps: the program runs again, unless
    the same window was answered (or prefetched after the trace) a moment ago (api/answer_cache.py)."""
    problem = body.window_problem()
    if problem:
        raise InvalidRequest(problem, "steps")
    check_program(body.source, settings, body.inputs)
    return Response(
        evaluator.run_json("trace_details", body.model_dump(by_alias=True)), media_type="application/json"
    )


@router.post("/api/torchviz", response_model=TorchvizResponse, responses=EVALUATION_ERRORS)
def torchviz(body: TorchvizRequest, settings: SettingsDep, evaluator: EvaluatorDep) -> Response:
    """The same program drawn by torchviz.make_dot (DOT source, and SVG where Graphviz is installed)."""
    check_program(body.source, settings, body.inputs)
    return run_job(evaluator, "torchviz", body)
