"""The one error body every status but 2xx carries: {"detail": {"type", "message", ...}}."""

from __future__ import annotations

from pydantic import BaseModel, Field

from autograd_explorer.errors import ProgramCall


class ValidationIssue(BaseModel):
    """One field a 422 refused: where (`loc`, from "body" or "query"), what was wrong, pydantic's type."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorDetail(BaseModel):
    """What went wrong. `type` names the kind; the other fields appear when they apply."""

    type: str = Field(
        description="syntax, forbidden, limit, runtime, autograd (a program); invalid, validation, "
        "not_found, method_not_allowed, conflict, too_large, overloaded, data_unavailable, not_ready"
    )
    message: str = Field(description="a sentence a student understands, naming what and where")
    line: int | None = Field(None, description="program errors: 1-based line")
    column: int | None = Field(None, description="program errors: column counted from 0, in characters")
    end_line: int | None = None
    end_column: int | None = None
    calls: list[ProgramCall] | None = Field(
        None,
        description="program errors raised inside the program's functions: the calls the error passed "
        "through, innermost first (line and column are in the innermost function)",
    )
    field: str | None = Field(None, description="invalid: the request field at fault")
    errors: list[ValidationIssue] | None = Field(None, description="validation (422): every refused field")
    limit: int | None = Field(None, description="too_large: the largest body accepted, in bytes")
    waiting_for: list[str] | None = Field(None, description="not_ready: what the server still waits for")


class Error(BaseModel):
    """Every error answer (4xx and 5xx) has this body."""

    detail: ErrorDetail
