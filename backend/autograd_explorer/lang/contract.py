"""The contract between the explorer language (lang) and its users (trace, optimize).

The evaluator runs a program and reports what happened to an `ProgramObserver`; the tracer is
one observer, the optimization lab another. Nothing here imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

import torch

from autograd_explorer.errors import ProgramError, ProgramErrorType

# The errors of a program's own run (PyTorch's, Python's, a backward() the engine stopped) after which
# the run can still be shown up to where it stopped; refusals and limits are not among them.
STOPPING_ERRORS: frozenset[ProgramErrorType] = frozenset({"runtime", "autograd"})

# An exception a backward pass failed with carries the pass's index in one attribute of this name
# (programs cannot read `_` names): a program stopped by it stopped in that pass, while one that caught
# it and stopped later with another error did not (trace/stopped.py). An index, not the exception on
# the pass: an exception keeps its traceback's frames, and with them the program's graph.
FAILED_PASS = "_explorer_failed_pass"


def mark_failed_pass(exc: BaseException, index: int) -> None:
    """Record on `exc` that backward pass `index` failed with it (the innermost pass only)."""
    if hasattr(exc, "__dict__") and FAILED_PASS not in exc.__dict__:
        exc.__dict__[FAILED_PASS] = index


def failed_pass_of(exc: BaseException) -> int | None:
    """The index of the backward pass that failed with `exc`, None if none did."""
    value = exc.__dict__.get(FAILED_PASS) if hasattr(exc, "__dict__") else None
    return value if isinstance(value, int) else None


# The longest source text shown whole where a text names a value or a call: a node's label, a call
# region's label, a module's spelling, a refusal. Both sides of the contract cut at it, so it is here.
LABEL_CHARS = 40


def cut_label(text: str) -> str:
    """`text` cut to LABEL_CHARS, its last character an ellipsis where it was cut."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Span:
    """A source region: 1-based lines, 0-based character columns (end exclusive).

    `ast` counts columns in UTF-8 bytes; lang/source.py converts them to characters, as an editor
    counts them (they differ on lines such as `α = x * 2`).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    # The notebook library only: the file these lines are in when it is not the recorded block's
    # ("Cell In[2]", "helpers.py"), as a traceback names it. A program of the web trace is one file.
    file: str | None = None


@dataclass(frozen=True)
class BackwardRequest:
    """One differentiation the program asked for: `t.backward(...)` or `torch.autograd.grad(...)`."""

    kind: Literal["backward", "grad"]
    outputs: Sequence[torch.Tensor]
    inputs: Sequence[torch.Tensor]  # only for kind == "grad"
    grad_outputs: Sequence[torch.Tensor | None]
    retain_graph: bool | None
    create_graph: bool
    span: Span  # the whole statement that made the call
    output_names: Sequence[str | None] = ()  # user's names of the outputs, where known
    # backward(inputs=...): the tensors whose .grad this pass may add to (empty: every leaf's)
    accumulate_into: Sequence[torch.Tensor] = ()
    # grad(allow_unused=False), PyTorch's default: an input the outputs do not depend on is its error
    allow_unused: bool = True


@dataclass(frozen=True, eq=False)
class Region:
    """A stretch of a run the graph groups its nodes by: a module's forward, a program's function
    call, or a `for`/`while` loop of the program running (all its turns).

    A module's `label` is its path as `named_modules()` spells it, prefixed with the name the program
    called it by (`model.fc1`, `model.layers.3.attn`); a call's is its source text and line
    (`f(x) at line 9`); a loop's is its header and line (`for t in range(3) at line 14`; the line is
    also `line`). Regions nest;
    each node belongs to the innermost of each kind.
    """

    kind: Literal["module", "call", "loop"]
    label: str
    module: torch.nn.Module | None = None  # the module whose forward runs (its own parameters belong here)
    line: int | None = None  # a loop's `for`/`while` line
    # What each turn's loop variable held, so the page can say it: `for t in range(1, 7, 2)` and
    # `for t, x in enumerate(xs, 1)` count (`t = 1 + 2k` of turn k: start, step), `for cell in
    # self.cells` walks a sequence in order (`cell = self.cells[k]`: over)
    variable: str | None = None
    start: int | None = None
    step: int | None = None
    over: str | None = None
    held: str | None = None  # a call's: the numbers its parameters were bound to (`n = 2`)
    span: Span | None = None  # a call's: the call expression (the page lights it when its box is hovered)


class ModuleGradients(NamedTuple):
    """What PyTorch gave a module's backward hook: the gradients of the module's outputs, and (a full
    backward hook, not a pre-hook) of its inputs; None where a tensor needs no gradient."""

    grad_output: tuple[torch.Tensor | None, ...]
    grad_input: tuple[torch.Tensor | None, ...] | None  # None: a pre-hook, given none

    @classmethod
    def full_hook(
        cls,
        module: object,
        grad_input: tuple[torch.Tensor | None, ...],
        grad_output: tuple[torch.Tensor | None, ...],
    ) -> ModuleGradients:
        """From what PyTorch calls a full backward hook with: (module, grad_input, grad_output)."""
        return cls(grad_output, grad_input)

    @classmethod
    def pre_hook(cls, module: object, grad_output: tuple[torch.Tensor | None, ...]) -> ModuleGradients:
        """From what PyTorch calls a full backward pre-hook with: (module, grad_output)."""
        return cls(grad_output, None)


# The module backward hooks, by their registering method's name -> what PyTorch gives the hook, as the
# observer is told (the evaluator's and the notebook's wrappers both read it)
MODULE_BACKWARD_HOOKS: dict[str, Callable[..., ModuleGradients]] = {
    "register_full_backward_hook": ModuleGradients.full_hook,
    "register_full_backward_pre_hook": ModuleGradients.pre_hook,
}


class ProgramObserver(Protocol):
    """Receives the events of a program run. Every method must be cheap: it runs per operation.

    An observer may also define `on_repeating(repeating: bool)`: told when a `for` over a range
    around the running code gets or loses turns after the current one (lang/repeats.py).
    """

    # Whether the run should report regions (modules' forwards hook every nn.Module call for it).
    wants_regions: bool

    def on_tensor(self, value: torch.Tensor, span: Span, text: str) -> None:
        """An expression (operator, call, method call) evaluated to a tensor; `text` is its source."""

    def on_assign(self, name: str, value: object, span: Span) -> None:
        """A name was bound (also for tuple targets and loop variables)."""

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        """Run the differentiation (the observer may hook it); return grads for kind == "grad"."""

    def enter_region(self, region: Region) -> None:
        """A module's forward or a program's function starts running (only if `wants_regions`)."""

    def leave_region(self, region: Region, result: object) -> None:
        """It ended, with this result (None if it raised); graph nodes made meanwhile belong to it."""

    def next_turn(self) -> None:
        """The innermost loop region starts its next turn, the first one too (only if `wants_regions`)."""

    def on_gradient_hook(
        self, span: Span, text: str, grad: torch.Tensor | ModuleGradients, result: object
    ) -> None:
        """A hook the program registered at `span` (`text`: `y.register_hook(h)`) was called by
        PyTorch's engine with `grad` and returned `result` (a tensor replaces the gradient; None
        keeps it). A module's backward hook (`model.fc1.register_full_backward_hook(h)`) is given
        the module's gradients, and a tuple it returns replaces what its node sends on."""


class PlainObserver:
    """Observes nothing and runs differentiation exactly as PyTorch would."""

    wants_regions = False

    def enter_region(self, region: Region) -> None:
        return None

    def leave_region(self, region: Region, result: object) -> None:
        return None

    def next_turn(self) -> None:
        return None

    def on_gradient_hook(
        self, span: Span, text: str, grad: torch.Tensor | ModuleGradients, result: object
    ) -> None:
        return None

    def on_tensor(self, value: torch.Tensor, span: Span, text: str) -> None:
        return None

    def on_assign(self, name: str, value: object, span: Span) -> None:
        return None

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        return run_plain_backward(request)


def run_plain_backward(request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
    """Carry out a BackwardRequest with PyTorch, unobserved."""
    if request.kind == "backward":
        torch.autograd.backward(
            list(request.outputs),
            grad_tensors=list(request.grad_outputs) if request.grad_outputs else None,
            retain_graph=request.retain_graph,
            create_graph=request.create_graph,
            inputs=list(request.accumulate_into) or None,
        )
        return None
    return tuple(
        torch.autograd.grad(
            list(request.outputs),
            list(request.inputs),
            grad_outputs=list(request.grad_outputs) if request.grad_outputs else None,
            retain_graph=request.retain_graph,
            create_graph=request.create_graph,
            allow_unused=request.allow_unused,
        )
    )


@dataclass
class LanguageLimits:
    """The evaluator's limits (built from Settings by `limits_from_settings`)."""

    max_source_chars: int = 20_000
    max_ast_nodes: int = 5_000
    max_nesting_depth: int = 60
    max_loop_iterations: int = 100_000
    max_operations: int = 1_000_000
    max_call_depth: int = 40
    max_tensor_elements: int = 1_000_000
    max_total_elements: int = 100_000_000
    max_int_bits: int = 4_096
    max_wall_seconds: float = 5.0


@dataclass(frozen=True)
class Stop:
    """The error that ended a program's run, kept so that the graph made up to it can be shown (the
    web trace's run_program(keep_stopped=True), the notebook's recorded block): trace/stopped.py."""

    error: ProgramError
    # The tensor the operation that raised was changing in place (`w -= lr * w.grad` outside
    # torch.no_grad(), RaisedAt.changing): the node the page marks.
    changing: object = None
    # The backward pass (its index) the error failed, None when it was raised outside one (a pass that
    # failed earlier, its error caught by the program, is not it): failed_pass_of.
    in_pass: int | None = None


@dataclass
class ProgramRun:
    """What a finished program left behind."""

    mode: Literal["expression", "program"]
    namespace: dict[str, object]  # user-visible variables after the run (inputs included)
    output: object  # the output value (see `output_name` / `output_span`)
    output_name: str | None  # the variable that holds the output, if it has a name
    output_span: Span | None
    # The output is the last tensor the program assigned: it named none (no final expression, no
    # `output` asked for). A program that ran backward itself is then shown with its loss as output.
    output_assigned: bool = False
    input_names: list[str] = field(default_factory=list)  # expression mode: the free names made leaves
    unused_inputs: list[str] = field(default_factory=list)  # given inputs the source never reads
    backward_calls: int = 0  # how many backward()/autograd.grad calls the program made
    warnings: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)  # what the program printed, line by line
    # The error the program raised and did not catch (one of STOPPING_ERRORS), when the caller asked
    # to keep the run it ended (run_program's keep_stopped): the namespace is what the program had
    # made up to that statement.
    stopped: Stop | None = None
