"""Schemas of the trace engine's endpoints: /api/trace, /api/torchviz, /api/examples."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The hard ceiling of a request's source; the tunable limit is Settings.max_source_chars, checked
# by the language with a "limit" error that names it.
SOURCE_MAX_CHARS = 1_000_000
Identifier = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ProgramRequest(BaseModel):
    """A program (or expression) and the values of its free names."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    source: str = Field(min_length=1, max_length=SOURCE_MAX_CHARS, examples=["x**3 - 3*x"])
    inputs: dict[str, float | list[Any]] = Field(
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


INPUT_MAX_DEPTH = 32


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
    max_value_elements: int | None = Field(
        None, ge=1, le=100_000, description="Tensors larger than this are summarized."
    )


class Span(BaseModel):
    line: int
    column: int
    end_line: int
    end_column: int


class TensorValue(BaseModel):
    """A tensor: whole `data` when small, else `summary`. Non-finite numbers are "nan"/"inf"/"-inf"."""

    shape: list[int]
    dtype: str
    data: Any = None
    summary: dict[str, Any] | None = None
    truncated: bool


class SavedTensor(BaseModel):
    name: str
    shape: list[int]
    value: TensorValue


class TraceNode(BaseModel):
    id: int
    kind: str = Field(description="input (a leaf requiring grad) or op")
    op: str = Field(description="PyTorch's grad_fn class name, AccumulateGrad for leaves")
    label: str
    name: str | None = Field(description="the user's variable name")
    symbol: str | None = Field(None, description="LaTeX symbol (the user's name, else z₁, z₂, … and f)")
    span: Span | None
    shape: list[int] | None
    dtype: str | None
    value: TensorValue | None
    value_note: str | None
    grad: TensorValue | None = Field(
        description="the tensor's own .grad after the program ran: a leaf's sums every backward call; "
        "an operation's is null unless retain_grad() kept it. What one pass delivered (the accumulator) "
        "is in that pass's steps."
    )
    requires_grad: bool
    is_leaf: bool
    is_output: bool
    retains_grad: bool
    saved: list[SavedTensor]


class TraceEdge(BaseModel):
    id: int
    source: int = Field(description="producer node id")
    target: int = Field(description="consumer node id")
    slot: int = Field(description="the consumer's input slot")


class Jacobian(BaseModel):
    shape: list[int]
    data: TensorValue


class StepInput(BaseModel):
    slot: int
    to: int
    symbol: str
    formula: str | None
    formula_value: str | None
    jacobian: Jacobian | None
    contribution: TensorValue


class Contribution(BaseModel):
    to: int
    value: TensorValue


class Step(BaseModel):
    index: int
    node: int
    grad_output: TensorValue | None
    inputs: list[StepInput]
    contributions: list[Contribution]
    accumulators: dict[str, TensorValue | None]
    accumulators_complete: bool
    changed: list[int]
    narration: str


class Pass(BaseModel):
    index: int
    kind: str = Field(description="backward, grad (torch.autograd.grad) or auto (run by the tracer)")
    span: Span | None
    roots: list[int]
    seeds: list[TensorValue | None]
    steps: list[Step]
    grads: dict[str, TensorValue | None]


class TraceOutput(BaseModel):
    node: int | None
    name: str | None
    value: TensorValue | None


class TraceStats(BaseModel):
    model_config = ConfigDict(extra="allow")

    nodes: int
    edges: int
    steps: int
    passes: int
    trace_ms: float


class TraceResponse(BaseModel):
    """The graph, its values, and the backward pass step by step."""

    mode: str
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    output: TraceOutput
    steps: list[Step]
    passes: list[Pass]
    grads: dict[str, TensorValue | None]
    grad_history: dict[str, list[TensorValue | None]]
    warnings: list[str]
    printed: list[str] = Field(
        description="What the program printed, line by line, in order (print's sep and end as in Python)"
    )
    stats: TraceStats


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
    inputs: dict[str, Any]
    output: str | None
    expect_error: bool
