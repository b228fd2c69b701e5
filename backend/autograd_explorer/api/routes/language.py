"""GET /api/language: what the explorer language allows (the one allow-list table)."""

from __future__ import annotations

from fastapi import APIRouter

from autograd_explorer.api.schemas.language import Language
from autograd_explorer.lang.allowlist import describe_allowlist

router = APIRouter(tags=["language"])


@router.get("/api/language", response_model=Language)
def language() -> Language:
    """Functions, tensor methods and attributes a program may use, and the statements it may write."""
    return Language.model_validate(describe_allowlist())
