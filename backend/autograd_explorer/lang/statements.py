"""Statements: assignment, loops, if, with, try/except, raise, assert, del, def and class.

Each statement checks the wall clock first; every loop turn is counted by the budget (a
`for` over a range reserves its turns up front, so `range(10**9)` is refused before it starts).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from time import monotonic
from typing import Any

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import ATTRIBUTES, IN_PLACE, SETTERS
from autograd_explorer.lang.contract import LABEL_CHARS, Region, Span
from autograd_explorer.lang.core import EvaluatorCore, error_at, type_name
from autograd_explorer.lang.data_classes import class_fields, data_class_methods
from autograd_explorer.lang.parse import GRAD_MODE_BLOCKS, GRAD_MODE_DECORATORS, METHOD_DECORATORS
from autograd_explorer.lang.regions import NO_NAMING, LoopNaming
from autograd_explorer.lang.user_code import UserClassMethod, UserFunction, UserProperty
from autograd_explorer.lang.values import (
    BreakLoop,
    ContinueLoop,
    FunctionRef,
    ReturnValue,
    Scope,
    function_locals,
    mark_origin,
)

_CONTROL = (ProgramError, BreakLoop, ContinueLoop, ReturnValue)
_LOOP_TARGETS = (ast.For, ast.comprehension)  # their variable's span is its own, not the statement's


# A set's (and, with |=, a dict's) augmented operators that change it in place, as Python's.
_SET_IN_PLACE: dict[type[ast.operator], Callable[[Any, Any], object]] = {
    ast.Sub: operator.isub,
    ast.BitXor: operator.ixor,
    ast.BitAnd: operator.iand,
    ast.BitOr: operator.ior,
}


class Statements(EvaluatorCore):
    """Runs statements; expressions and calls are the other mixins' business."""

    def run_module(self, tree: ast.Module) -> object:
        """Run every statement; return the value of a final expression statement (else None)."""
        value: object = None
        try:
            for i, statement in enumerate(tree.body):
                result = self.execute(statement)
                if i == len(tree.body) - 1 and isinstance(statement, ast.Expr):
                    value = result
        except ReturnValue:
            raise error_at("syntax", "'return' outside function", self.statement) from None
        except BreakLoop:
            raise error_at("syntax", "'break' outside loop", self.statement) from None
        except ContinueLoop:
            raise error_at("syntax", "'continue' not properly in loop", self.statement) from None
        return value

    def execute(self, node: ast.stmt) -> object:
        """Run one statement; an exception leaving it is marked with this line if nothing inside did."""
        self.statement = self.span(node)
        if monotonic() >= self.budget.deadline:  # read here: a call less per statement
            self.budget.check_time(self.statement)
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise error_at("forbidden", f"{type(node).__name__} is not allowed", self.statement)
        try:
            return handler(self, node)
        except _CONTROL:
            raise
        except (MemoryError, RecursionError) as exc:
            raise self.limit_for(exc, self.span(node)) from None
        except Exception as exc:
            mark_origin(exc, self.span(node))
            raise

    def run_body(self, body: Sequence[ast.stmt]) -> None:
        """Run a block of statements (each its compiled closure: execute's steps, see compiled.py)."""
        closures = self.statement_closures
        for statement in body:
            closures[statement]()

    def truth(self, value: object, node: ast.AST) -> bool:
        """`if value:` as Python decides it (a tensor of several elements raises, as in PyTorch)."""
        return bool(self.apply(bool, (value,), {}, node))

    # --- assignment -------------------------------------------------------------------------

    def expression_statement(self, node: ast.Expr) -> object:
        return self.eval(node.value)

    def assignment(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            if type(target) is ast.Name:  # `h = ...`, the usual: assign's first case without its call
                self.bind(target.id, value, self.span(node))
            else:
                self.assign(target, value, node)

    def annotated_assignment(self, node: ast.AnnAssign) -> None:
        if node.value is not None:  # the annotation is ignored, as Python ignores it at run time
            self.assign(node.target, self.eval(node.value), node)

    def assign(self, target: ast.expr, value: object, statement: ast.AST, unpacked: bool = False) -> None:
        """Assign to a name, a tuple of targets, `x[i]` or an attribute.

        A name among a tuple of targets has its own span (`h` in `output, (h, c) = lstm(x)`): the
        statement's would give every value it unpacks one place, as a loop's turns share theirs.
        """
        if isinstance(target, ast.Name):
            own = unpacked or isinstance(statement, _LOOP_TARGETS)
            span = self.span(target) if own else self.span(statement)
            self.bind(target.id, value, span)
        elif isinstance(target, ast.Tuple | ast.List):
            self.unpack(target, value, statement)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            index = self.eval(target.slice)
            self.set_item(container, index, value, target, statement)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value)
            if isinstance(owner, torch.Tensor) and target.attr in SETTERS:
                self.apply(SETTERS[target.attr], (owner, value), {}, target)
            else:
                self.apply(self.classes.set_attribute, (owner, target.attr, value), {}, target)

    def unpack(self, target: ast.Tuple | ast.List, value: object, statement: ast.AST) -> None:
        elements = target.elts
        starred = next((k for k, element in enumerate(elements) if isinstance(element, ast.Starred)), None)
        if isinstance(value, torch.Tensor):
            self.unpacking_a_tensor(value, len(elements), starred is not None, statement)
        try:
            items = list(value)  # type: ignore[call-overload]
        except TypeError:
            raise TypeError(f"cannot unpack non-iterable {type_name(value)} object") from None
        if starred is not None:  # `first, *rest = …`: the starred name takes a list of what is left
            after = len(elements) - starred - 1
            if len(items) < starred + after:
                raise ValueError(
                    f"not enough values to unpack (expected at least {starred + after}, got {len(items)})"
                )
            rest = len(items) - after
            items = [*items[:starred], items[starred:rest], *items[rest:]]
            elements = [e.value if isinstance(e, ast.Starred) else e for e in elements]
        expected = len(elements)
        if len(items) > expected:
            raise ValueError(f"too many values to unpack (expected {expected})")
        if len(items) < expected:
            raise ValueError(f"not enough values to unpack (expected {expected}, got {len(items)})")
        for element, item in zip(elements, items, strict=True):
            self.assign(element, item, statement, unpacked=True)

    def unpacking_a_tensor(self, value: torch.Tensor, names: int, starred: bool, statement: ast.AST) -> None:
        """Check a tensor's rows before it is unpacked into names: each row is a tensor made, and
        iterating 10⁶ of them took 2 s and 600 MB. A count that cannot match is refused without
        iterating (CPython's messages); rows for a starred name count as a loop's turns, as a `for`
        over the tensor does."""
        if value.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")  # PyTorch's own message
        rows = value.shape[0]
        if starred:
            if rows >= names - 1:
                self.budget.reserve_loop(
                    rows, self.span(statement), "unpacking would take this tensor's {} rows"
                )
        elif rows > names:
            raise ValueError(f"too many values to unpack (expected {names})")

    def set_item(
        self, container: object, index: object, value: object, target: ast.AST, statement: ast.AST
    ) -> None:
        self.budget.count_operation(self.span(target))
        self.apply(operator.setitem, (container, index, value), {}, target)
        if isinstance(container, torch.Tensor):
            self.produced(container, statement)

    def augmented_assignment(self, node: ast.AugAssign) -> None:
        """`y += v`: in place on a tensor (as PyTorch) and on a list (as Python), a new value otherwise."""
        target = node.target
        if isinstance(target, ast.Name):
            current = self.lookup(target.id, target)
            self.bind(target.id, self.combine(current, node), self.span(node))
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            index = self.eval(target.slice)
            current = self.apply(operator.getitem, (container, index), {}, target)
            self.set_item(container, index, self.combine(current, node), target, node)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value)
            if isinstance(owner, torch.Tensor) and target.attr in SETTERS:
                current = ATTRIBUTES[target.attr].read(owner)
                self.apply(SETTERS[target.attr], (owner, self.combine(current, node)), {}, target)
            else:
                current = self.attribute_of(owner, target.attr, target)
                self.apply(
                    self.classes.set_attribute, (owner, target.attr, self.combine(current, node)), {}, target
                )

    def combine(self, current: object, node: ast.AugAssign) -> object:
        value = self.eval(node.value)
        in_place = IN_PLACE.get(type(node.op).__name__)
        if isinstance(current, torch.Tensor) and in_place is not None:
            self.budget.count_operation(self.span(node))
            # naming the tensor changed: PyTorch refuses a leaf that requires grad
            return self.produced(self.apply(in_place, (current, value), {}, node, changing=current), node)
        if isinstance(current, list) and isinstance(node.op, ast.Add):
            self.budget.count_operation(self.span(node))
            self.budget.check_length(len(current) + _length(value), self.span(node), "list")
            return self.apply(operator.iadd, (current, value), {}, node)
        if isinstance(current, list) and isinstance(node.op, ast.Mult) and isinstance(value, int):
            # `xs *= 2` changes xs, as Python's: another name for the list sees it
            self.budget.count_operation(self.span(node))
            self.budget.check_length(len(current) * max(value, 0), self.span(node), "list")
            return self.apply(operator.imul, (current, value), {}, node)
        in_place_set = _SET_IN_PLACE.get(type(node.op)) if isinstance(current, set | dict) else None
        if in_place_set is not None and (isinstance(current, set) or isinstance(node.op, ast.BitOr)):
            # `s -= t`, `s ^= t`, `s &= t`, `s |= t`, `d |= e` change s (d), as Python's
            span = self.span(node)
            self.budget.count_operation(span)
            if isinstance(node.op, ast.BitOr | ast.BitXor):  # at most both sizes
                self.budget.check_length(_length(current) + _length(value), span, type(current).__name__)
            return self.apply(in_place_set, (current, value), {}, node)
        return self.binary(node.op, current, value, node)

    # --- control flow ---------------------------------------------------------------------------

    def for_loop(self, node: ast.For) -> None:
        iterable = self.eval(node.iter)
        span = self.span(node)
        reserved = isinstance(iterable, range)
        turns_left = 0  # a range's turns after this one (the observer is told while some are left)
        if reserved:
            assert isinstance(iterable, range)
            self.budget.reserve_loop(len(iterable), span)
            turns_left = len(iterable)
        iterator = self.apply(iter, (iterable,), {}, node.iter)
        target = node.target
        target_span = self.span(target) if type(target) is ast.Name else None
        target_name = target.id if isinstance(target, ast.Name) else ""
        body = [self.statement_closures[statement] for statement in node.body]  # execute, compiled
        repeating = False
        region = self.enter_loop(span, node, iterable)
        next_turn = self.observer.next_turn if region is not None else None
        try:
            while True:
                try:  # apply's handling, written out: this runs for every turn
                    item = next(iterator)
                except StopIteration:
                    break
                except Exception as exc:
                    self.library_failed(exc, node.iter)
                if next_turn is not None:  # before the target is bound: a row of a tensor is this turn's
                    next_turn()
                if reserved:
                    turns_left -= 1
                    if repeating != (turns_left > 0):
                        repeating = not repeating
                        self.repeats.change(repeating)
                else:
                    self.budget.count_iteration(span)
                if target_span is not None:  # a name (the usual): assign's first case without its call
                    self.bind(target_name, item, target_span)
                else:
                    self.assign(target, item, node)
                try:  # loop_turn, written out: once per turn
                    for run in body:
                        run()
                except BreakLoop:
                    return
                except ContinueLoop:
                    pass
        finally:
            if repeating:  # left early (break, return, an exception)
                self.repeats.change(False)
            self.leave_loop(region)
        self.run_body(node.orelse)

    def while_loop(self, node: ast.While) -> None:
        span = self.span(node)
        region = self.enter_loop(span, node)
        try:
            while True:
                self.budget.count_iteration(span)
                if region is not None:  # the test is the turn's (its last one only tests)
                    self.observer.next_turn()
                if not self.truth(self.eval(node.test), node.test):
                    break
                if not self.loop_turn(node.body):
                    return
        finally:
            self.leave_loop(region)
        self.run_body(node.orelse)

    def enter_loop(self, span: Span, node: ast.For | ast.While, iterable: object = None) -> Region | None:
        """Tell the observer a loop starts (once for all its turns; its `else` is no part of it), with
        its header (`for t in range(3)`) and what a `for`'s variable holds at each turn (none of it
        read when no regions are wanted)."""
        if not self.regions.active:
            return None
        if isinstance(node, ast.For):
            header = f"for {self.segment(node.target)} in {self.segment(node.iter)}"
            naming = loop_naming(node, iterable, self.segment)
        else:
            header, naming = f"while {self.segment(node.test)}", NO_NAMING
        region = self.regions.loop_region(span.line, header, naming)
        if region is not None:
            self.observer.enter_region(region)
        return region

    def leave_loop(self, region: Region | None) -> None:
        if region is not None:
            self.observer.leave_region(region, None)

    def loop_turn(self, body: list[ast.stmt]) -> bool:
        """One turn of a loop's body; False when it ended with `break` (the loop's `else` is skipped)."""
        closures = self.statement_closures
        try:
            for statement in body:  # run_body, written out: once per turn
                closures[statement]()
        except BreakLoop:
            return False
        except ContinueLoop:
            pass
        return True

    def if_statement(self, node: ast.If) -> None:
        self.run_body(node.body if self.truth(self.eval(node.test), node.test) else node.orelse)

    def with_block(self, node: ast.With) -> None:
        if len(node.items) == 1:  # the usual `with torch.no_grad():`, in a training loop's every turn
            with self.context_manager(node.items[0]):
                self.run_body(node.body)
            return
        with ExitStack() as stack:
            for item in node.items:
                stack.enter_context(self.context_manager(item))
            self.run_body(node.body)

    def context_manager(self, item: ast.withitem) -> AbstractContextManager[object]:
        call = item.context_expr
        assert isinstance(call, ast.Call)
        maker = self.grad_mode(call.func, GRAD_MODE_BLOCKS)
        if not call.args and not call.keywords:  # set_detect_anomaly() misses its flag: PyTorch's TypeError
            return self.apply(maker, (), {}, call)  # type: ignore[no-any-return]
        # set_grad_enabled(flag), set_detect_anomaly(flag, check_nan=...): PyTorch's own checks
        args = tuple(self.eval(arg) for arg in call.args)
        kwargs = {k.arg: self.eval(k.value) for k in call.keywords if k.arg is not None}
        return self.apply(maker, args, kwargs, call)  # type: ignore[no-any-return]

    def once_differentiable(
        self, node: ast.expr
    ) -> Callable[[Callable[..., object]], Callable[..., object]] | None:
        """PyTorch's `once_differentiable`, when the decorator names it; else None."""
        return None if isinstance(node, ast.Call) else self.special_entry(node, "decorator")  # type: ignore[return-value]

    def grad_mode(self, node: ast.expr, refusal: str) -> Callable[[], AbstractContextManager[object]]:
        """The grad mode a `with` item or a decorator names (torch.no_grad...), as its maker."""
        maker = self.special_entry(node, "context")
        if maker is None:
            raise error_at("forbidden", refusal, self.span(node))
        return maker  # type: ignore[return-value]

    def special_entry(self, node: ast.expr, special: str) -> Callable[..., object] | None:
        """What the table's entry the expression names runs, when that entry is of this kind; else None."""
        fn = self.eval(node)
        if isinstance(fn, FunctionRef) and fn.fn.special == special and fn.fn.impl is not None:
            return fn.fn.impl
        return None

    def try_statement(self, node: ast.Try) -> None:
        """try/except/else/finally. A limit (a ProgramError) is no exception of the program: no
        handler sees it and no `finally` runs after it; the program stops there."""
        try:
            self.run_body(node.body)
        except ProgramError:
            raise
        except (BreakLoop, ContinueLoop, ReturnValue):
            self.run_body(node.finalbody)
            raise
        except (MemoryError, RecursionError) as exc:
            raise self.limit_for(exc, self.statement) from None
        except Exception as exc:
            try:
                handled = self.handle(exc, node.handlers)
            except ProgramError:
                raise
            except BaseException:
                self.run_body(node.finalbody)
                raise
            if not handled:
                self.run_body(node.finalbody)
                raise
        else:
            try:
                self.run_body(node.orelse)
            except ProgramError:
                raise
            except BaseException:
                self.run_body(node.finalbody)
                raise
        self.run_body(node.finalbody)

    def handle(self, exc: Exception, handlers: list[ast.ExceptHandler]) -> bool:
        """Run the first handler that matches `exc`; False if none does."""
        for handler in handlers:
            if handler.type is not None and not self.matches(exc, self.eval(handler.type), handler.type):
                continue
            if handler.name is not None:
                self.bind(handler.name, exc, self.span(handler))
            self.handling.append(exc)
            try:
                self.run_body(handler.body)
            finally:
                self.handling.pop()
                if handler.name is not None:
                    self.scope.names.pop(handler.name, None)  # Python deletes the name after the handler
            return True
        return False

    def matches(self, exc: Exception, classes: object, node: ast.AST) -> bool:
        wanted = classes if isinstance(classes, tuple) else (classes,)
        types: list[type] = []
        for cls in wanted:
            if isinstance(cls, FunctionRef):
                cls = cls.fn.impl
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                error = TypeError("catching classes that do not inherit from BaseException is not allowed")
                mark_origin(error, self.span(node))
                raise error
            types.append(cls)
        return isinstance(exc, tuple(types))

    def raise_statement(self, node: ast.Raise) -> None:
        if node.exc is None:
            if not self.handling:
                raise RuntimeError("No active exception to reraise")
            raise self.handling[-1]
        exc = self.exception_value(self.eval(node.exc), node)
        if node.cause is not None:
            cause = self.eval(node.cause)
            exc.__cause__ = None if cause is None else self.exception_value(cause, node)
        mark_origin(exc, self.span(node))
        raise exc

    def exception_value(self, value: object, node: ast.AST) -> BaseException:
        """`raise ValueError` or `raise ValueError("...")`: an exception instance."""
        if isinstance(value, FunctionRef):
            value = value.fn.impl
        if isinstance(value, type) and issubclass(value, BaseException):
            value = self.apply(value, (), {}, node)
        if not isinstance(value, BaseException):
            raise TypeError("exceptions must derive from BaseException")
        return value

    def assert_statement(self, node: ast.Assert) -> None:
        if not self.truth(self.eval(node.test), node.test):
            message = () if node.msg is None else (self.eval(node.msg),)
            error = AssertionError(*message)
            mark_origin(error, self.span(node))
            raise error

    def delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                if target.id not in self.scope.names:
                    error = NameError(f"name '{target.id}' is not defined")
                    mark_origin(error, self.span(target))
                    raise error
                del self.scope.names[target.id]
            elif isinstance(target, ast.Subscript):
                container = self.eval(target.value)
                self.apply(operator.delitem, (container, self.eval(target.slice)), {}, target)

    def return_statement(self, node: ast.Return) -> None:
        raise ReturnValue(None if node.value is None else self.eval(node.value))

    @staticmethod
    def break_statement(node: ast.Break) -> None:
        raise BreakLoop

    @staticmethod
    def continue_statement(node: ast.Continue) -> None:
        raise ContinueLoop

    # --- definitions ----------------------------------------------------------------------------

    def qualified(self, name: str) -> str:
        label = self.scope.label
        return f"{label}.{name}" if label else name

    def make_function(self, node: ast.FunctionDef | ast.Lambda, name: str) -> UserFunction:
        """A UserFunction closing over the current scope (defaults evaluated now, as Python does)."""
        args = node.args
        defaults = [self.eval(d) for d in args.defaults]
        kw_defaults = {
            a.arg: self.eval(d)
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if d is not None
        }
        return UserFunction(
            node,
            name,
            self.qualified(name),
            defaults,
            kw_defaults,
            self.scope,
            function_locals(node),
            self.invoke,
        )

    def function_definition(self, node: ast.FunctionDef) -> None:
        # Decorators are evaluated before the function is made, as Python does; the parser let
        # through grad modes, each wrapping every call of the function, and a method's first
        # `@staticmethod` / `@classmethod` (Python's own, the name unbound by the program).
        # The parser also let through `@once_differentiable` right under `@staticmethod`: PyTorch's
        # own wrapper, made around the program's function (its call runs under no_grad).
        decorators = node.decorator_list
        kind = None
        if decorators and isinstance(decorators[0], ast.Name) and decorators[0].id in METHOD_DECORATORS:
            kind, decorators = decorators[0].id, decorators[1:]
        wrapper = self.once_differentiable(decorators[0]) if kind == "staticmethod" and decorators else None
        if wrapper is not None:
            decorators = decorators[1:]
        modes = tuple(
            self.grad_mode(d.func if isinstance(d, ast.Call) else d, GRAD_MODE_DECORATORS) for d in decorators
        )
        function = self.make_function(node, node.name)
        function.grad_modes = modes
        value: object = function
        if kind == "staticmethod":
            value = staticmethod(function if wrapper is None else wrapper(function))
        elif kind == "classmethod":
            value = UserClassMethod(function)
        elif kind == "property":
            value = UserProperty(function)
        self.bind(node.name, value, self.span(node))

    def class_definition(self, node: ast.ClassDef) -> None:
        bases = []
        for base_node in node.bases:
            base = self.eval(base_node)
            bases.append(base.fn.impl if isinstance(base, FunctionRef) else base)
        body_scope = Scope({}, parent=self.scope, is_class=True, label=self.qualified(node.name))
        outer = self.scope
        self.scope = body_scope
        try:
            self.run_body(node.body)
        finally:
            self.scope = outer
        body: dict[str, object] = body_scope.names
        fields = None
        if node.decorator_list:  # @dataclass, the one class decorator the parser lets through
            inherited = [f for base in bases for f in self.classes.data_fields.get(base, [])]
            fields = self.apply(class_fields, (node, body, inherited), {}, node)
            body = {**data_class_methods(fields), **body}
        cls = self.apply(self.classes.make, (node.name, bases, body, ast.get_docstring(node)), {}, node)
        if fields is not None:
            self.classes.data_fields[cls] = fields
            self.classes.defined[cls] |= {f.name for f in fields}
        self.bind(node.name, cls, self.span(node))


def _length(value: object) -> int:
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 0


_HANDLERS: dict[type[ast.stmt], Callable[[Statements, Any], object]] = {
    ast.Expr: Statements.expression_statement,
    ast.Assign: Statements.assignment,
    ast.AnnAssign: Statements.annotated_assignment,
    ast.AugAssign: Statements.augmented_assignment,
    ast.For: Statements.for_loop,
    ast.While: Statements.while_loop,
    ast.If: Statements.if_statement,
    ast.With: Statements.with_block,
    ast.Try: Statements.try_statement,
    ast.Raise: Statements.raise_statement,
    ast.Assert: Statements.assert_statement,
    ast.Delete: Statements.delete,
    ast.Return: Statements.return_statement,
    ast.Break: lambda self, node: Statements.break_statement(node),
    ast.Continue: lambda self, node: Statements.continue_statement(node),
    # Imports were checked by the parser; the names they bind are resolved from the program's aliases.
    ast.Pass: lambda self, node: None,
    ast.Import: lambda self, node: None,
    ast.ImportFrom: lambda self, node: None,
    ast.FunctionDef: Statements.function_definition,
    ast.ClassDef: Statements.class_definition,
}


# A sequence walked in order: turn k's item is `over[k]` (a dict's keys, a set or a generator are not)
_INDEXED = (list, tuple, torch.Tensor, torch.nn.ModuleList, torch.nn.Sequential)


def loop_naming(node: ast.For, iterable: object, segment: Callable[[ast.AST], str]) -> LoopNaming:
    """What a `for`'s variable holds at each turn, for the page to say ("iteration 3 (t = 2)"):
    a range's start and step; `enumerate`'s start (its first name counts); or the text of a sequence
    named in the program (`cell = self.cells[1]`). Nothing for other iterables and targets."""
    target = node.target
    if isinstance(iterable, range) and isinstance(target, ast.Name):
        return target.id, iterable.start, iterable.step, None
    if isinstance(iterable, enumerate) and isinstance(target, ast.Tuple) and target.elts:
        first = target.elts[0]
        if isinstance(first, ast.Name):
            # the count the next item gets: enumerate's own pickling state (read before the first turn)
            reduced = iterable.__reduce__()  # (enumerate, (iterator, count))
            if isinstance(reduced, tuple) and isinstance(reduced[1][1], int):
                return first.id, reduced[1][1], 1, None
    if isinstance(target, ast.Name) and isinstance(iterable, _INDEXED) and _named(node.iter):
        text = segment(node.iter)
        if len(text) <= LABEL_CHARS:
            return target.id, None, None, text
    return NO_NAMING


def _named(node: ast.expr) -> bool:
    """`xs`, `self.cells`: a sequence the program named, so `xs[2]` reads as its third item."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)
