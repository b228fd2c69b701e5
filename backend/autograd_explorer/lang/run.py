"""Run an explorer program: the entry point of the tracer (and, via function.py, the labs)."""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.budget import Budget
from autograd_explorer.lang.contract import (
    STOPPING_ERRORS,
    LanguageLimits,
    PlainObserver,
    ProgramObserver,
    ProgramRun,
    Span,
    Stop,
    failed_pass_of,
)
from autograd_explorer.lang.evaluator import Evaluator, as_program_errors, count_leaves, exception_message
from autograd_explorer.lang.library_warnings import warnings_told
from autograd_explorer.lang.parse import (
    RESERVED_NAMES,
    free_names,
    import_aliases,
    names_read,
    parse_program,
    table_function,
)
from autograd_explorer.lang.py_random import own_generator
from autograd_explorer.lang.source import SourceText
from autograd_explorer.lang.values import origin_of

if TYPE_CHECKING:  # passed in by the app; record() never loads its settings (pydantic-settings)
    from autograd_explorer.settings import Settings


def limits_from_settings(settings: Settings) -> LanguageLimits:
    """The language limits a lecturer set through AUTOGRAD_EXPLORER_* variables."""
    return LanguageLimits(
        max_source_chars=settings.max_source_chars,
        max_ast_nodes=settings.max_ast_nodes,
        max_nesting_depth=settings.max_nesting_depth,
        max_loop_iterations=settings.max_loop_iterations,
        max_operations=settings.max_operations,
        max_call_depth=settings.max_call_depth,
        max_tensor_elements=settings.max_tensor_elements,
        max_total_elements=settings.max_total_elements,
        max_int_bits=settings.max_int_bits,
        max_wall_seconds=settings.max_wall_seconds,
    )


def is_expression(tree: ast.Module) -> bool:
    """A lone expression statement is expression mode; anything else is a program."""
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)


# PyTorch's random generator is one per process: programs that seed or draw from it run one
# at a time (and restore it afterwards), so `torch.manual_seed(42)` always gives the lecture's data.
_RANDOM_LOCK = threading.Lock()
# A program that draws without seeding starts from this seed, not from whatever state the process's
# generator is in: torch seeds it at random when a process starts, so the same program drew other
# numbers after a server restart or on another replica. Step details are a re-run (trace/details.py)
# and a class following a lecturer runs the lecturer's program on their own requests: both must draw
# what the first run drew.
UNSEEDED_SEED = 0


def uses_randomness(tree: ast.AST) -> bool:
    """Does the program name a table entry that draws random numbers (manual_seed, randn, a layer's
    initialisation, a shuffling DataLoader...)? Named, not only called: `init = nn.init.normal_`."""
    aliases = import_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _RANDOM_METHODS:
            return True
        if isinstance(node, ast.Name | ast.Attribute):
            fn = table_function(node, aliases)
            if fn is not None and fn.random:
                return True
    return False


# Tensor methods that draw random numbers in place.
_RANDOM_METHODS = frozenset({"normal_", "uniform_"})


@contextmanager
def _private_random_state() -> Iterator[None]:
    """The program's own generator: as `torch.manual_seed(UNSEEDED_SEED)` leaves it (the program may
    seed it again), and the process's as it was once the program ends."""
    with _RANDOM_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(UNSEEDED_SEED)
        yield


def check_input_name(name: str) -> None:
    """Inputs become variables: the same naming rules as assignments apply."""
    if name.startswith("__") or not name.isidentifier() or name in RESERVED_NAMES:
        raise ProgramError("forbidden", f"'{name}' cannot be an input name")


def make_leaf(name: str, value: object, budget: Budget) -> torch.Tensor:
    """An input value (number or nested list) as a float leaf tensor with requires_grad=True."""
    check_input_name(name)
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        if not isinstance(value, bool | int | float | list | tuple):
            raise ProgramError(
                "runtime",
                f"input '{name}' must be a number or a nested list of numbers, not {type(value).__name__}",
            )
        if count_leaves(value, budget.limits.max_tensor_elements) > budget.limits.max_tensor_elements:
            budget.check_elements(budget.limits.max_tensor_elements + 1, Span(1, 0, 1, 0))
        try:
            tensor = torch.tensor(value, dtype=torch.get_default_dtype())
        except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
            raise ProgramError("runtime", f"input '{name}': {exception_message(exc)}") from None
        tensor.requires_grad_(True)
    budget.check_elements(tensor.numel(), Span(1, 0, 1, 0))
    budget.add_result(tensor, Span(1, 0, 1, 0))
    return tensor


def _first_use(tree: ast.AST, name: str, text: SourceText) -> Span:
    """Where the program first reads `name` (line 1, column 0 if it never does)."""
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
    if not uses:
        return Span(1, 0, 1, 0)
    return text.span(min(uses, key=lambda n: (n.lineno, n.col_offset)))


def run_program(
    source: str,
    inputs: Mapping[str, object] | None,
    limits: LanguageLimits,
    observer: ProgramObserver,
    output: str | None = None,
    *,
    keep_stopped: bool = False,
) -> ProgramRun:
    """Parse, check and run `source`; every failure is a ProgramError (see errors.ProgramErrorType).

    `keep_stopped`: an error the program raised and did not catch ("runtime", or "autograd" from a
    backward()/autograd.grad call) ends the run as CPython's would, but the run is returned, its error
    in `stopped`, so the graph made up to it can be shown: the in-place pitfall's backward(), an update
    written without torch.no_grad(). Refusals, limits and a program that made no tensor before it
    stopped still raise."""
    with as_program_errors():
        return _run_program(source, inputs, limits, observer, output, keep_stopped)


def _run_program(
    source: str,
    inputs: Mapping[str, object] | None,
    limits: LanguageLimits,
    observer: ProgramObserver,
    output: str | None,
    keep_stopped: bool = False,
) -> ProgramRun:
    tree = parse_program(source, limits)
    given = dict(inputs or {})
    for name in given:
        check_input_name(name)
    expression = is_expression(tree)
    evaluator = Evaluator(SourceText(source), limits, observer, aliases=import_aliases(tree))
    warnings: list[str] = []
    input_names = free_names(tree) if expression else list(given)
    if expression:
        for name in input_names:
            if name not in given:
                span = _first_use(tree, name, evaluator.source)
                raise ProgramError(
                    "runtime",
                    f"missing input '{name}' (line {span.line}, column {span.column}): give it a value",
                    span.line,
                    span.column,
                    span.end_line,
                    span.end_column,
                )
        warnings.extend(
            f"input '{name}' is not used by the expression" for name in given if name not in input_names
        )
        unused = [name for name in given if name not in input_names]
    else:
        # An example's inputs stay when a student pastes their own program over it (x = 1 beside a
        # program without x): said plainly, not as "x gets no gradient" (graph_warnings.py).
        read = names_read(tree)
        unused = [name for name in given if name not in read]
        warnings.extend(f"input '{name}' is not used by the program" for name in unused)
    stopped: ProgramError | None = None
    # A program always starts with the graph on, and its random numbers stay its own.
    random_state = _private_random_state() if uses_randomness(tree) else nullcontext()
    try:
        with random_state, own_generator(UNSEEDED_SEED), torch.enable_grad():
            for name in input_names:
                leaf = make_leaf(name, given[name], evaluator.budget)
                evaluator.namespace[name] = leaf
                evaluator.observer.on_assign(name, leaf, _first_use(tree, name, evaluator.source))
            with evaluator.regions.watching_modules(), warnings_told(evaluator.library_warning):
                try:
                    final = evaluator.run_module(tree)
                except ProgramError as error:
                    if not (keep_stopped and error.type in STOPPING_ERRORS):
                        raise
                    stopped, final = error, None
    finally:
        # The evaluator is cyclic garbage once the run ends (bound methods of itself); the
        # observer's per-operation callbacks it holds may be another object's methods (the
        # tracer's recorder): unlinked, what that object keeps is freed by reference counting.
        plain = PlainObserver()
        evaluator.on_tensor, evaluator.on_assign = plain.on_tensor, plain.on_assign
    run = ProgramRun(
        mode="expression" if expression else "program",
        namespace=evaluator.namespace,
        output=None,
        output_name=None,
        output_span=None,
        input_names=input_names,
        unused_inputs=unused,
        backward_calls=evaluator.backward_calls,
        warnings=warnings + evaluator.warnings,
        printed=evaluator.printed,
    )
    if stopped is not None:
        if expression or (output is not None and output not in evaluator.namespace):
            raise stopped  # nothing of what the request asks to see was made before the error
        raised = evaluator.raised  # None for a ProgramError of the evaluator's own
        origin = origin_of(raised) if raised is not None else None
        in_pass = failed_pass_of(raised) if raised is not None else None
        run.stopped = Stop(stopped, origin.changing if origin is not None else None, in_pass)
    _choose_output(run, tree, evaluator, final, output)
    if stopped is not None and not isinstance(run.output, torch.Tensor):
        raise stopped  # no tensor made before the error: the error alone, as without keep_stopped
    return run


def _choose_output(
    run: ProgramRun, tree: ast.Module, evaluator: Evaluator, final: object, output: str | None
) -> None:
    """The variable named `output`, else a final expression's value, else the last tensor assigned that
    an operation made (still bound to it), else the last tensor assigned."""
    if output is not None:
        if output not in evaluator.namespace:
            raise ProgramError("runtime", f"output '{output}' is not a variable of the program")
        run.output, run.output_name = evaluator.namespace[output], output
        run.output_span = evaluator.assigned_at.get(output)
        return
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and final is not None:
        run.output = final
        run.output_name = last.value.id if isinstance(last.value, ast.Name) else None
        run.output_span = evaluator.source.span(last.value)
        return
    # PyTorch's "Build the Neural Network" tutorial ends with `for name, param in
    # model.named_parameters(): print(...)`: the last tensor assigned is one bias, a graph of one node,
    # where the graph a student came to see is the forward pass's (`pred_probab`).
    name = evaluator.last_graph_name
    value = evaluator.namespace.get(name) if name is not None else None
    if not (isinstance(value, torch.Tensor) and value.grad_fn is not None):
        name = evaluator.last_tensor_name
    if name is not None and name not in evaluator.namespace:  # `del y` after it: the latest still bound
        bound = (
            n for n in reversed(evaluator.assigned_at) if isinstance(evaluator.namespace.get(n), torch.Tensor)
        )
        name = next(bound, None)
    if name is not None:
        run.output, run.output_name, run.output_span = (
            evaluator.namespace[name],
            name,
            evaluator.assigned_at[name],
        )
        run.output_assigned = True
