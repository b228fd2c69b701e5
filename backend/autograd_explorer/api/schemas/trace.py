"""Schemas of the trace engine's endpoints: /api/trace, /api/torchviz, /api/examples."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from autograd_explorer.fields import Int, nested_lists_schema

# The payloads' one definition lives with the engine that fills them; re-exported for the routes.
from autograd_explorer.trace.payload import CompactTrace as CompactTrace
from autograd_explorer.trace.payload import TraceDetails as TraceDetails
from autograd_explorer.trace.payload import TraceResponse as TraceResponse

# The hard ceiling of a request's source; the tunable limit is Settings.max_source_chars, checked
# by the language with a "limit" error that names it.
SOURCE_MAX_CHARS = 1_000_000
Identifier = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
INPUT_MAX_DEPTH = 8  # a tensor of up to 8 dimensions


# Checked by `inputs_are_finite_numbers` below; the schema says the same.
Numbers = Annotated[
    float | list[Any], WithJsonSchema(nested_lists_schema([{"type": "number"}], INPUT_MAX_DEPTH))
]


class ProgramRequest(BaseModel):
    """A program (or expression) and the values of its free names."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    source: str = Field(min_length=1, max_length=SOURCE_MAX_CHARS, examples=["x**3 - 3*x"])
    inputs: dict[str, Numbers] = Field(
        default_factory=dict,
        max_length=64,
        description="Values of free names: numbers or nested lists; each becomes a leaf with requires_grad.",
        examples=[{"x": 1.0}],
    )

    @field_validator("inputs", mode="before")
    @classmethod
    def inputs_are_finite_numbers(cls, value: object) -> object:
        """Numbers or nested lists of numbers: no booleans, no NaN or infinity, at most 32 deep."""
        if isinstance(value, dict):
            for name, item in value.items():
                _check_numbers(item, name, depth=0)
        return value


def _check_numbers(value: object, name: str, depth: int) -> None:
    # pydantic's `list[Any]` would let `[Infinity, true]` through to torch.
    if depth > INPUT_MAX_DEPTH:
        raise ValueError(f"input {name!r} is nested more than {INPUT_MAX_DEPTH} lists deep")
    if isinstance(value, list):
        for item in value:
            _check_numbers(item, name, depth + 1)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"input {name!r} must hold numbers only, not {type(value).__name__}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"input {name!r} holds {value}: only finite numbers are accepted")


class TraceRequest(ProgramRequest):
    """POST /api/trace."""

    output: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="The variable to trace; default: the final expression or last tensor.",
    )
    backward: bool = Field(True, description="Run backward on the output when the program did not.")
    jacobians: bool = Field(True, description="Compute each step's local Jacobian when it is small.")
    max_value_elements: Int | None = Field(
        None, ge=1, le=100_000, description="Tensors larger than this are summarized."
    )
    pass_index: Int | None = Field(
        None,
        ge=0,
        le=1_000_000,
        description="The backward pass to show step by step, counted from 0 (open iteration k: k - 1); "
        "default: the last. Every pass is summarized in pass_summaries (docs/trace.md, many passes).",
    )
    format: Literal["readable", "compact"] = Field(
        "readable",
        description="readable: nested JSON with every step explained; compact: column tables, tensors "
        "in one float32 buffer, step details from POST /api/trace/details (docs/trace.md)",
    )
    on_error: Literal["error", "graph"] = Field(
        "error",
        # `on_backward_error`, its name in 6.2.0, is still read (docs/api.md, changelog)
        validation_alias=AliasChoices("on_error", "on_backward_error"),
        description="When the program raises an error it does not catch (PyTorch's or Python's, e.g. a "
        "saved tensor changed in place before backward(), or an update of a leaf outside torch.no_grad()): "
        "'error' answers 400 with it; 'graph' answers the graph made up to it (for a backward() the "
        "engine stopped, with the steps it ran) and the error in `stopped` (docs/trace.md). Refusals, "
        "limits and an error before any tensor was made answer 400 either way.",
    )


MAX_DETAIL_STEPS = 200  # a page's window of opened steps; each may need a Jacobian
StepIndex = Annotated[Int, Field(ge=0, le=10_000_000)]


class DetailsRequest(TraceRequest):
    """POST /api/trace/details: the program of a trace, and the window of steps to explain."""

    pass_: Int | None = Field(
        None,
        alias="pass",
        ge=0,
        le=1_000_000,
        description="the pass's index (passes[i].index); default: the shown pass",
    )
    steps: tuple[StepIndex, StepIndex] = Field(
        strict=False, description=f"[from, to): the steps to explain, at most {MAX_DETAIL_STEPS}"
    )

    def window_problem(self) -> str | None:
        """Why `steps` is not a window of at most MAX_DETAIL_STEPS steps, or None.

        Checked by the route (a 400 naming `steps`): JSON Schema cannot say from <= to.
        """
        start, stop = self.steps
        if start <= stop <= start + MAX_DETAIL_STEPS:
            return None
        return (
            f"steps must be [from, to) with 0 <= from <= to <= from + {MAX_DETAIL_STEPS}; got {[start, stop]}"
        )


class TorchvizRequest(ProgramRequest):
    """POST /api/torchviz."""


class TorchvizResponse(BaseModel):
    dot: str | None
    svg: str | None
    layout: str = Field(description="svg: laid out; timeout: Graphviz gave up; unavailable: no dot; skipped")
    truncated: bool
    nodes: int
    warnings: list[str]


class ExampleOut(BaseModel):
    id: str
    section: str
    title: str
    source: str
    explanation: str
    inputs: dict[str, Numbers] = Field(
        description="the example's values of free names, as a trace request takes them"
    )
    output: str | None
    expect_error: bool
