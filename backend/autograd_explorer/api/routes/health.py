"""GET /api/health (liveness) and GET /api/ready (readiness); both answer HEAD too."""

from __future__ import annotations

from typing import Any

import torch
from fastapi import APIRouter, Request

from autograd_explorer import __version__
from autograd_explorer.api.readiness import Readiness
from autograd_explorer.api.responses import SafeJSONResponse
from autograd_explorer.api.schemas.errors import Error
from autograd_explorer.jobs.runner import JobRunner

router = APIRouter(tags=["health"])

RETRY_AFTER_SECONDS = 1
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": Error, "description": "not_ready: still starting (or stopping); Retry-After"}
}


# HEAD is for probes that want only the status; it stays out of the schema (no body to document).
@router.head("/api/health", include_in_schema=False)
@router.get("/api/health")
def health() -> dict[str, str]:
    """Liveness: the app answers and torch is importable. Never waits for workers, never capped."""
    return {"status": "ok", "version": __version__, "torch": torch.__version__}


@router.head("/api/ready", include_in_schema=False)
@router.get("/api/ready", responses=NOT_READY)
def ready(request: Request) -> Any:
    """Readiness: 200 once every evaluation worker has answered a trace and the job runner answers."""
    readiness: Readiness | None = getattr(request.app.state, "readiness", None)
    runner: JobRunner | None = getattr(request.app.state, "runner", None)
    waiting = []
    if readiness is None or not readiness.evaluation_ready:
        waiting.append("evaluation workers")
    if runner is None or not runner.ready():
        waiting.append("training job runner")
    if not waiting:
        return {"status": "ready", "version": __version__}
    return SafeJSONResponse(
        status_code=503,
        content={
            "detail": {
                "type": "not_ready",
                "message": f"Starting: waiting for the {' and the '.join(waiting)}. "
                f"Try again in {RETRY_AFTER_SECONDS} s.",
                "waiting_for": waiting,
            }
        },
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
