"""The hot forms of a program compiled once into closures, so a loop's turn skips the tree walk's dispatch.

The walk (Expressions.eval, Statements.execute) looks at a node's type, picks its handler and
re-reads its parts every time the node runs: a chain turn `y = torch.sin(y) * 1.0001` was ~21
Python calls. Here each node of the hottest forms (a name, a constant, an operator, an
attribute, a call without `*`/`**`, and `name = value` / expression statements) becomes, the
first time it runs, a Python closure built from its children's closures: no source text is ever
compiled, the closure holds the node's parts and calls what the walk would call, in the same
order, with the same counts, checks and spans. Every other form is handed to the walk.
"""

from __future__ import annotations

import ast
from functools import partial
from time import monotonic

import torch

from autograd_explorer.lang.allowlist import ATTRIBUTES, FUNCTIONS, LOSSES, METHODS, Method
from autograd_explorer.lang.containers import CONTAINER_TYPES
from autograd_explorer.lang.core import Closure, EvaluatorCore, keyword_node, normalize_keywords
from autograd_explorer.lang.expressions import _BINARY
from autograd_explorer.lang.growth import broadcast_elements, made_parameters, matmul_cost
from autograd_explorer.lang.statements import _CONTROL
from autograd_explorer.lang.values import FunctionRef, ModuleRef, changes_in_place, mark_origin

_ABSENT = object()  # a cache's miss (a table constant may be None)
# The table's functions whose call is call_function's plain case (no special handling, no range
# or loss check, an elementwise size rule), by identity: the table lives as long as the process.
_ELEMENTWISE_FUNCTIONS = frozenset(
    id(fn)
    for fn in FUNCTIONS
    if fn.special is None
    and fn.impl is not None
    and fn.name != "range"
    and fn.name not in LOSSES
    and fn.growth in ("broadcast", "none")
)


def name_of(node: ast.expr) -> str | None:
    """The name an operand reads (None: not a name): a closure reads it from the innermost scope in
    place, and calls the name's closure only when it is not there (a call less per operand)."""
    return node.id if isinstance(node, ast.Name) else None


class Compiler(EvaluatorCore):
    """Makes the closures; `expression_closures[node]()` is `eval(node)`, `statement_closures[node]()`
    is `execute(node)`."""

    def compile_expression(self, node: ast.expr) -> Closure:
        """The closure of one expression: the walk's own steps for the hot forms, else the walk."""
        kind = type(node)
        if kind is ast.Constant:
            constant = node.value  # type: ignore[attr-defined]
            return lambda: constant
        if kind is ast.Name:
            return self.name_closure(node)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            return self.attribute_closure(node)  # type: ignore[arg-type]
        if kind is ast.BinOp:
            return self.binary_closure(node)  # type: ignore[arg-type]
        if kind is ast.Call:
            call = node
            assert isinstance(call, ast.Call)
            if not any(type(a) is ast.Starred for a in call.args) and all(
                k.arg is not None for k in call.keywords
            ):
                return self.call_closure(call)
        return partial(self.eval, node)

    def name_closure(self, node: ast.Name) -> Closure:
        """A name: `lookup`'s steps, its common cases without its call."""
        name = node.id
        lookup, named_entries, program_scope = self.lookup, self.named_entries, self.globals

        def value() -> object:
            scope = self.scope
            names = scope.names
            if name in names:
                return names[name]
            if scope is program_scope:  # lookup's table entry, once resolved (`torch` in a loop)
                entry = named_entries.get(name, _ABSENT)
                if entry is not _ABSENT:
                    return entry
            return lookup(name, node)

        return value

    def attribute_closure(self, node: ast.Attribute) -> Closure:
        """`owner.name`: counted, then the owner, then a module's member from the run's cache."""
        budget, span, attribute_of, module_members = (
            self.budget,
            self.span,
            self.attribute_of,
            self.module_members,
        )
        owner_closure = self.expression_closures[node.value]
        attr = node.attr
        owner_node = node.value
        owner_name = owner_node.id if isinstance(owner_node, ast.Name) else None
        lookup, named_entries, program_scope = self.lookup, self.named_entries, self.globals

        def value() -> object:
            budget.operations += 1  # Budget.count_operation, inlined as in eval: it words any refusal
            if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                budget.count_operation(span(node), 0)
            if owner_name is None:
                owner = owner_closure()
            else:  # `torch.sin`, `x.grad`: the name closure's steps in place (a call less, per operation)
                scope = self.scope
                names = scope.names
                if owner_name in names:
                    owner = names[owner_name]
                elif (
                    scope is not program_scope or (owner := named_entries.get(owner_name, _ABSENT)) is _ABSENT
                ):
                    owner = lookup(owner_name, owner_node)
            if type(owner) is ModuleRef:
                member = module_members.get((owner.path, attr), _ABSENT)
                if member is not _ABSENT:
                    return member
            return attribute_of(owner, attr, node)

        return value

    def binary_closure(self, node: ast.BinOp) -> Closure:
        """`left op right`: counted before its operands, then `binary`'s checks; an elementwise
        operator with a tensor operand runs binary's tensor case in place."""
        budget, span, binary = self.budget, self.span, self.binary
        left_closure = self.expression_closures[node.left]
        right_closure = self.expression_closures[node.right]
        op = node.op
        op_type = type(op)
        operation = _BINARY.get(op_type)
        if op_type is ast.MatMult:
            return self.matmul_closure(node, left_closure, right_closure)
        if operation is None or op_type is ast.Mod:  # `text % x` is refused: binary decides

            def general() -> object:
                budget.operations += 1
                if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                    budget.count_operation(span(node), 0)
                return binary(op, left_closure(), right_closure(), node)

            return general
        library_failed, produced = self.library_failed, self.produced
        # the node's span and text, as the caches give them to binary and produced (the same objects)
        where, text = self.span(node), self.segment(node)
        # a constant operand (`y * 1.0001`) is read in place: a call less per operation
        right_constant = type(node.right) is ast.Constant
        right_value = node.right.value if right_constant else None  # type: ignore[attr-defined]
        left_name, right_name = name_of(node.left), name_of(node.right)

        def elementwise() -> object:
            budget.operations += 1
            if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                budget.count_operation(span(node), 0)
            names = self.scope.names
            left = names[left_name] if left_name in names else left_closure()
            if right_constant:
                right = right_value
            else:
                right = names[right_name] if right_name in names else right_closure()
            if isinstance(left, torch.Tensor):
                predicted = (
                    left.numel() if not isinstance(right, torch.Tensor) else broadcast_elements((left, right))
                )
            elif isinstance(right, torch.Tensor):
                predicted = broadcast_elements((left, right))
            else:  # numbers, lists, text: binary's own checks
                return binary(op, left, right, node)
            if predicted is not None and (
                predicted > budget.max_tensor_elements
                or budget.total_elements + predicted > budget.max_total_elements
            ):
                budget.check_elements(predicted, where)
            try:  # apply's handling, written out
                result = operation(left, right)
            except Exception as exc:
                library_failed(exc, node)
            return produced(result, node, where, text)

        return elementwise

    def matmul_closure(self, node: ast.BinOp, left_closure: Closure, right_closure: Closure) -> Closure:
        """`left @ right`: counted, then binary's tensor case (its result and work predicted) in place."""
        budget, span, binary = self.budget, self.span, self.binary
        library_failed, produced = self.library_failed, self.produced
        where, text = self.span(node), self.segment(node)
        left_name, right_name = name_of(node.left), name_of(node.right)
        op = node.op

        def value() -> object:
            budget.operations += 1
            if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                budget.count_operation(span(node), 0)
            names = self.scope.names
            left = names[left_name] if left_name in names else left_closure()
            right = names[right_name] if right_name in names else right_closure()
            if not (isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor)):
                return binary(op, left, right, node)
            budget.check_matmul(matmul_cost(left, right), where)
            try:
                result = left @ right  # type: ignore[operator]
            except Exception as exc:
                library_failed(exc, node)
            return produced(result, node, where, text)

        return value

    def tensor_method(self, owner: object, name: str) -> Method | None:
        """The table's method `owner.name` when attribute_of would make it a TensorMethod that
        call_value would hand to call_method's plain case (None: anything else)."""
        if type(owner) is not torch.Tensor or name in ATTRIBUTES:
            return None
        method = METHODS.get(name)
        if method is None or method.special is not None or method.impl is None:
            return None
        return method

    def call_tensor_method(
        self,
        method: Method,
        tensor: torch.Tensor,
        args: list[object],
        kwargs: dict[str, object],
        node: ast.Call,
    ) -> object:
        """`x.mean(dim=-1)`: call_value's and call_method's steps, without the TensorMethod
        attribute_of would make for it (a dataclass and three calls less per method call)."""
        where = self.span(node)
        budget = self.budget
        budget.operations += 1
        if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
            budget.count_operation(where, 0)
        outer_call, self.current_call, self.call_site = self.current_call, node, where
        if args or kwargs:
            values = [*args, *kwargs.values()] if kwargs else args
            for value in values:
                if type(value) in CONTAINER_TYPES:
                    self.check_walk(values, where)
                    break
        try:
            assert method.impl is not None
            self.check_growth(method.impl, method.growth, [tensor, *args], kwargs, node)
            try:
                result = method.impl(tensor, *args, **kwargs)
            except Exception as exc:
                self.library_failed(exc, node, changing=tensor if changes_in_place(method.name) else None)
            return self.produced(result, node)
        finally:
            self.current_call = outer_call

    def call_closure(self, node: ast.Call) -> Closure:
        """A call without `*args`/`**kwargs`: the function, its arguments in order, then call_value
        (a tensor's method of the table: its steps in place)."""
        call_value, call_tensor_method, tensor_method, library_failed = (
            self.call_value,
            self.call_tensor_method,
            self.tensor_method,
            self.library_failed,
        )
        function_closure = self.expression_closures[node.func]
        arguments = tuple(self.expression_closures[a] for a in node.args)
        keywords = tuple((k.arg, self.expression_closures[k.value]) for k in node.keywords)
        if not keywords and len(arguments) == 1:  # `torch.sin(y)`: the common call
            return self.one_argument_call_closure(node, function_closure, arguments[0])
        func = node.func
        if isinstance(func, ast.Attribute):  # `x.mean(...)`: attribute_closure's steps, then the method's
            budget, span, attribute_of = self.budget, self.span, self.attribute_of
            owner_closure, attr = self.expression_closures[func.value], func.attr

            def read_function() -> tuple[object, Method | None, object]:
                budget.operations += 1
                if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                    budget.count_operation(span(func), 0)
                owner = owner_closure()
                method = tensor_method(owner, attr)
                return (
                    (None, method, owner)
                    if method is not None
                    else (attribute_of(owner, attr, func), None, None)
                )

        else:

            def read_function() -> tuple[object, Method | None, object]:
                return function_closure(), None, None

        def value() -> object:
            fn, method, owner = read_function()
            args = [argument() for argument in arguments]
            kwargs: dict[str, object] = {}
            for name, keyword in keywords:
                kwargs[name] = keyword()  # type: ignore[index]
            if kwargs:  # as `call` does
                try:
                    normalize_keywords(kwargs)
                except Exception as exc:
                    library_failed(exc, keyword_node(node, "device"))
            if method is not None:
                return call_tensor_method(method, owner, args, kwargs, node)  # type: ignore[arg-type]
            return call_value(fn, args, kwargs, node)

        return value

    def one_argument_call_closure(
        self, node: ast.Call, function_closure: Closure, argument: Closure
    ) -> Closure:
        """`f(x)`: a table function of one tensor (`torch.sin(y)`) runs call_value's and
        call_function's steps in place; any other call goes to call_value."""
        budget, span, call_value = self.budget, self.span, self.call_value
        check_growth, library_failed, produced = self.check_growth, self.library_failed, self.produced
        where, text = self.span(node), self.segment(node)
        # `torch.sin`: attribute_closure's steps in place (counted, its owner read, the run's cache)
        func = node.func
        member = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        owner_node: ast.expr = func.value if isinstance(func, ast.Attribute) else func
        owner_name = owner_node.id if isinstance(owner_node, ast.Name) else ""
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        lookup, named_entries, program_scope = self.lookup, self.named_entries, self.globals
        attribute_of, module_members = self.attribute_of, self.module_members
        tensor_method, call_tensor_method = self.tensor_method, self.call_tensor_method
        argument_name = name_of(node.args[0])
        # This site's last module and member, and the last function found plain: a module's
        # members are fixed for the run and FunctionRefs are immutable (a dict get and the
        # checks less per call)
        known_module: object = _ABSENT
        known_member: object = _ABSENT
        known_plain: object = _ABSENT

        def value() -> object:
            nonlocal known_module, known_member, known_plain
            if member:
                budget.operations += 1
                if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                    budget.count_operation(span(func), 0)
                scope = self.scope
                names = scope.names
                if owner_name in names:
                    owner = names[owner_name]
                elif (
                    scope is not program_scope or (owner := named_entries.get(owner_name, _ABSENT)) is _ABSENT
                ):
                    owner = lookup(owner_name, owner_node)
                if owner is known_module:
                    fn = known_member
                else:
                    fn = _ABSENT
                    if type(owner) is ModuleRef:
                        fn = module_members.get((owner.path, attr), _ABSENT)
                        if fn is not _ABSENT:
                            known_module, known_member = owner, fn
                    if fn is _ABSENT:
                        method = tensor_method(owner, attr)
                        if method is not None:  # `x.pow(2)`: the method's steps in place
                            names = self.scope.names
                            given = names[argument_name] if argument_name in names else argument()
                            return call_tensor_method(method, owner, [given], {}, node)  # type: ignore[arg-type]
                        fn = attribute_of(owner, attr, func)
            else:
                fn = function_closure()
            names = self.scope.names
            tensor = names[argument_name] if argument_name in names else argument()
            if fn is not known_plain:
                if type(fn) is not FunctionRef or id(fn.fn) not in _ELEMENTWISE_FUNCTIONS:
                    return call_value(fn, [tensor], {}, node)
                known_plain = fn
            if type(tensor) is not torch.Tensor:
                return call_value(fn, [tensor], {}, node)
            table = fn.fn  # type: ignore[attr-defined]
            budget.operations += 1  # call_value's count
            if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
                budget.count_operation(where, 0)
            outer_call, self.current_call, self.call_site = self.current_call, node, where
            try:
                n = tensor.numel()
                if n == 0 or (
                    table.growth == "broadcast"
                    and (
                        n > budget.max_tensor_elements
                        or budget.total_elements + n > budget.max_total_elements
                    )
                ):
                    check_growth(table.impl, table.growth, [tensor], {}, node)  # it decides and words
                try:
                    result = table.impl(tensor)
                except Exception as exc:
                    library_failed(exc, node)
                if type(result) is not torch.Tensor and isinstance(result, torch.nn.Module):
                    for parameter in made_parameters(result, [tensor], {}):
                        budget.add_result(parameter, where)
                return produced(result, node, where, text)
            finally:
                self.current_call = outer_call

        return value

    def compile_statement(self, node: ast.stmt) -> Closure:
        """The closure of one statement: `name = value` and expression statements; else `execute`."""
        kind = type(node)
        if kind is ast.Assign:
            assign = node
            assert isinstance(assign, ast.Assign)
            if len(assign.targets) == 1 and type(assign.targets[0]) is ast.Name:
                return self.assignment_closure(assign, assign.targets[0].id)
        elif isinstance(node, ast.Expr):
            return self.expression_statement_closure(node)
        return partial(self.execute, node)

    def assignment_closure(self, node: ast.Assign, name: str) -> Closure:
        """`name = value`, with execute's clock check and exception marking around it."""
        where = self.span(node)  # the span cache's own object, as execute reads it
        budget, limit_for = self.budget, self.limit_for
        program_scope, assigned_at = self.globals, self.assigned_at
        value_closure = self.expression_closures[node.value]

        def run() -> object:
            self.statement = where
            if monotonic() >= budget.deadline:
                budget.check_time(where)
            try:
                value = value_closure()
                scope = self.scope  # bind, inlined
                scope.names[name] = value
                if scope is program_scope:
                    assigned_at[name] = where
                    if isinstance(value, torch.Tensor):
                        self.last_tensor_name = name
                        if value.grad_fn is not None:
                            self.last_graph_name = name
                self.on_assign(name, value, where)
            except _CONTROL:
                raise
            except (MemoryError, RecursionError) as exc:
                raise limit_for(exc, where) from None
            except Exception as exc:
                mark_origin(exc, where)
                raise
            return None

        return run

    def expression_statement_closure(self, node: ast.Expr) -> Closure:
        """An expression statement, as execute runs it (its value is the program's final one)."""
        where = self.span(node)
        budget, limit_for = self.budget, self.limit_for
        value_closure = self.expression_closures[node.value]

        def run() -> object:
            self.statement = where
            if monotonic() >= budget.deadline:
                budget.check_time(where)
            try:
                return value_closure()
            except _CONTROL:
                raise
            except (MemoryError, RecursionError) as exc:
                raise limit_for(exc, where) from None
            except Exception as exc:
                mark_origin(exc, where)
                raise

        return run
