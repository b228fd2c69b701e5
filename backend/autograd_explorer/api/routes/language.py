"""GET /api/language: what the explorer language allows (the one allow-list table)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from autograd_explorer.lang.allowlist import describe_allowlist

router = APIRouter(tags=["language"])


@router.get("/api/language")
def language() -> dict[str, Any]:
    """Functions, tensor methods and attributes a program may use, and the statements it may write."""
    return describe_allowlist()
