"""Complex values are refused where they appear: the payload has no place for them."""

from __future__ import annotations

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.contract import Span


def complex_refusal(what: str, span: Span | None) -> ProgramError:
    """Complex values have no place in the payload (and PyTorch's autograd of them is Wirtinger's)."""
    where = (span.line, span.column, span.end_line, span.end_column) if span else (None, None, None, None)
    return ProgramError("runtime", f"complex numbers are not supported: {what} is complex", *where)
