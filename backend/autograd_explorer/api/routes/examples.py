"""GET /api/examples: the lecture's examples."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter
from pydantic import TypeAdapter

from autograd_explorer.api.errors import answers
from autograd_explorer.api.schemas.trace import ExampleOut
from autograd_explorer.errors import NotFound
from autograd_explorer.examples import get_example, list_examples

router = APIRouter(tags=["examples"])


@router.get("/api/examples", response_model=list[ExampleOut])
def examples() -> list[dict[str, Any]]:
    """The lecture's examples (CONTENT.md §1–§4, §7): id, title, source, inputs, explanation."""
    return list_examples()


def examples_as_sent() -> list[dict[str, Any]]:
    """What GET /api/examples answers, as plain data (the explorer's page carries it too)."""
    checked = _AS_SENT.validate_python(list_examples())
    return cast(list[dict[str, Any]], _AS_SENT.dump_python(checked, mode="json"))


_AS_SENT: TypeAdapter[list[ExampleOut]] = TypeAdapter(list[ExampleOut])


@router.get("/api/examples/{example_id}", response_model=ExampleOut, responses=answers(NotFound))
def example(example_id: str) -> dict[str, Any]:
    """One example by id."""
    from dataclasses import asdict

    return asdict(get_example(example_id))
