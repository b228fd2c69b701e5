"""What every part of the evaluator shares: the run's state, names, and the one call into libraries.

The evaluator is split by concern into statements.py, expressions.py and calls.py (and the
program's own functions and classes in user_code.py); each is a mixin of `EvaluatorCore`, and
evaluator.py puts them together. Exceptions of the program are real Python exceptions (so
`except RuntimeError as e` catches PyTorch's own); limits are `ProgramError`s, which no handler
of the program can catch.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, NoReturn, TypeVar

import torch

from autograd_explorer.errors import ProgramCall, ProgramError
from autograd_explorer.lang.allowlist import (
    CONSTANTS,
    DEFAULT_ALIASES,
    DTYPE_NAMES,
    MODULES,
    SPELLINGS,
    Growth,
)
from autograd_explorer.lang.anomaly import is_anomaly_enabled, mark_forward_call
from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.containers import CONTAINER_TYPES, ContainerSizes
from autograd_explorer.lang.contract import LanguageLimits, ProgramObserver, Span
from autograd_explorer.lang.devices import check_device
from autograd_explorer.lang.formatting import Output, check_extent
from autograd_explorer.lang.regions import RegionTracker
from autograd_explorer.lang.repeats import RepeatTracker
from autograd_explorer.lang.source import SourceText
from autograd_explorer.lang.user_code import UserClasses, UserFunction
from autograd_explorer.lang.values import FunctionRef, ModuleRef, Scope, mark_origin, origin_of

_ABSENT = object()  # a cache's miss (a table constant may be None)
Closure = Callable[[], object]  # a node compiled by compiled.py: running it is evaluating the node


_Node = TypeVar("_Node", bound=ast.AST)


class Closures(dict[_Node, Closure]):
    """Each node's closure, made on its first run (a hit is C's dict lookup)."""

    def __init__(
        self, compile_node: Callable[[_Node], Closure], fallback: Callable[[_Node], Closure]
    ) -> None:
        super().__init__()
        self.compile_node = compile_node
        self.fallback = fallback

    def __missing__(self, node: _Node) -> Closure:
        try:
            closure = self.compile_node(node)
        except RecursionError:  # a deeply nested expression: the walk runs it (and fails as it always did)
            closure = self.fallback(node)
        self[node] = closure
        return closure


def error_at(kind: Any, message: str, span: Span, calls: tuple[ProgramCall, ...] = ()) -> ProgramError:
    """A ProgramError of `kind` at `span` (inside the program's functions: `calls`, innermost first)."""
    return ProgramError(kind, message, span.line, span.column, span.end_line, span.end_column, calls)


def exception_message(exc: BaseException) -> str:
    """PyTorch's (or Python's) own message, verbatim; the class name when it has none."""
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return repr(exc.args[0])  # as str(KeyError('a')) prints it
    return str(exc) or type(exc).__name__


def normalize_keywords(kwargs: dict[str, object]) -> None:
    """A call's keyword arguments as the library takes them: `dtype=` given as text (`x.dtype` reads
    as 'torch.float32') is the dtype; `device=` must name the cpu (a RuntimeError otherwise: its
    callers report it at the keyword, keyword_node(call, "device"))."""
    dtype = kwargs.get("dtype")
    if isinstance(dtype, str) and dtype in DTYPE_NAMES:
        kwargs["dtype"] = DTYPE_NAMES[dtype]
    if "device" in kwargs:
        check_device(kwargs["device"])


# PyTorch's TypeError about a dtype= it was given ("zeros(): argument 'dtype' must be torch.dtype,
# not str", "sum() received an invalid combination of arguments - got (dtype=str, )"), not its
# list of signatures ("torch.dtype dtype = None") nor a right dtype beside a wrong argument.
_BAD_DTYPE = re.compile(r"argument 'dtype'|dtype=(?!torch\.dtype)")


def keyword_node(node: ast.AST, name: str) -> ast.AST:
    """The keyword argument `name=` of a call (or the `**mapping` that may hold it), else the call:
    where an error about that argument is reported."""
    if isinstance(node, ast.Call):
        for keyword in node.keywords:
            if keyword.arg == name:
                return keyword
        for keyword in node.keywords:
            if keyword.arg is None:
                return keyword
    return node


def type_name(value: object) -> str:
    """The name Python's messages use for a value's type."""
    return type(value).__name__


class EvaluatorCore:
    """State of one run and the helpers every concern uses; the concerns implement the rest."""

    current_call: ast.AST | None = None  # the call expression being made (library code calling back)

    def __init__(
        self,
        source: SourceText,
        limits: LanguageLimits,
        observer: ProgramObserver,
        namespace: dict[str, object] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.source = source
        # the node's span in characters: bound once (it runs several times per operation)
        self.span: Callable[[ast.AST], Span] = source.span
        self.segment: Callable[[ast.AST], str] = source.segment  # its source text
        self.observer = observer
        self.on_tensor = observer.on_tensor  # bound once: called for every tensor an operation makes
        self.on_assign = observer.on_assign  # and for every assignment
        self.budget = Budget(limits)
        self.namespace: dict[str, object] = {} if namespace is None else namespace
        self.globals = Scope(self.namespace)
        self.scope = self.globals
        self.aliases: dict[str, str] = dict(DEFAULT_ALIASES if aliases is None else aliases)
        self.classes = UserClasses()
        self.output = Output(self.budget)
        self.warnings: list[str] = []
        self.backward_calls = 0
        self.assigned_at: dict[str, Span] = {}
        self.last_tensor_name: str | None = None
        # The exception no handler caught, when one ended the run (run.py reads its marks: Stop)
        self.raised: Exception | None = None
        self.last_graph_name: str | None = None  # the last tensor bound that an operation made
        self.yielded: list[list[object]] = []  # per generator function running, what it yielded
        self.statement = Span(1, 0, 1, 0)
        self.call_site = Span(1, 0, 1, 0)  # the call expression being made (a function names it)
        self.handling: list[BaseException] = []  # exceptions being handled (for a bare `raise`)
        self.regions = RegionTracker(observer)  # modules' forwards and function calls, for the observer
        self.repeats = RepeatTracker(observer)  # whether a range loop around the code has turns left
        # What a table path resolves to (ModuleRef, FunctionRef or constant): the table is fixed for
        # the run and the wrappers are immutable, so `torch.no_grad` in a loop is resolved once.
        self.resolved: dict[str, object] = {}
        # `module.name` read by the program (`torch.tanh`): the same table entry for the whole run.
        self.module_members: dict[tuple[str, str], object] = {}
        # A name no scope binds, as the table resolves it (aliases and the table are fixed for the run).
        self.named_entries: dict[str, object] = {}
        # Each hot node's closure (compiled.py), made on its first run: what a loop's turns call.
        self.expression_closures: Closures[ast.expr] = Closures(
            self.compile_expression, lambda node: partial(self.eval, node)
        )
        self.statement_closures: Closures[ast.stmt] = Closures(
            self.compile_statement, lambda node: partial(self.execute, node)
        )

    def library_warning(self, category: str, message: str) -> None:
        """A warning PyTorch raised during the program's call (library_warnings.warnings_told), said
        at that call's line as CPython prints it on stderr: `UserWarning: ...`."""
        span = self.span(self.current_call) if self.current_call is not None else self.statement
        text = f"line {span.line}: {category}: {message.strip()}"
        if text not in self.warnings:
            self.warnings.append(text)

    # --- implemented by the concerns (statements.py, expressions.py, calls.py) ---------------

    def execute(self, node: ast.stmt) -> object:
        raise NotImplementedError

    def run_body(self, body: Sequence[ast.stmt]) -> None:
        raise NotImplementedError

    def eval(self, node: ast.expr) -> object:
        raise NotImplementedError

    def compile_expression(self, node: ast.expr) -> Closure:
        raise NotImplementedError

    def has_attribute(self, args: Sequence[object], kwargs: Mapping[str, object], node: ast.AST) -> bool:
        raise NotImplementedError

    def compile_statement(self, node: ast.stmt) -> Closure:
        raise NotImplementedError

    def check_growth(
        self,
        impl: Callable[..., object] | None,
        growth: Growth,
        args: Sequence[object],
        kwargs: Mapping[str, object],
        node: ast.AST,
    ) -> None:
        raise NotImplementedError

    def call_value(
        self, fn: object, args: list[object], kwargs: dict[str, object], node: ast.AST | None = None
    ) -> object:
        raise NotImplementedError

    def invoke(self, function: UserFunction, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
        raise NotImplementedError

    def assign(self, target: ast.expr, value: object, statement: ast.AST) -> None:
        raise NotImplementedError

    def attribute_of(self, owner: object, name: str, node: ast.AST) -> object:
        raise NotImplementedError

    def call(self, node: ast.Call) -> object:
        raise NotImplementedError

    def make_function(self, node: ast.FunctionDef | ast.Lambda, name: str) -> UserFunction:
        raise NotImplementedError

    def binary(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        raise NotImplementedError

    # --- shared helpers -------------------------------------------------------------------------

    @property
    def printed(self) -> list[str]:
        """What the program printed, line by line."""
        return self.output.lines()

    def apply(
        self,
        fn: Callable[..., object],
        args: Sequence[object],
        kwargs: Mapping[str, object],
        node: ast.AST,
        changing: object = None,
    ) -> Any:
        """Call into PyTorch/Python: the one place library code runs. Its exceptions are the program's
        (`changing`: the tensor an in-place operation changes, named if it raises)."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            self.library_failed(exc, node, changing)

    def library_failed(self, exc: Exception, node: ast.AST, changing: object = None) -> NoReturn:
        """What `apply` does when library code raised (hot paths that call the library directly
        hand their exception here): a limit for exhausted memory or stack, else the program's
        exception, marked with the node's span (and `changing`, the tensor an in-place operation
        was changing)."""
        if isinstance(exc, ProgramError):
            if exc.line is None:  # refused by a check that knows no span (lang/devices.py): the call's
                raise error_at(exc.type, exc.message, self.span(node)) from None
            raise exc
        if isinstance(exc, MemoryError | RecursionError):
            raise self.limit_for(exc, self.span(node)) from None
        if isinstance(exc, TypeError) and isinstance(node, ast.Call) and _BAD_DTYPE.search(str(exc)):
            node = keyword_node(node, "dtype")
        mark_origin(exc, self.span(node), changing=changing)
        raise exc

    @staticmethod
    def limit_for(exc: BaseException, span: Span) -> ProgramError:
        """Python ran out of memory or stack: a limit, never an exception the program could catch."""
        if isinstance(exc, MemoryError):
            return limit_error("out of memory", span)
        return limit_error("the program needs too much nesting or recursion (RecursionError)", span)

    def check_walk(self, values: Sequence[object], span: Span) -> None:
        """Lists about to be walked by Python or PyTorch: size-checked, and each tensor in them is
        an operation (comparing or converting it is one torch call)."""
        tensors = 0
        sizes: ContainerSizes | None = None  # measured afresh: lists may have grown since they were made
        for value in values:
            if type(value) in CONTAINER_TYPES:  # is_container, inlined: per argument of every call
                if sizes is None:
                    sizes = ContainerSizes()
                extent = sizes.measure(value)
                check_extent(extent, self.budget, span)
                tensors += extent.tensors
        if tensors:
            self.budget.count_operation(span, tensors)

    def produced(
        self, value: object, node: ast.AST, span: Span | None = None, text: str | None = None
    ) -> Any:
        """Account a result; a tensor is reported to the observer with the node's source text
        (`span`, `text`: the node's, when the caller has them already: a compiled closure does)."""
        if isinstance(value, torch.Tensor):
            if span is None:
                span = self.span(node)
            budget = self.budget
            n = value.numel()
            # Budget.add_result's accounting when no limit is near (per tensor of a loop, a call
            # less); it decides, and words the refusal, whenever one might be reached.
            if 0 < n <= budget.max_tensor_elements and budget.total_elements + n <= budget.max_total_elements:
                budget.total_elements += n
            else:
                budget.add_result(value, span)
            if text is None:
                text = self.segment(node)
            if is_anomaly_enabled():  # the program's call, not our stack, is what made its nodes
                fn = value.grad_fn
                if fn is not None:
                    mark_forward_call(fn, span, text)
            self.on_tensor(value, span, text)
        return value

    def lookup(self, name: str, node: ast.AST) -> object:
        """A name: the program's scopes, then the imported modules, then the table's functions."""
        names = self.scope.names
        if name in names:  # the innermost scope (Scope.find's first look), without its call
            return names[name]
        scope = self.scope
        if scope is not self.globals:  # the program's scope has no parent and no local names: its
            try:  # find would only repeat the look above
                found, value = scope.find(name)
            except UnboundLocalError as exc:
                mark_origin(exc, self.span(node))
                raise
            if found:
                return value
        entry = self.named_entries.get(name, _ABSENT)  # `torch` in a loop: resolved once
        if entry is not _ABSENT:
            return entry
        target = self.aliases.get(name)
        if target is not None:
            entry = self.named_entries[name] = self.table_entry(target)
            return entry
        if name in SPELLINGS:
            entry = self.named_entries[name] = self.table_entry(name)
            return entry
        if name == "__name__":
            return "__main__"
        error = NameError(f"name '{name}' is not defined")
        mark_origin(error, self.span(node))
        raise error

    def table_entry(self, path: str) -> object:
        """A path of the table (an alias's target or a full path) as the program's value: a module
        (ModuleRef), a function (FunctionRef) or a constant; KeyError when the table has none."""
        value = self.resolved.get(path)
        if value is None:
            if path in MODULES:
                value = ModuleRef(path)
            elif path in SPELLINGS:
                value = FunctionRef(SPELLINGS[path], self.call_value)
            else:
                value = CONSTANTS[path]
            self.resolved[path] = value
        return value

    def module_attribute(self, module: ModuleRef, name: str) -> object:
        """`torch.nn` → ModuleRef, `torch.sin` → FunctionRef, `torch.float32` → the dtype."""
        path = f"{module.path}.{name}"
        if path in self.resolved or path in MODULES or path in SPELLINGS or path in CONSTANTS:
            return self.table_entry(path)
        raise AttributeError(f"module '{module.path}' has no attribute '{name}'")

    def bind(self, name: str, value: object, span: Span) -> None:
        """Bind a name in the current scope and tell the observer."""
        scope = self.scope
        scope.names[name] = value
        if scope is self.globals:
            self.assigned_at[name] = span
            if isinstance(value, torch.Tensor):
                self.last_tensor_name = name
                if value.grad_fn is not None:
                    self.last_graph_name = name
        self.on_assign(name, value, span)

    def uncaught(self, exc: Exception) -> ProgramError:
        """An exception no handler caught, as the ProgramError the API answers with.

        The message is Python's (PyTorch's) own; when it was raised inside the program's functions,
        `calls` holds the calls it passed through, innermost first.
        """
        origin = origin_of(exc)
        span = origin.span if origin else self.statement
        kind = origin.kind if origin else "runtime"
        calls = (
            tuple(ProgramCall(function=name, line=site.line) for name, site in origin.calls) if origin else ()
        )
        return error_at(kind, exception_message(exc), span, calls)
