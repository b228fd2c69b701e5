"""The tree-walking evaluator: runs a checked program (see parse.py) statement by statement.

Only values from a closed set ever exist in a program: tensors, Python numbers, None, text
from the allow-list, lists/tuples of these, torch.Size and dtypes. Calls go through
lang/allowlist.py only; `backward()` and `torch.autograd.grad` go through the observer so the
tracer can hook them. Every operation is counted, timed and size-checked by the Budget first.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import (
    ATTRIBUTES,
    CONSTANTS,
    DTYPE_NAMES,
    IN_PLACE,
    LOSSES,
    METHODS,
    SETTERS,
    SPELLINGS,
    Function,
    Growth,
    Method,
)
from autograd_explorer.lang.budget import Budget, limit_error
from autograd_explorer.lang.containers import ContainerSizes, Extent, is_container, tolist_extent, wrap
from autograd_explorer.lang.contract import BackwardRequest, LanguageLimits, ProgramObserver, Span
from autograd_explorer.lang.growth import (
    broadcast_elements,
    empty_input_bound,
    index_elements,
    list_growth,
    matmul_cost,
    meta_shapes,
    predict_elements,
)
from autograd_explorer.lang.parse import dotted_path
from autograd_explorer.lang.printing import bounded_text
from autograd_explorer.lang.source import SourceText

# Reading .grad of a non-leaf makes PyTorch warn on stderr; the evaluator says it in the run's
# warnings instead, in the lecture's words.
warnings.filterwarnings("ignore", message="The .grad attribute of a Tensor that is not a leaf")

MAX_PRINTED_CHARS = 100_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], object]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_OPERAND = (torch.Tensor, bool, int, float)  # what arithmetic accepts


def _error_at(kind: Any, message: str, span: Span) -> ProgramError:
    return ProgramError(kind, message, span.line, span.column, span.end_line, span.end_column)


def exception_message(exc: BaseException) -> str:
    """PyTorch's (or Python's) own message, verbatim; the class name when it has none."""
    return str(exc) or type(exc).__name__


def _type_name(value: object) -> str:
    return "tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def _is_closed(value: object) -> bool:
    if value is None or isinstance(value, torch.Tensor | bool | int | float | str | torch.Size | torch.dtype):
        return True
    if isinstance(value, list | tuple):
        return all(v is None or isinstance(v, torch.Tensor | bool | int | float | list) for v in value[:16])
    return False


@contextmanager
def as_program_errors() -> Iterator[None]:
    """Let nothing but a ProgramError out: a bug of ours must still answer as a program error."""
    try:
        yield
    except ProgramError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ProgramError(
            "limit", f"the program needs too much memory or nesting ({type(exc).__name__})"
        ) from None
    except Exception as exc:
        raise ProgramError("runtime", exception_message(exc)) from None


def count_leaves(value: object, stop_after: int) -> int:
    """Numbers/tensors inside nested lists and tuples, counted up to just past `stop_after`."""
    count = 0
    stack = [value]
    while stack and count <= stop_after:
        item = stack.pop()
        if isinstance(item, list | tuple) and not isinstance(item, torch.Size):
            stack.extend(item)
        else:
            count += 1
    return count


class Evaluator:
    """Runs statements and expressions of one checked program against one namespace."""

    def __init__(
        self,
        source: SourceText,
        limits: LanguageLimits,
        observer: ProgramObserver,
        namespace: dict[str, object] | None = None,
    ) -> None:
        self.source = source
        self.observer = observer
        self.budget = Budget(limits)
        self.containers = ContainerSizes()
        self.namespace: dict[str, object] = {} if namespace is None else namespace
        self.printed: list[str] = []
        self.warnings: list[str] = []
        self.backward_calls = 0
        self.assigned_at: dict[str, Span] = {}
        self.last_tensor_name: str | None = None
        self.statement = Span(1, 0, 1, 0)
        self._printed_chars = 0

    # --- statements ----------------------------------------------------------------------

    def run_module(self, tree: ast.Module) -> object:
        """Run every statement; return the value of a final expression statement (else None)."""
        value: object = None
        for i, statement in enumerate(tree.body):
            result = self.execute(statement)
            if i == len(tree.body) - 1 and isinstance(statement, ast.Expr):
                value = result
        return value

    def execute(self, node: ast.stmt) -> object:
        """Run one statement; any non-ProgramError becomes a "runtime" error at the statement."""
        self.statement = self.span(node)
        self.budget.check_time(self.statement)
        try:
            if isinstance(node, ast.Expr):
                return self.eval(node.value)
            if isinstance(node, ast.Assign):
                value = self.eval(node.value)
                for target in node.targets:
                    self.assign(target, value, node)
            elif isinstance(node, ast.AugAssign):
                self.augmented_assign(node)
            elif isinstance(node, ast.For):
                self.for_loop(node)
            elif isinstance(node, ast.With):
                self.with_block(node)
            elif not isinstance(node, ast.Pass):
                raise _error_at("forbidden", f"{type(node).__name__} is not allowed", self.span(node))
        except ProgramError:
            raise
        except MemoryError:
            raise limit_error("out of memory", self.statement) from None
        except Exception as exc:
            raise _error_at("runtime", exception_message(exc), self.statement) from None
        return None

    def run_body(self, body: Sequence[ast.stmt]) -> None:
        """Run a block of statements."""
        for statement in body:
            self.execute(statement)

    def bind(self, name: str, value: object, span: Span) -> None:
        """Bind a name and tell the observer."""
        self.namespace[name] = value
        self.assigned_at[name] = span
        if isinstance(value, torch.Tensor):
            self.last_tensor_name = name
        self.observer.on_assign(name, value, span)

    def assign(self, target: ast.expr, value: object, statement: ast.stmt) -> None:
        """Assign to a name, a tuple of targets, `x[i]` or `x.grad`/`.data`/`.requires_grad`."""
        if isinstance(target, ast.Name):
            self.bind(target.id, value, self.span(statement))
        elif isinstance(target, ast.Tuple | ast.List):
            self.unpack(target, value, statement)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            index = self.eval(target.slice)
            self.set_item(container, index, value, target, statement)
        elif isinstance(target, ast.Attribute):
            owner = self.tensor_operand(self.eval(target.value), target)
            self.apply(SETTERS[target.attr], (owner, value), {}, target)

    def unpack(self, target: ast.Tuple | ast.List, value: object, statement: ast.stmt) -> None:
        if not isinstance(value, torch.Tensor | list | tuple):
            raise TypeError(f"cannot unpack a {_type_name(value)}")
        count = len(value)
        if count != len(target.elts):
            raise ValueError(f"cannot unpack {count} values into {len(target.elts)} names")
        for element, item in zip(target.elts, list(value), strict=True):
            self.assign(element, item, statement)

    def set_item(
        self, container: object, index: object, value: object, target: ast.AST, stmt: ast.stmt
    ) -> None:
        tensor = self.tensor_operand(container, target, "item assignment")
        self.budget.count_operation(self.span(target))
        self.apply(operator.setitem, (tensor, index, value), {}, target)
        self.produced(tensor, stmt)

    def augmented_assign(self, node: ast.AugAssign) -> None:
        """`y += v`: in place on a tensor (as PyTorch), a new value for numbers."""
        target = node.target
        if isinstance(target, ast.Name):
            current = self.lookup(target)
            self.bind(target.id, self.combine(current, node), self.span(node))
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            index = self.eval(target.slice)
            current = self.apply(operator.getitem, (container, index), {}, target)
            self.set_item(container, index, self.combine(current, node), target, node)
        elif isinstance(target, ast.Attribute):
            owner = self.tensor_operand(self.eval(target.value), target)
            current = ATTRIBUTES[target.attr].read(owner)
            self.apply(SETTERS[target.attr], (owner, self.combine(current, node)), {}, target)

    def combine(self, current: object, node: ast.AugAssign) -> object:
        value = self.eval(node.value)
        in_place = IN_PLACE.get(type(node.op).__name__)
        if isinstance(current, torch.Tensor) and in_place is not None:
            self.budget.count_operation(self.span(node))
            return self.produced(self.apply(in_place, (current, value), {}, node), node)
        return self.binary(node.op, current, value, node)

    def for_loop(self, node: ast.For) -> None:
        assert isinstance(node.iter, ast.Call) and isinstance(node.target, ast.Name)
        bounds = [self.eval(arg) for arg in node.iter.args]
        for bound in bounds:
            if not isinstance(bound, int):
                raise TypeError(f"range() needs whole numbers, not {_type_name(bound)}")
        steps = range(*bounds)  # type: ignore[call-overload]
        try:
            count = len(steps)
        except OverflowError:
            count = self.budget.limits.max_loop_iterations + 1
        self.budget.reserve_loop(count, self.span(node))
        target_span = self.span(node.target)
        for i in steps:
            self.bind(node.target.id, i, target_span)
            self.run_body(node.body)

    def with_block(self, node: ast.With) -> None:
        with ExitStack() as stack:
            for item in node.items:
                assert isinstance(item.context_expr, ast.Call)
                path = dotted_path(item.context_expr.func)
                fn = SPELLINGS[path or ""]
                assert fn.impl is not None
                stack.enter_context(fn.impl())  # type: ignore[arg-type]
            self.run_body(node.body)

    # --- expressions ---------------------------------------------------------------------

    def span(self, node: ast.AST) -> Span:
        """The node's span, in characters."""
        return self.source.span(node)

    def eval(self, node: ast.expr) -> object:
        """Evaluate one (checked) expression."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node.op, self.eval(node.left), self.eval(node.right), node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.bool_op(node)
        if isinstance(node, ast.Tuple | ast.List):
            return self.literal(node)
        if isinstance(node, ast.Slice):
            return slice(*(None if p is None else self.eval(p) for p in (node.lower, node.upper, node.step)))
        raise _error_at("forbidden", f"{type(node).__name__} is not allowed", self.span(node))

    def literal(self, node: ast.List | ast.Tuple) -> list[object] | tuple[object, ...]:
        """A list or tuple literal, size-checked and accounted.

        Lists may share parts (`a = [a, a]` in a loop doubles a structure that holds only a few
        objects); printing, comparing or converting one visits every shared part each time, so
        its extent counts them so (lang/containers.py) and is refused past the limit here.
        """
        values = [self.eval(element) for element in node.elts]
        span = self.span(node)
        if any(is_container(v) for v in values):
            extent = wrap((self.containers.measure(v) for v in values), len(values))
        else:  # the common flat literal, e.g. a size (2, 3)
            tensors = sum(1 for v in values if isinstance(v, torch.Tensor))
            extent = Extent(len(values), len(values), tensors, 1)
        self.check_extent(extent, span)
        self.budget.reserve_elements(len(values), span, "list")
        made = values if isinstance(node, ast.List) else tuple(values)
        self.containers.remember(made, extent)
        return made

    def check_extent(self, extent: Extent, span: Span) -> None:
        """Refuse a list a walk could not finish in time, or whose nesting a walk would recurse into."""
        limit = self.budget.limits.max_tensor_elements
        if extent.items > limit:
            raise limit_error(
                f"list too large: {extent.items} elements in nested lists (a shared part counts "
                f"each time it appears), the limit is {limit} per list (max_tensor_elements)",
                span,
            )
        depth = self.budget.limits.max_nesting_depth
        if extent.depth > depth:
            raise limit_error(
                f"lists nested too deeply: {extent.depth} levels, the limit is {depth} (max_nesting_depth)",
                span,
            )

    def check_walk(self, values: Sequence[object], span: Span) -> None:
        """Lists about to be walked by Python or PyTorch: size-checked, and each tensor in them is
        an operation (comparing or converting it is one torch call)."""
        tensors = 0
        for value in values:
            if is_container(value):
                extent = self.containers.measure(value)
                self.check_extent(extent, span)
                tensors += extent.tensors
        if tensors:
            self.budget.count_operation(span, tensors)

    def lookup(self, node: ast.Name) -> object:
        if node.id in self.namespace:
            return self.namespace[node.id]
        raise _error_at("runtime", f"name '{node.id}' is not defined", self.span(node))

    def apply(
        self, fn: Callable[..., object], args: Sequence[object], kwargs: Mapping[str, object], node: ast.AST
    ) -> Any:
        """Call into PyTorch/Python; its errors become "runtime" errors at `node`, message verbatim."""
        try:
            return fn(*args, **kwargs)
        except ProgramError:
            raise
        except MemoryError:
            raise limit_error("out of memory", self.span(node)) from None
        except Exception as exc:
            raise _error_at("runtime", exception_message(exc), self.span(node)) from None

    def produced(self, value: object, node: ast.AST) -> Any:
        """Account a result; a tensor is reported to the observer with the node's source text."""
        if isinstance(value, torch.Tensor):
            span = self.span(node)
            self.budget.add_result(value, span)
            self.observer.on_tensor(value, span, self.source.segment(node))
        return value

    def tensor_operand(self, value: object, node: ast.AST, what: str = "this") -> torch.Tensor:
        if not isinstance(value, torch.Tensor):
            raise _error_at("runtime", f"{what} needs a tensor, not {_type_name(value)}", self.span(node))
        return value

    def binary(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        """`left op right` for numbers and tensors, size-checked before it runs."""
        span = self.span(node)
        self.budget.count_operation(span)
        op_type = type(op)
        for operand in (left, right):
            if not isinstance(operand, _OPERAND):
                raise _error_at(
                    "runtime",
                    f"{_SYMBOLS[op_type]} needs numbers or tensors, not {_type_name(operand)}",
                    span,
                )
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            if op_type is ast.MatMult:
                cost = matmul_cost(left, right)
                if cost is not None:
                    self.budget.check_elements(cost[0], span)
                    self.budget.check_matmul_work(cost[1], span)
            else:
                self.budget.check_elements(broadcast_elements((left, right)), span)
        elif isinstance(left, int) and isinstance(right, int):
            self.check_int_growth(op_type, left, right, span)
        return self.produced(self.apply(_BINARY[op_type], (left, right), {}, node), node)

    def check_int_growth(self, op_type: type[ast.operator], left: int, right: int, span: Span) -> None:
        """Predict a Python integer's size before computing it (`2**2**2**40` is refused here)."""
        if op_type is ast.Pow and right > 0 and abs(left) > 1:
            bits = math.ceil(right * math.log2(abs(left))) + 1  # math.log2 takes ints of any size
            self.budget.check_int(bits, span, f"{left} ** {right}")
        elif op_type is ast.Mult:
            self.budget.check_int(left.bit_length() + right.bit_length(), span, "this product")
        elif op_type is ast.LShift and right > 0:
            self.budget.check_int(left.bit_length() + right, span, f"{left} << {right}")

    def unary(self, node: ast.UnaryOp) -> object:
        operand = self.eval(node.operand)
        self.budget.count_operation(self.span(node))
        if not isinstance(node.op, ast.Not) and not isinstance(operand, _OPERAND):
            raise _error_at(
                "runtime",
                f"this operator needs a number or a tensor, not {_type_name(operand)}",
                self.span(node),
            )
        return self.produced(self.apply(_UNARY[type(node.op)], (operand,), {}, node), node)

    def compare(self, node: ast.Compare) -> object:
        left = self.eval(node.left)
        result: object = True
        last = len(node.ops) - 1
        for i, (op, comparator) in enumerate(zip(node.ops, node.comparators, strict=True)):
            right = self.eval(comparator)
            span = self.span(node)
            self.budget.count_operation(span)
            self.budget.check_elements(broadcast_elements((left, right)), span)
            self.check_walk((left, right), span)
            result = self.apply(_COMPARE[type(op)], (left, right), {}, node)
            # a < b < c is (a < b) and (b < c): only a link of the chain is tested for truth
            if i < last and not self.apply(bool, (result,), {}, node):
                break
            left = right
        return self.produced(result, node)

    def bool_op(self, node: ast.BoolOp) -> object:
        self.budget.count_operation(self.span(node))
        value: object = None
        for operand in node.values:
            value = self.eval(operand)
            truth = self.apply(bool, (value,), {}, operand)
            if isinstance(node.op, ast.And) != truth:
                return value
        return value

    def subscript(self, node: ast.Subscript) -> object:
        value = self.eval(node.value)
        index = self.eval(node.slice)
        span = self.span(node)
        self.budget.count_operation(span)
        if isinstance(value, torch.Tensor):
            self.budget.check_elements(index_elements(value, index), span)
        elif not isinstance(value, list | tuple):
            raise _error_at("runtime", f"a {_type_name(value)} cannot be indexed", span)
        elif isinstance(index, slice):  # a slice copies: a new list of known length
            count = self.apply(lambda: len(range(*index.indices(len(value)))), (), {}, node)
            self.budget.reserve_elements(count, span, "list")
        return self.produced(self.apply(operator.getitem, (value, index), {}, node), node)

    def attribute(self, node: ast.Attribute) -> object:
        path = dotted_path(node)
        if path is not None and path in CONSTANTS:
            return CONSTANTS[path]
        owner = self.eval(node.value)
        span = self.span(node)
        if not isinstance(owner, torch.Tensor):
            raise _error_at("runtime", f"a {_type_name(owner)} has no attribute .{node.attr}", span)
        self.budget.count_operation(span)
        value = self.apply(ATTRIBUTES[node.attr].read, (owner,), {}, node)
        if node.attr == "grad" and value is None and not owner.is_leaf and not owner.retains_grad:
            name = self.source.segment(node.value)
            self.warnings.append(
                f"line {span.line}: {name}.grad is None because {name} is not a leaf; call "
                f"{name}.retain_grad() before backward() to keep its gradient"
            )
        return self.produced(value, node)

    # --- calls ---------------------------------------------------------------------------

    def call(self, node: ast.Call) -> object:
        path = dotted_path(node.func)
        fn = SPELLINGS.get(path) if path is not None else None
        receiver: object = None
        if fn is None:
            assert isinstance(node.func, ast.Attribute)
            receiver = self.eval(node.func.value)
        args = [self.eval(arg) for arg in node.args]
        kwargs = {str(k.arg): self.eval(k.value) for k in node.keywords}
        dtype = kwargs.get("dtype")
        if isinstance(dtype, str) and dtype in DTYPE_NAMES:  # x.dtype reads as text: accept it back
            kwargs["dtype"] = DTYPE_NAMES[dtype]
        span = self.span(node)
        self.budget.count_operation(span)
        if fn is None or fn.special != "print":  # print writes only what it shows (lang/printing.py)
            self.check_walk([*args, *kwargs.values()], span)
        if fn is not None:
            return self.call_function(fn, node, args, kwargs)
        assert isinstance(node.func, ast.Attribute)
        method = METHODS[node.func.attr]
        if not isinstance(receiver, torch.Tensor):
            raise _error_at("runtime", f"a {_type_name(receiver)} has no method .{method.name}()", span)
        return self.call_method(method, receiver, node, args, kwargs)

    def call_function(
        self, fn: Function, node: ast.Call, args: list[object], kwargs: dict[str, object]
    ) -> object:
        if fn.special == "print":
            self.print_values(args, kwargs, node)
            return None
        if fn.special == "grad":
            return self.autograd_grad(node, args, kwargs)
        if fn.impl is None:
            raise _error_at("forbidden", f"{fn.name} cannot be called here", self.span(node))
        self.check_growth(fn.impl, fn.growth, args, kwargs, node)
        if fn.name in LOSSES:
            self.check_loss_shapes(fn.name, args, kwargs, node)
        result = self.apply(fn.impl, args, kwargs, node)
        return self.produced(self.closed(result, node), node)

    def check_loss_shapes(
        self, name: str, args: Sequence[object], kwargs: Mapping[str, object], node: ast.AST
    ) -> None:
        """A loss whose input and target shapes differ silently broadcasts: a classic bug, say so."""
        pair = [*args[:2], *(kwargs[k] for k in ("input", "target") if k in kwargs)][:2]
        if len(pair) == 2 and all(isinstance(t, torch.Tensor) for t in pair):
            prediction, target = pair
            assert isinstance(prediction, torch.Tensor) and isinstance(target, torch.Tensor)
            if name != "F.cross_entropy" and prediction.shape != target.shape:
                self.warnings.append(
                    f"line {self.span(node).line}: {name} got input of shape {list(prediction.shape)} "
                    f"and target of shape {list(target.shape)}; they broadcast, which is rarely intended"
                )

    def call_method(
        self,
        method: Method,
        receiver: torch.Tensor,
        node: ast.Call,
        args: list[object],
        kwargs: dict[str, object],
    ) -> object:
        if method.special == "backward":
            self.backward(receiver, node, args, kwargs)
            return None
        assert method.impl is not None
        self.check_growth(method.impl, method.growth, [receiver, *args], kwargs, node)
        result = self.apply(method.impl, (receiver, *args), kwargs, node)
        if method.growth == "tolist" and is_container(result):
            self.containers.remember(result, tolist_extent(tuple(receiver.shape)))
        return self.produced(self.closed(result, node), node)

    def check_growth(
        self,
        impl: Callable[..., object],
        growth: Growth,
        args: Sequence[object],
        kwargs: Mapping[str, object],
        node: ast.AST,
    ) -> None:
        """Refuse a call whose result would be too large, before it runs."""
        span = self.span(node)
        predicted = predict_elements(growth, args, kwargs, self.containers.measure)
        if list_growth(growth):
            if predicted is not None:  # a Python list of exactly this many slots
                self.budget.reserve_elements(predicted, span, "list")
        else:
            self.budget.check_elements(predicted, span)
        if growth == "matmul" and len(args) >= 2:
            cost = matmul_cost(args[0], args[1])
            if cost is not None:
                self.budget.check_matmul_work(cost[1], span)
        bound = empty_input_bound(args, kwargs)
        if bound is not None and bound > self.budget.limits.max_tensor_elements:
            self.check_meta_shapes(impl, args, kwargs, bound, span)

    def check_meta_shapes(
        self,
        impl: Callable[..., object],
        args: Sequence[object],
        kwargs: Mapping[str, object],
        bound: int,
        span: Span,
    ) -> None:
        """An empty input may still give a huge result (a reduction over its empty dimension):
        ask PyTorch's shape-only "meta" run; without one, refuse at the bound."""
        shapes = meta_shapes(impl, args, kwargs)
        if shapes is None:
            self.budget.check_elements(bound, span)
            return
        for shape in shapes:
            self.budget.check_dimensions(shape, span)
        self.budget.check_elements(sum(math.prod(shape) for shape in shapes), span)

    def closed(self, value: object, node: ast.AST) -> object:
        """Keep results inside the closed set of values (a structseq becomes a plain tuple)."""
        if isinstance(value, tuple) and type(value) is not tuple and not isinstance(value, torch.Size):
            value = tuple(value)
        if not _is_closed(value):
            raise _error_at("runtime", f"unexpected result of type {type(value).__name__}", self.span(node))
        return value

    def print_values(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> None:
        sep = kwargs.pop("sep", " ")
        if kwargs or not isinstance(sep, str):
            raise _error_at("runtime", "print() only takes values and sep='...'", self.span(node))
        if self._printed_chars > MAX_PRINTED_CHARS:
            return None  # already cut off, and said so
        room = MAX_PRINTED_CHARS - self._printed_chars
        pieces: list[str] = []
        for arg in args:
            shown = sum(len(piece) for piece in pieces)
            if shown >= room:
                break
            text_of_arg = bounded_text(arg, room - shown, lambda: self.budget.check_time(self.span(node)))
            pieces.append(text_of_arg if not pieces else sep + text_of_arg)
        text = "".join(pieces)
        if len(text) >= room:
            text = text[:room] + f" … (printing stops after {MAX_PRINTED_CHARS} characters)"
            self._printed_chars = MAX_PRINTED_CHARS + 1
        else:
            self._printed_chars += len(text)
        self.printed.append(text)
        return None

    # --- differentiation -----------------------------------------------------------------

    def backward(
        self, tensor: torch.Tensor, node: ast.Call, args: list[object], kwargs: dict[str, object]
    ) -> None:
        """`t.backward(gradient=, retain_graph=, create_graph=)`, carried out by the observer."""
        params = self.bind_arguments(
            "backward", ("gradient", "retain_graph", "create_graph"), args, kwargs, node
        )
        gradient = params.get("gradient")
        if gradient is not None and not isinstance(gradient, torch.Tensor):
            raise _error_at("runtime", "backward(): gradient must be a tensor", self.span(node))
        assert isinstance(node.func, ast.Attribute)
        owner = node.func.value
        request = BackwardRequest(
            kind="backward",
            outputs=(tensor,),
            inputs=(),
            grad_outputs=(gradient,) if gradient is not None else (),
            retain_graph=self.flag(params, "retain_graph", None, node),
            create_graph=bool(self.flag(params, "create_graph", False, node)),
            span=self.statement,
            output_names=(owner.id if isinstance(owner, ast.Name) else None,),
        )
        self.differentiate(request)
        return None

    def autograd_grad(
        self, node: ast.Call, args: list[object], kwargs: dict[str, object]
    ) -> tuple[object, ...]:
        """`torch.autograd.grad(outputs, inputs, ...)`: gradients returned, `.grad` untouched."""
        names = ("outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "allow_unused")
        params = self.bind_arguments("grad", names, args, kwargs, node)
        if "outputs" not in params or "inputs" not in params:
            raise _error_at("runtime", "grad() needs outputs and inputs", self.span(node))
        outputs = self.tensors(params["outputs"], "outputs", node)
        inputs = self.tensors(params["inputs"], "inputs", node)
        grad_outputs: tuple[torch.Tensor | None, ...] = ()
        given = params.get("grad_outputs")
        if given is not None:
            grad_outputs = tuple(given) if isinstance(given, list | tuple) else (given,)  # type: ignore[assignment]
            if not all(g is None or isinstance(g, torch.Tensor) for g in grad_outputs):
                raise _error_at("runtime", "grad(): grad_outputs must be tensors", self.span(node))
        self.flag(params, "allow_unused", None, node)
        argument_nodes = [*node.args, *(k.value for k in node.keywords if k.arg == "outputs")]
        request = BackwardRequest(
            kind="grad",
            outputs=outputs,
            inputs=inputs,
            grad_outputs=grad_outputs,
            retain_graph=self.flag(params, "retain_graph", None, node),
            create_graph=bool(self.flag(params, "create_graph", False, node)),
            span=self.statement,
            output_names=self.names_of(argument_nodes[0] if argument_nodes else None, len(outputs)),
        )
        result = self.differentiate(request)
        grads = tuple(result) if result is not None else tuple(None for _ in inputs)
        for grad in grads:
            if isinstance(grad, torch.Tensor):
                self.budget.add_result(grad, self.span(node))
        return grads

    def differentiate(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        """Hand a differentiation to the observer; its errors are "autograd" errors at the statement."""
        self.budget.count_operation(request.span)
        self.backward_calls += 1
        try:
            return self.observer.run_backward(request)
        except ProgramError:
            raise
        except MemoryError:
            raise limit_error("out of memory", request.span) from None
        except Exception as exc:
            raise _error_at("autograd", exception_message(exc), request.span) from None

    def bind_arguments(
        self, name: str, names: Sequence[str], args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> dict[str, object]:
        if len(args) > len(names):
            raise _error_at("runtime", f"{name}() takes at most {len(names)} arguments", self.span(node))
        params = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise _error_at(
                    "runtime", f"{name}() got an unexpected keyword argument '{key}'", self.span(node)
                )
            if key in params:
                raise _error_at(
                    "runtime", f"{name}() got multiple values for argument '{key}'", self.span(node)
                )
            params[key] = value
        return params

    def flag(
        self, params: Mapping[str, object], key: str, default: bool | None, node: ast.AST
    ) -> bool | None:
        value = params.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise _error_at("runtime", f"{key} must be True or False", self.span(node))
        return value

    def tensors(self, value: object, what: str, node: ast.AST) -> tuple[torch.Tensor, ...]:
        items = tuple(value) if isinstance(value, list | tuple) else (value,)
        if not items or not all(isinstance(item, torch.Tensor) for item in items):
            raise _error_at(
                "runtime", f"grad(): {what} must be a tensor or a list of tensors", self.span(node)
            )
        return items

    @staticmethod
    def names_of(node: ast.AST | None, count: int) -> tuple[str | None, ...]:
        """The user's names for differentiated outputs: `y` or `[y, z]`."""
        if isinstance(node, ast.Name):
            return (node.id,)
        if isinstance(node, ast.List | ast.Tuple) and len(node.elts) == count:
            return tuple(e.id if isinstance(e, ast.Name) else None for e in node.elts)
        return tuple(None for _ in range(count))
