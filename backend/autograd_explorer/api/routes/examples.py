"""GET /api/examples: the lecture's examples."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from autograd_explorer.api.errors import answers
from autograd_explorer.api.schemas.trace import ExampleOut
from autograd_explorer.errors import NotFound
from autograd_explorer.examples import get_example, list_examples

router = APIRouter(tags=["examples"])


@router.get("/api/examples", response_model=list[ExampleOut])
def examples() -> list[dict[str, Any]]:
    """The lecture's examples (CONTENT.md §1–§4, §7): id, title, source, inputs, explanation."""
    return list_examples()


@router.get("/api/examples/{example_id}", response_model=ExampleOut, responses=answers(NotFound))
def example(example_id: str) -> dict[str, Any]:
    """One example by id."""
    from dataclasses import asdict

    return asdict(get_example(example_id))
