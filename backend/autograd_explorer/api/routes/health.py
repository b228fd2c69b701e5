"""GET /api/health."""

from __future__ import annotations

import torch
from fastapi import APIRouter

from autograd_explorer import __version__

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health() -> dict[str, str]:
    """Liveness: the app answers and torch is importable."""
    return {"status": "ok", "version": __version__, "torch": torch.__version__}
