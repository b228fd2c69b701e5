"""Expressions: operators, names, attributes, indexing, displays, comprehensions, f-strings, lambda.

`eval` is the choke point: every operator, attribute read and index is counted by the budget
there (calls are counted where every call goes through, `call_value` in calls.py). Sizes are
predicted before the operation runs: tensors by broadcasting and matmul rules, Python integers
by their bits, lists and text by their lengths.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from time import monotonic
from typing import Any

import torch

from autograd_explorer.lang.allowlist import ATTRIBUTES, METHODS, SPELLINGS, GradFn, find_member
from autograd_explorer.lang.containers import ContainerSizes, is_container, wrap
from autograd_explorer.lang.contract import Span
from autograd_explorer.lang.core import EvaluatorCore, error_at
from autograd_explorer.lang.formatting import check_extent, format_value, printf_format, str_format, to_text
from autograd_explorer.lang.growth import broadcast_elements, index_elements, matmul_cost
from autograd_explorer.lang.parse import KNOWN_API
from autograd_explorer.lang.shown_types import name_of
from autograd_explorer.lang.user_code import NO_ENTRY, BoundUserMethod, module_entry, read_checked
from autograd_explorer.lang.values import (
    Bound,
    FunctionApply,
    FunctionRef,
    GeneratedItems,
    ModuleRef,
    Scope,
    SuperRef,
    TensorMethod,
)

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
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
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
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
}
# The operations `eval` counts (calls are counted in call_value, which every call goes through).
_COUNTED = frozenset(
    {ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Attribute, ast.Subscript, ast.IfExp}
)
_SEQUENCES = (list, tuple, str)
_COLLECTIONS = (set, frozenset, dict)
_UNIONS = (ast.BitOr, ast.BitXor)
_ABSENT = object()  # a cache's miss (a table constant may be None)


class Expressions(EvaluatorCore):
    """Evaluates expressions; calls are in calls.py."""

    def eval(self, node: ast.expr) -> object:
        """Evaluate one (checked) expression."""
        kind = type(node)  # ast node classes are final: the type picks handler and counting alike
        if kind is ast.Name:  # the most frequent two (neither is counted), without a handler call
            names = self.scope.names  # lookup's first look, without its call
            name = node.id  # type: ignore[attr-defined]
            return names[name] if name in names else self.lookup(name, node)
        if kind is ast.Constant:
            return node.value  # type: ignore[attr-defined]
        if kind is ast.Call:  # counted where every call goes through (call_value)
            return self.call(node)  # type: ignore[arg-type]
        entry = _DISPATCH.get(kind)
        if entry is None:
            raise error_at("forbidden", f"{kind.__name__} is not allowed here", self.span(node))
        handler, counted = entry
        if counted:  # Budget.count_operation, inlined (per operation): it words any refusal
            budget = self.budget
            budget.operations += 1
            if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                budget.count_operation(self.span(node), 0)
            if kind is ast.BinOp:  # the most frequent operation, without binary_operation's call
                left, right = node.left, node.right  # type: ignore[attr-defined]
                # a constant operand (`y * 1.0001`) is read here, an eval call less
                left_value = left.value if type(left) is ast.Constant else self.eval(left)
                right_value = right.value if type(right) is ast.Constant else self.eval(right)
                return self.binary(node.op, left_value, right_value, node)  # type: ignore[attr-defined]
            if kind is ast.Attribute:  # `torch.sin`, `x.grad`: without attribute's call
                value, attr = node.value, node.attr  # type: ignore[attr-defined]
                if type(value) is ast.Name:  # the owner's name read in place, as above
                    names, name = self.scope.names, value.id
                    owner = names[name] if name in names else self.lookup(name, value)
                else:
                    owner = self.eval(value)
                if type(owner) is ModuleRef:  # attribute_of's first case once resolved, without its call
                    member = self.module_members.get((owner.path, attr), _ABSENT)
                    if member is not _ABSENT:
                        return member
                return self.attribute_of(owner, attr, node)
        return handler(self, node)

    # --- operators ------------------------------------------------------------------------------

    def binary_operation(self, node: ast.BinOp) -> object:
        return self.binary(node.op, self.eval(node.left), self.eval(node.right), node)

    def binary(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        """`left op right`, size-checked before it runs."""
        span = self.span(node)
        op_type = type(op)
        if isinstance(left, str) and op_type is ast.Mod:
            return self.apply(printf_format, (left, right, self.budget, span), {}, node)
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            # The Budget's checks are called only when their limit might be reached: they decide
            # and word the refusal (the tests here are theirs, written out for the common case).
            budget = self.budget
            if op_type is ast.MatMult:
                budget.check_matmul(matmul_cost(left, right), span)
            else:  # a tensor and a number (`y * 1.0001`): broadcast_elements' first answer, in place
                predicted = (
                    left.numel()
                    if isinstance(left, torch.Tensor) and not isinstance(right, torch.Tensor)
                    else broadcast_elements((left, right))
                )
                if predicted is not None and (
                    predicted > budget.max_tensor_elements
                    or budget.total_elements + predicted > budget.max_total_elements
                ):
                    budget.check_elements(predicted, span)
        elif isinstance(left, int) and isinstance(right, int):
            self.check_int_growth(op_type, left, right, span)
        elif isinstance(left, _SEQUENCES) or isinstance(right, _SEQUENCES):
            self.check_sequence_growth(op_type, left, right, span)
        elif op_type in _UNIONS and isinstance(left, _COLLECTIONS) and isinstance(right, _COLLECTIONS):
            # `s | t`, `s ^ t`, `d | e`: at most both sizes, known before it is built
            self.budget.check_length(len(left) + len(right), span, type(left).__name__)
        try:  # apply's handling, written out: the most frequent operation of a loop
            result = _BINARY[op_type](left, right)
        except Exception as exc:
            self.library_failed(exc, node)
        return self.produced(result, node, span)

    def check_int_growth(self, op_type: type[ast.operator], left: int, right: int, span: Span) -> None:
        """Predict a Python integer's size before computing it (`2**2**2**40` is refused here)."""
        if op_type is ast.Pow and right > 0 and abs(left) > 1:
            bits = math.ceil(right * math.log2(abs(left))) + 1  # math.log2 takes ints of any size
            self.budget.check_int(bits, span, f"{left} ** {right}")
        elif op_type is ast.Mult:
            self.budget.check_int(left.bit_length() + right.bit_length(), span, "this product")
        elif op_type is ast.LShift and right > 0:
            self.budget.check_int(left.bit_length() + right, span, f"{left} << {right}")

    def check_sequence_growth(
        self, op_type: type[ast.operator], left: object, right: object, span: Span
    ) -> None:
        """`[0] * n`, `s + s`: the result's length is known before it is built."""
        what = "text" if isinstance(left, str) or isinstance(right, str) else "list"
        if op_type is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            self.budget.check_length(len(left) + len(right), span, what)
        elif op_type is ast.Mult:
            sequence, times = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
            if isinstance(sequence, _SEQUENCES) and isinstance(times, int):
                self.budget.check_length(len(sequence) * max(times, 0), span, what)

    def unary(self, node: ast.UnaryOp) -> object:
        operand = self.eval(node.operand)
        op_type = type(node.op)
        if op_type is ast.Not:
            return not self.apply(bool, (operand,), {}, node)
        if op_type is ast.Invert and isinstance(operand, int) and not isinstance(operand, bool):
            self.budget.check_int(operand.bit_length() + 1, self.span(node), f"~{operand}")
        try:  # apply's handling, written out: `dim=-1` is a negation, in every call that has it
            result = _UNARY[op_type](operand)
        except Exception as exc:
            self.library_failed(exc, node)
        return self.produced(result, node)

    def compare(self, node: ast.Compare) -> object:
        left = self.eval(node.left)
        result: object = True
        last = len(node.ops) - 1
        span = self.span(node)
        for i, (op, comparator) in enumerate(zip(node.ops, node.comparators, strict=True)):
            right = self.eval(comparator)
            if not isinstance(op, ast.Is | ast.IsNot):
                self.check_walk((left, right), span)
                self.budget.check_elements(broadcast_elements((left, right)), span)
            result = self.apply(_COMPARE[type(op)], (left, right), {}, node)
            # a < b < c is (a < b) and (b < c): only a link of the chain is tested for truth
            if i < last and not self.apply(bool, (result,), {}, node):
                break
            left = right
        return self.produced(result, node)

    def bool_operation(self, node: ast.BoolOp) -> object:
        value: object = None
        for operand in node.values:
            value = self.eval(operand)
            truth = self.apply(bool, (value,), {}, operand)
            if isinstance(node.op, ast.And) != truth:
                return value
        return value

    def conditional(self, node: ast.IfExp) -> object:
        test = self.apply(bool, (self.eval(node.test),), {}, node.test)
        return self.eval(node.body if test else node.orelse)

    # --- names, attributes, indexing -----------------------------------------------------------------

    def name(self, node: ast.Name) -> object:
        return self.lookup(node.id, node)

    def attribute(self, node: ast.Attribute) -> object:
        return self.attribute_of(self.eval(node.value), node.attr, node)

    def attribute_of(self, owner: object, name: str, node: ast.AST) -> object:
        """`owner.name`: a module's entry, a tensor's table attribute or method, what the program
        set on its own objects, or a member of the table for the owner's type."""
        if isinstance(owner, ModuleRef):
            key = (owner.path, name)
            member = self.module_members.get(key, _ABSENT)  # `torch.tanh` in a loop: resolved once
            if member is _ABSENT:
                member = self.module_members[key] = self.apply(self.module_attribute, (owner, name), {}, node)
            return member
        if isinstance(owner, FunctionRef) and f"{owner.fn.name}.{name}" in SPELLINGS:
            # a static method of a table class: nn.Transformer.generate_square_subsequent_mask
            return self.table_entry(f"{owner.fn.name}.{name}")
        if isinstance(owner, torch.Tensor):
            attribute = ATTRIBUTES.get(name)
            if attribute is not None:
                value = self.apply(attribute.read, (owner,), {}, node)
                if name == "grad" and value is None and not owner.is_leaf and not owner.retains_grad:
                    self.warn_non_leaf_grad(node)
                return self.produced(value, node)
            method = METHODS.get(name)
            if method is not None:
                return TensorMethod(owner, method, self.call_value)
        elif isinstance(owner, SuperRef):
            if name == "__init__" or self.classes.readable(owner.obj, name) or find_member(owner.obj, name):
                value = self.apply(read_checked, (super(owner.cls, owner.obj), name), {}, node)
                return (
                    value
                    if isinstance(value, BoundUserMethod)
                    else Bound(value, name, self.call_value, owner.obj)
                )
        elif name == "apply" and self.classes.autograd_function(owner):
            assert isinstance(owner, type)
            return FunctionApply(owner, self.call_value)
        elif self.classes.readable(owner, name):
            return self.produced(self.apply(read_checked, (owner, name), {}, node), node)
        member = find_member(owner, name)
        if isinstance(owner, str) and name == "format":  # fields checked: no "{0.__class__}"
            span = self.span(node)
            return Bound(
                lambda *a, **k: str_format(owner, a, k, self.budget, span), name, self.call_value, owner
            )
        if member is not None:
            value = self.apply(read_checked, (owner, name), {}, node)
            if member.kind == "method":
                return Bound(value, name, self.call_value, owner)
            return self.produced(value, node)
        if isinstance(owner, torch.nn.Module):
            entry = module_entry(owner, name)
            if entry is not NO_ENTRY:
                return self.produced(entry, node)
        elif name == "__name__":
            return self.apply(name_of, (owner,), {}, node)
        if isinstance(owner, torch.autograd.graph.Node) and name in KNOWN_API:
            # A Function's ctx is its real node: grad_fn's stand-in (allowlist.GradFn) reads
            # next_functions, and the parser let the name through for it; the node's own would reach
            # its hooks and saved tensors.
            raise error_at(
                "forbidden",
                f"the attribute .{name} of ctx is not part of the explorer language",
                self.span(node),
            )
        if isinstance(owner, GradFn) and name in KNOWN_API:
            # a node's own hooks see its saved tensors and the engine's buffers: only the tensor's
            hint = "; a tensor's own hook is: y.register_hook(h)" if "hook" in name else ""
            raise error_at(
                "forbidden",
                f"the attribute .{name} of grad_fn is not part of the explorer language{hint}",
                self.span(node),
            )
        owner_text = (
            f"type object '{owner.__name__}'"
            if isinstance(owner, type)
            else f"'{type(owner).__name__}' object"
        )
        error = AttributeError(f"{owner_text} has no attribute '{name}'")
        raise error

    def has_attribute(self, args: Sequence[object], kwargs: Mapping[str, object], node: ast.AST) -> bool:
        """`hasattr(value, "name")`: whether `value.name` would read here, by the same rules as the
        program's own `value.name` (a name starting with _ is refused as the parser refuses it: the
        text is the program's, and reaches no lookup but the table's); CPython's AttributeError alone
        makes it False, as in CPython (a property that raises anything else raises it)."""
        if len(args) != 2 or kwargs:
            raise TypeError(f"hasattr expected 2 arguments, got {len(args) + len(kwargs)}")
        owner, name = args
        if not isinstance(name, str):
            raise TypeError("hasattr(): attribute name must be string")
        if name.startswith("_") and name != "__name__":
            raise error_at(
                "forbidden",
                f"hasattr(..., {name!r}): attributes starting with _ are not allowed",
                self.span(node),
            )
        try:
            self.attribute_of(owner, name, node)
        except AttributeError:
            return False
        return True

    def yield_(self, node: ast.Yield) -> None:
        """`yield value`: kept for the generator function's caller (Calls.run_generator), one slot of
        the program's list budget each; what it evaluates to is None, as when nothing is sent in."""
        value = None if node.value is None else self.eval(node.value)
        self.budget.reserve_elements(1, self.span(node), "generator")
        self.yielded[-1].append(value)

    def yield_from(self, node: ast.YieldFrom) -> None:
        """`yield from iterable`: each of its items yielded in turn, counted as a loop's turns are (a
        range up front, as `for` does) and one list slot each. What it evaluates to is None: the
        program's generators run to their end when called (Calls.run_generator), so there is no
        sub-generator's return value to pass on."""
        iterable = self.eval(node.value)
        span = self.span(node)
        if isinstance(iterable, range):
            self.budget.reserve_loop(len(iterable), span)
        iterator = self.apply(iter, (iterable,), {}, node.value)
        values = self.yielded[-1]
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                break
            except Exception as exc:
                self.library_failed(exc, node.value)
            if not isinstance(iterable, range):
                self.budget.count_iteration(span)
            self.budget.reserve_elements(1, span, "generator")
            values.append(item)

    def warn_non_leaf_grad(self, node: ast.AST) -> None:
        span = self.span(node)
        name = self.source.segment(node.value) if isinstance(node, ast.Attribute) else "this tensor"
        self.warnings.append(
            f"line {span.line}: {name}.grad is None because {name} is not a leaf; call "
            f"{name}.retain_grad() before backward() to keep its gradient"
        )

    def subscript(self, node: ast.Subscript) -> object:
        value = self.eval(node.value)
        index = self.eval(node.slice)
        span = self.span(node)
        if isinstance(value, torch.Tensor):
            self.budget.check_elements(index_elements(value, index), span)
        elif isinstance(value, list | tuple) and isinstance(index, slice):  # a slice copies
            count = self.apply(lambda: len(range(*index.indices(len(value)))), (), {}, node)
            self.budget.reserve_elements(count, span, "list")
        return self.produced(self.apply(operator.getitem, (value, index), {}, node), node)

    def slice_(self, node: ast.Slice) -> object:
        return slice(*(None if p is None else self.eval(p) for p in (node.lower, node.upper, node.step)))

    # --- displays and comprehensions -------------------------------------------------------------

    def items(self, elements: list[ast.expr], node: ast.AST) -> list[object]:
        """A display's items (`*rest` spread), size-checked when it nests other containers."""
        values: list[object] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                spread = self.apply(list, (self.eval(element.value),), {}, element)
                self.budget.check_length(len(values) + len(spread), self.span(node), "list")
                values.extend(spread)
            else:
                values.append(self.eval(element))
        span = self.span(node)
        if any(is_container(v) for v in values):
            # Lists may share parts (`a = [a, a]` in a loop doubles what a walk of it visits).
            sizes = ContainerSizes()
            check_extent(wrap((sizes.measure(v) for v in values), len(values)), self.budget, span)
        self.budget.reserve_elements(len(values), span, "list")
        return values

    def list_display(self, node: ast.List) -> object:
        return self.items(node.elts, node)

    def tuple_display(self, node: ast.Tuple) -> object:
        return tuple(self.items(node.elts, node))

    def set_display(self, node: ast.Set) -> object:
        return self.apply(set, (self.items(node.elts, node),), {}, node)

    def dict_display(self, node: ast.Dict) -> object:
        result: dict[object, object] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                self.apply(result.update, (self.eval(value),), {}, value)
            else:
                k = self.eval(key)
                self.apply(operator.setitem, (result, k, self.eval(value)), {}, node)
        return result

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> object:
        """Items of a comprehension, in a scope of its own (its variables do not leak, as in Python)."""
        results: list[object] = []
        first = self.eval(node.generators[0].iter)  # evaluated outside, as Python does
        outer = self.scope
        self.scope = Scope({}, parent=outer, label=outer.label)
        try:
            self.generate(node, 0, first, results)
        finally:
            self.scope = outer
        if isinstance(node, ast.ListComp):
            return results
        if isinstance(node, ast.SetComp):
            return self.apply(set, (results,), {}, node)
        if isinstance(node, ast.DictComp):
            return self.apply(dict, (results,), {}, node)
        return GeneratedItems(results)

    def generate(self, node: Any, level: int, iterable: object, results: list[object]) -> None:
        generator = node.generators[level]
        span = self.span(node)
        for item in self.apply(iter, (iterable,), {}, generator.iter):
            self.budget.count_iteration(span)
            self.assign(generator.target, item, generator)
            if not all(self.apply(bool, (self.eval(test),), {}, test) for test in generator.ifs):
                continue
            if level + 1 < len(node.generators):
                self.generate(node, level + 1, self.eval(node.generators[level + 1].iter), results)
            elif isinstance(node, ast.DictComp):
                results.append((self.eval(node.key), self.eval(node.value)))
            else:
                results.append(self.eval(node.elt))

    # --- text --------------------------------------------------------------------------------------

    def formatted_string(self, node: ast.JoinedStr) -> str:
        parts: list[str] = []
        span = self.span(node)
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                parts.append(self.formatted_value(part))
            self.budget.check_length(sum(len(p) for p in parts), span, "text")
        return "".join(parts)

    def formatted_value(self, node: ast.FormattedValue) -> str:
        span = self.span(node)
        value = to_text(self.eval(node.value), node.conversion, self.budget, span)
        spec = "" if node.format_spec is None else self.eval(node.format_spec)
        assert isinstance(spec, str)
        return str(self.apply(format_value, (value, spec, self.budget, span), {}, node))

    def lambda_(self, node: ast.Lambda) -> object:
        return self.make_function(node, "<lambda>")

    def starred(self, node: ast.Starred) -> object:
        raise error_at("syntax", "can't use starred expression here", self.span(node))


_HANDLERS: dict[type[ast.expr], Callable[[Expressions, Any], object]] = {
    ast.Constant: lambda self, node: node.value,
    ast.Name: Expressions.name,
    ast.BinOp: Expressions.binary_operation,
    ast.UnaryOp: Expressions.unary,
    ast.BoolOp: Expressions.bool_operation,
    ast.Compare: Expressions.compare,
    ast.IfExp: Expressions.conditional,
    ast.Call: lambda self, node: self.call(node),
    ast.Attribute: Expressions.attribute,
    ast.Subscript: Expressions.subscript,
    ast.Slice: Expressions.slice_,
    ast.List: Expressions.list_display,
    ast.Tuple: Expressions.tuple_display,
    ast.Set: Expressions.set_display,
    ast.Dict: Expressions.dict_display,
    ast.ListComp: Expressions.comprehension,
    ast.SetComp: Expressions.comprehension,
    ast.DictComp: Expressions.comprehension,
    ast.GeneratorExp: Expressions.comprehension,
    ast.JoinedStr: Expressions.formatted_string,
    ast.FormattedValue: Expressions.formatted_value,
    ast.Lambda: Expressions.lambda_,
    ast.Starred: Expressions.starred,
    ast.Yield: Expressions.yield_,
    ast.YieldFrom: Expressions.yield_from,
}
# One lookup per expression: its handler, and whether `eval` counts it as an operation.
_DISPATCH: dict[type[ast.expr], tuple[Callable[[Expressions, Any], object], bool]] = {
    kind: (handler, kind in _COUNTED) for kind, handler in _HANDLERS.items()
}
