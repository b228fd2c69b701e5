"""Calls: the table's functions and methods, the program's functions and classes, and backward.

Every call goes through `call_value` (the program's own calls, and library code calling a
function the program handed it, e.g. `sorted(key=...)` or `nn.Module.__call__` running
`forward`): it counts the operation and predicts the result's size before anything runs.
`backward()` and `torch.autograd.grad` become a `BackwardRequest` the observer carries out.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from time import monotonic

import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import (
    CLASS_SPELLINGS,
    FLAGGED_GRAD_MODES,
    LOSSES,
    MODES_CALLED_ALONE,
    Function,
    Growth,
    Method,
)
from autograd_explorer.lang.budget import limit_error
from autograd_explorer.lang.containers import CONTAINER_TYPES
from autograd_explorer.lang.contract import (
    MODULE_BACKWARD_HOOKS,
    BackwardRequest,
    ModuleGradients,
    PlainObserver,
    Region,
    Span,
)
from autograd_explorer.lang.copies import copy_sized
from autograd_explorer.lang.core import (
    EvaluatorCore,
    error_at,
    keyword_node,
    normalize_keywords,
    type_name,
)
from autograd_explorer.lang.devices import check_device, is_device_like, no_gpu_error
from autograd_explorer.lang.formatting import check_text_size, format_value
from autograd_explorer.lang.functional import (
    PARAMETERS,
    REFUSED_FLAGS,
    TRANSFORM_PARAMETERS,
    TRANSFORMS,
    check_transform_output,
    counted_function,
    cut_unless_outside,
    predicted_elements,
    reserve_passes,
    selected_argnums,
    split_aux,
)
from autograd_explorer.lang.growth import (
    MADE_BY,
    MAX_EINSUM_OPERANDS,
    PRODUCTS,
    VIEW_PIECES,
    broadcast_elements,
    einsum_operands,
    empty_input_bound,
    list_growth,
    made_parameters,
    meta_shapes,
    module_growth,
    optimizer_state_elements,
    predict_elements,
    product_cost,
    sequence_views,
    stacked_layer,
    view_pieces,
)
from autograd_explorer.lang.layer_shapes import BROADCASTING_LOSSES, predict_layer_call
from autograd_explorer.lang.parse import FORBIDDEN_KEYWORDS, ONCE_DIFFERENTIABLE
from autograd_explorer.lang.shown_types import shown_type
from autograd_explorer.lang.user_code import BoundUserMethod, UserFunction
from autograd_explorer.lang.values import (
    Bound,
    FunctionApply,
    FunctionRef,
    GeneratedItems,
    ReturnValue,
    Scope,
    SuperRef,
    TensorMethod,
    Transformed,
    VjpFunction,
    changes_in_place,
    mark_origin,
    origin_of,
)

_M = torch.nn.Module
# The module hooks of the table (allowlist.MEMBERS): the registering method, and its keyword flags
MODULE_HOOKS: dict[str, tuple[Callable[..., object], tuple[str, ...]]] = {
    "register_forward_pre_hook": (_M.register_forward_pre_hook, ("prepend", "with_kwargs")),
    "register_forward_hook": (_M.register_forward_hook, ("prepend", "with_kwargs", "always_call")),
    "register_full_backward_pre_hook": (_M.register_full_backward_pre_hook, ("prepend",)),
    "register_full_backward_hook": (_M.register_full_backward_hook, ("prepend",)),
}


# What a tensor's hook is given, as the observer is told (backward_hook; a module's: ModuleGradients)
def _tensor_gradient(grad: torch.Tensor) -> torch.Tensor:
    return grad


def text_length(method: str, text: str, args: Sequence[object]) -> int | None:
    """How long a text method's result will be, for those that can grow it past its own length
    (None: the others, or arguments Python will refuse itself): `s.replace("x", s)` on 10⁵
    characters would be 10¹⁰ of them, built in one C call."""
    if method == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        most = args[2] if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0 else None
        found = len(text) + 1 if old == "" else text.count(old)
        if most is not None:
            found = min(found, most)
        return len(text) + found * (len(new) - len(old))
    if method in ("zfill", "center", "ljust", "rjust") and isinstance(args[0], int):
        return max(len(text), args[0])
    return None


class Calls(EvaluatorCore):
    """Calls of every kind, and the program's functions being run."""

    def call(self, node: ast.Call) -> object:
        fn = self.eval(node.func)
        args: list[object] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                spread = self.apply(list, (self.eval(arg.value),), {}, arg)
                self.budget.check_length(len(args) + len(spread), self.span(arg), "argument list")
                args.extend(spread)
            else:
                args.append(self.eval(arg))
        kwargs: dict[str, object] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is None:
                if not isinstance(value, Mapping):
                    raise TypeError(f"argument after ** must be a mapping, not {type_name(value)}")
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise TypeError("keywords must be strings")
                    if key.startswith("__") or key in FORBIDDEN_KEYWORDS:  # as the parser refuses them
                        raise error_at(
                            "forbidden",
                            f"the keyword argument {key}= is not allowed",
                            self.span(keyword.value),
                        )
                    kwargs[key] = item
            else:
                kwargs[keyword.arg] = value
        if kwargs:
            try:
                normalize_keywords(kwargs)
            except Exception as exc:  # only device= can be refused: said at the keyword
                self.library_failed(exc, keyword_node(node, "device"))
        return self.call_value(fn, args, kwargs, node)

    def call_value(
        self, fn: object, args: list[object], kwargs: dict[str, object], node: ast.AST | None = None
    ) -> object:
        """Call `fn`, whatever made the call: the one place calls are counted and checked."""
        node = node if node is not None else (self.current_call or ast.Pass(lineno=1, col_offset=0))
        span = self.span(node)
        budget = self.budget  # Budget.count_operation, inlined (per call): it words any refusal
        budget.operations += 1
        if budget.operations > budget.max_operations or monotonic() >= budget.deadline:
            budget.count_operation(span, 0)
        outer_call, self.current_call, self.call_site = self.current_call, node, span
        if (args or kwargs) and not (isinstance(fn, FunctionRef) and fn.fn.special == "print"):
            values = [*args, *kwargs.values()] if kwargs else args
            for value in values:  # check_walk acts on lists and tuples alone: called when one is given
                if type(value) in CONTAINER_TYPES:
                    self.check_walk(values, span)  # print shows only what fits
                    break
        try:
            if isinstance(fn, FunctionRef):
                return self.call_function(fn.fn, args, kwargs, node)
            if isinstance(fn, TensorMethod):
                return self.call_method(fn.method, fn.tensor, node, args, kwargs)
            if isinstance(fn, Bound):
                if fn.name in MODULE_HOOKS and isinstance(fn.owner, torch.nn.Module):
                    return self.register_module_hook(fn.owner, fn.name, node, args, kwargs)
                self.check_member_call(fn, args, kwargs, node)
                if fn.name == "add_param_group" and isinstance(fn.owner, torch.optim.Optimizer):
                    self.add_param_group(fn, args, kwargs, node)
                    return None
                return self.produced(self.apply(fn.call, args, kwargs, node), node)
            if (
                isinstance(fn, UserFunction | BoundUserMethod | torch.nn.Module)
                or (isinstance(fn, type) and fn in self.classes.defined)
                or (self.classes.is_instance(fn) and self.classes.readable(fn, "__call__"))
            ):
                assert callable(fn)
                library_layer = isinstance(fn, torch.nn.Module) and not self.classes.is_instance(fn)
                if isinstance(fn, torch.nn.Module):
                    if isinstance(fn, BROADCASTING_LOSSES):  # `nn.MSELoss()(p, y)`: as F.mse_loss is told
                        self.check_loss_shapes(f"nn.{type(fn).__name__}", args, kwargs, node)
                    # PyTorch runs a layer's forward in one call: its largest tensor is sized first
                    layer_call = predict_layer_call(fn, args, kwargs)
                    if layer_call is not None:
                        self.budget.check_elements(layer_call.elements, span, made_by=layer_call.maker)
                    if isinstance(node, ast.Call):
                        self.regions.about_to_call_module(node.func, self.source.segment(node.func))
                result = self.apply(fn, args, kwargs, node)
                if isinstance(result, tuple) and library_layer:
                    self.account_outputs(result, span)
                return self.produced(result, node)
            if isinstance(fn, FunctionApply):
                return self.apply_function(fn, args, kwargs, node)
            if self.classes.is_instance(fn) and isinstance(fn, torch.autograd.Function):
                # `Exp()(x)`, the old style: PyTorch's own RuntimeError says to call Exp.apply
                return self.apply(fn, args, kwargs, node)
            if isinstance(fn, Transformed):
                return self.call_transformed(fn, args, kwargs, node)
            if isinstance(fn, VjpFunction):
                return self.call_vjp_function(fn, args, kwargs, node)
            error = TypeError(
                f"{fn!r} cannot be called here: call a class by its name (torch.tensor, nn.Linear)"
                if isinstance(fn, type)  # a class type(x) gave that the table has no entry for
                else f"'{type_name(fn)}' object is not callable"
            )
            mark_origin(error, span)
            raise error
        finally:
            self.current_call = outer_call

    def apply_function(
        self, fn: FunctionApply, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> object:
        """`Exp.apply(x)`: PyTorch's Function.apply runs the program's forward (interpreted, its
        operations counted) and makes the node (`ExpBackward`) whose backward the engine calls; the
        output is the call's, its span the node's place in the program."""
        result = self.apply(fn.cls.apply, args, kwargs, node)  # type: ignore[attr-defined]
        if isinstance(result, tuple):
            self.account_outputs(result, self.span(node))
            return result
        return self.produced(result, node)

    def account_outputs(self, outputs: tuple[object, ...], span: Span) -> None:
        """A library module's tuple of outputs (nn.LSTM's `output, (h_n, c_n)`) counts toward the
        budget as a single tensor would: the program's own modules' tensors were counted when made."""
        for value in outputs:
            if isinstance(value, torch.Tensor):
                self.budget.add_result(value, span)
            elif isinstance(value, tuple):
                self.account_outputs(value, span)

    def add_param_group(
        self, fn: Bound, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> None:
        """`opt.add_param_group({...})`: the state its parameters will need counts, as at construction."""
        optimizer = fn.owner
        assert isinstance(optimizer, torch.optim.Optimizer)
        before = optimizer_state_elements(optimizer)
        self.apply(fn.call, args, kwargs, node)
        self.reserve_optimizer_state(optimizer, node, counted=before)

    def reserve_optimizer_state(
        self, optimizer: torch.optim.Optimizer, node: ast.AST, counted: int = 0
    ) -> None:
        """The state an optimizer will hold once it steps, less what was `counted` already: refused
        where the optimizer is made (or grows), not at the step that fills it."""
        added = optimizer_state_elements(optimizer) - counted
        if added > 0:
            self.budget.reserve_total(added, self.span(node), f"{type(optimizer).__name__}'s state")

    @staticmethod
    def check_module_device(name: str, args: Sequence[object]) -> None:
        """`model.cuda()`, `model.to("cuda")`: this server has the cpu alone."""
        if name == "cuda":
            raise no_gpu_error("cuda")
        if args and is_device_like(args[0]):
            check_device(args[0])

    def check_member_call(
        self, fn: Bound, args: Sequence[object], kwargs: Mapping[str, object], node: ast.AST
    ) -> None:
        """Lists and text that grow by a method call: their new length is checked first; so is the
        mask nn.Transformer's generate_square_subsequent_mask makes."""
        owner = fn.owner
        span = self.span(node)
        if isinstance(owner, torch.nn.Module) and fn.name in ("to", "cuda"):  # before PyTorch's own error
            self.apply(self.check_module_device, (fn.name, args), {}, node)
        if fn.name == "generate_square_subsequent_mask" and isinstance(owner, torch.nn.Transformer):
            self.budget.check_elements(predict_elements("square_mask", args, kwargs), span)
        if fn.name in ("extend", "join") and args:
            items = args[0]
            size = len(items) if isinstance(items, Sequence) else 0
            if isinstance(owner, list):
                self.budget.check_length(len(owner) + size, span, "list")
            elif isinstance(owner, str) and isinstance(items, Sequence):
                total = sum(len(i) for i in items if isinstance(i, str)) + len(owner) * max(size - 1, 0)
                self.budget.check_length(total, span, "text")
        elif fn.name in ("append", "insert") and isinstance(owner, list):
            self.budget.check_length(len(owner) + 1, span, "list")
        elif isinstance(owner, str) and args:
            length = text_length(fn.name, owner, args)
            if length is not None:
                self.budget.check_length(length, span, "text")

    # --- the table's functions and methods --------------------------------------------------------

    def call_function(
        self, fn: Function, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> object:
        special = fn.special
        if special is not None:  # most calls (`torch.tanh(h)`) have none of these
            if special == "print":
                self.print_values(args, kwargs, node)
                return None
            if special == "grad":
                return self.autograd_grad(node, args, kwargs)
            if special == "backward":
                self.autograd_backward(node, args, kwargs)
                return None
            if special == "functional":
                return self.autograd_functional(fn, args, kwargs, node)
            if special == "func":
                return self.func_transform(fn, args, kwargs, node)
            if special == "hasattr":
                return self.has_attribute(args, kwargs, node)
            if special == "isinstance":
                if len(args) != 2 or kwargs:
                    raise TypeError(f"isinstance expected 2 arguments, got {len(args)}")
                return self.apply(isinstance, (args[0], self.unwrap_classes(args[1])), {}, node)
            if special == "type":
                if len(args) != 1 or kwargs:
                    error = TypeError(
                        "type() takes one argument here, a value (a class statement makes classes)"
                    )
                    mark_origin(error, self.span(node))
                    raise error
                return self.type_of(args[0])
            if special == "text" and len(args) == 1 and not kwargs:  # str(x), repr(x): sized first
                self.apply(check_text_size, (args[0], self.budget, self.span(node)), {}, node)
            if special == "copy":
                if len(args) != 1 or kwargs:
                    raise TypeError(f"{fn.name.removeprefix('copy.')}() takes one value here")
                classes, span = self.classes, self.span(node)
                copied = (args[0], fn.name == "copy.deepcopy", classes.is_instance, classes.fields)
                return self.apply(copy_sized, (*copied, self.budget, span), {}, node)
            if special == "format":
                if not 1 <= len(args) <= 2 or kwargs:
                    raise TypeError(f"format expected 1 or 2 arguments, got {len(args)}")
                value, spec = args[0], args[1] if len(args) == 2 else ""
                if not isinstance(spec, str):
                    raise TypeError(f"format() argument 2 must be str, not {type_name(spec)}")
                return self.apply(format_value, (value, spec, self.budget, self.span(node)), {}, node)
            if special == "super":
                return self.super_value(args, node)
        if special == "decorator":
            raise error_at("forbidden", ONCE_DIFFERENTIABLE, self.span(node))
        if special == "dataclass":
            raise error_at(
                "forbidden", "dataclass is only allowed as a class's decorator: @dataclass", self.span(node)
            )
        if fn.impl is None or (special == "context" and fn.name not in MODES_CALLED_ALONE):
            path = fn.name
            allowed = (
                f"`with {path}(flag):`" if path in FLAGGED_GRAD_MODES else f"`with {path}():` or `@{path}()`"
            )
            raise error_at("forbidden", f"{path}() is only allowed as {allowed}", self.span(node))
        if fn.name == "range":  # said in loop terms: a range is made to be iterated
            self.check_range(args, node)
        self.check_growth(fn.impl, fn.growth, args, kwargs, node)
        if fn.name in LOSSES:
            self.check_loss_shapes(fn.name, args, kwargs, node)
        try:  # apply's handling, written out: a library call per operation of a loop
            result = fn.impl(*args, **kwargs)
        except Exception as exc:
            self.library_failed(exc, node)
        if isinstance(result, torch.nn.Module):
            for parameter in made_parameters(result, args, kwargs):  # its memory counts like any tensor's
                self.budget.add_result(parameter, self.span(node))
        elif isinstance(result, torch.optim.Optimizer):
            self.reserve_optimizer_state(result, node)
        return self.produced(result, node)

    def type_of(self, value: object) -> object:
        """`type(x)`: x's class as the program would name it. The table's classes are the values their
        names give (`type(x) is torch.Tensor`); a value the evaluator holds in a stand-in (a function,
        a method, a module, grad_fn) gives the class CPython would (`function`, `MulBackward0`);
        any other class is a value to print and compare: it has no table member to read or call."""
        cls = shown_type(value)
        spelling = CLASS_SPELLINGS.get(cls)
        if spelling is not None:
            return self.table_entry(spelling)
        return cls

    def unwrap_classes(self, value: object) -> object:
        """isinstance's second argument: the table's classes stand for PyTorch's own."""
        if isinstance(value, FunctionRef):
            return value.fn.stands_for
        if isinstance(value, tuple):
            return tuple(self.unwrap_classes(v) for v in value)
        return value

    def check_range(self, args: Sequence[object], node: ast.AST) -> None:
        """A range longer than the loop budget could never be iterated: refused when made."""
        bounds = [a for a in args if isinstance(a, int)]
        if len(bounds) == len(args) and 1 <= len(bounds) <= 3 and 0 not in bounds[2:]:
            length = len(range(*bounds))
            limit = self.budget.limits.max_loop_iterations
            if length > limit:
                raise limit_error(
                    f"too many loop iterations: range(...) has {length} items, the limit is {limit} "
                    f"for the whole program (max_loop_iterations)",
                    self.span(node),
                )

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
        node: ast.AST,
        args: list[object],
        kwargs: dict[str, object],
    ) -> object:
        if method.special == "backward":
            self.backward(receiver, node, args, kwargs)
            return None
        if method.special == "hook":
            return self.register_gradient_hook(receiver, node, args, kwargs)
        assert method.impl is not None
        self.check_growth(method.impl, method.growth, [receiver, *args], kwargs, node)
        try:  # apply's handling, written out: a library call per operation of a loop
            result = method.impl(receiver, *args, **kwargs)
        except Exception as exc:
            self.library_failed(exc, node, changing=receiver if changes_in_place(method.name) else None)
        return self.produced(result, node)

    def check_growth(
        self,
        impl: Callable[..., object] | None,
        growth: Growth,
        args: Sequence[object],
        kwargs: Mapping[str, object],
        node: ast.AST,
    ) -> None:
        """Refuse a call whose result would be too large, before it runs."""
        span = self.span(node)
        if growth == "broadcast" or growth == "none":  # elementwise functions: the common case
            predicted = None
            if growth == "broadcast":
                predicted = broadcast_elements([*args, *kwargs.values()] if kwargs else args)
            budget = self.budget
            if predicted is not None and (
                predicted > budget.max_tensor_elements
                or budget.total_elements + predicted > budget.max_total_elements
            ):
                budget.check_elements(predicted, span)
            for value in (*args, *kwargs.values()) if kwargs else args:
                if isinstance(value, torch.Tensor) and value.numel() == 0:  # else no bound: skipped
                    bound = empty_input_bound(args, kwargs)
                    if impl is not None and bound is not None and bound > budget.max_tensor_elements:
                        self.check_meta_shapes(impl, args, kwargs, bound, span)
                    break
            return
        if growth in VIEW_PIECES:  # each view a tensor object: an operation of the budget
            pieces = view_pieces(growth, args, kwargs)
            if pieces is not None:
                self.budget.count_operation(span, pieces)
            return
        if growth == "einsum":  # ATen contracts the operands one by one (sums, a permute, a product each)
            operands = len(einsum_operands(args))
            if operands > MAX_EINSUM_OPERANDS:
                raise error_at(
                    "forbidden",
                    f"torch.einsum takes at most {MAX_EINSUM_OPERANDS} operands here; "
                    f"this call gives {operands}",
                    span,
                )
            self.budget.count_operation(span, operands)
        if growth == "pad_sequence":  # one tensor of sequences: tuple() makes a view per row
            views = sequence_views(args, kwargs)
            if views is not None:
                self.budget.count_operation(span, views)
        if growth == "layer_stack":
            self.check_stacked_layer(args, kwargs, span)
        if growth in ("iterable", "sum") and args:
            self.check_python_walk(args[0], span)
        if growth == "iterable":  # list(...), sorted(...): as long as what they are given
            for arg in args[:1]:
                if isinstance(arg, Sequence | Mapping | set | range):
                    self.budget.reserve_elements(len(arg), span, "list")
            return
        predicted = predict_elements(growth, args, kwargs)  # a literal measures its lists itself
        if list_growth(growth):
            if predicted is not None:  # a Python list of exactly this many slots
                self.budget.reserve_elements(predicted, span, "list")
        else:  # a module's parameters are made (and initialized) by one library call: bounded as one
            what = "module" if module_growth(growth) else "tensor"
            self.budget.check_elements(predicted, span, what, made_by=MADE_BY.get(growth))
        if growth in PRODUCTS:  # a matrix product, an einsum, an attention: its multiply-adds too
            cost = product_cost(growth, args, kwargs)
            if cost is not None:
                self.budget.check_matmul_work(cost[1], span)
        bound = empty_input_bound(args, kwargs)
        if impl is not None and bound is not None and bound > self.budget.limits.max_tensor_elements:
            self.check_meta_shapes(impl, args, kwargs, bound, span)

    def check_stacked_layer(self, args: Sequence[object], kwargs: Mapping[str, object], span: Span) -> None:
        """nn.TransformerEncoder and nn.TransformerDecoder deep-copy their layer num_layers times: a
        module of the program's inside it would be copied with whatever the program set on it (lists,
        tensors no parameter count sees), so the layer must be PyTorch's own, as they expect."""
        stacked = stacked_layer(args, kwargs)
        if stacked is None:
            return
        for module in stacked[0].modules():
            if self.classes.is_instance(module):
                raise error_at(
                    "forbidden",
                    f"this call copies its layer {stacked[1]} times, and a module of the program's "
                    f"({type(module).__name__}) is not copied here: give it PyTorch's own layer "
                    "(nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)",
                    span,
                )

    def check_python_walk(self, items: object, span: Span) -> None:
        """sum/max/sorted... walk their argument in Python: a tensor row by row (one torch call per
        row), a list of tensors adding or comparing them (their broadcast is predicted first)."""
        if isinstance(items, torch.Tensor) and items.dim() > 0:
            self.budget.count_operation(span, items.shape[0])
        values = items.items if isinstance(items, GeneratedItems) else items
        if isinstance(values, list | tuple) and any(isinstance(v, torch.Tensor) for v in values):
            self.budget.check_elements(broadcast_elements(list(values)), span)

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

    def print_values(self, args: list[object], kwargs: dict[str, object], node: ast.AST) -> None:
        unknown = set(kwargs) - {"sep", "end", "flush"}
        if unknown:
            name = sorted(unknown)[0]
            if name == "file":
                raise error_at(
                    "forbidden",
                    "print(file=...) is not available: the output comes back with the run",
                    self.span(node),
                )
            raise TypeError(f"'{name}' is an invalid keyword argument for print()")
        self.apply(self.output.print, (args, kwargs.get("sep"), kwargs.get("end"), self.span(node)), {}, node)
        return None

    def super_value(self, args: list[object], node: ast.AST) -> SuperRef:
        """`super()` in a method (its class and first argument), or `super(Class, self)`."""
        if len(args) == 2:
            cls = args[0].fn.impl if isinstance(args[0], FunctionRef) else args[0]
            if not isinstance(cls, type):
                raise TypeError("super() argument 1 must be a type")
            return SuperRef(cls, args[1])
        if args:
            raise TypeError("super() takes 0 or 2 arguments here")
        scope: Scope | None = self.scope
        while scope is not None and scope.function is None:
            scope = scope.parent
        function = scope.function if scope is not None else None
        if not isinstance(function, UserFunction) or function.owner_class is None or scope is None:
            raise RuntimeError("super(): no arguments")
        return SuperRef(function.owner_class, scope.first_argument)

    # --- the program's functions ------------------------------------------------------------------

    def run_generator(self, function: UserFunction, body: list[ast.stmt]) -> Iterator[object]:
        """A generator function's call: its body runs to its end (or `return`) now, and the iterator
        returned gives what it yielded, in order. Python would run it a step per value; a loop over it
        sees the same values (d2l.ai's `data_iter` of shuffled batches), but what its body prints comes
        before the loop's own, and a loop that breaks early still ran it all (docs/language.md)."""
        values: list[object] = []
        self.yielded.append(values)
        try:
            with ExitStack() as modes:
                for mode in function.grad_modes:
                    modes.enter_context(mode())
                self.run_body(body)
        except ReturnValue:
            pass  # `return` ends a generator; its value is StopIteration's, which no loop reads
        finally:
            self.yielded.pop()
        return iter(values)

    def invoke(self, function: UserFunction, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
        """Run a program's function with its own scope (called by Python for every call of it)."""
        site = self.call_site
        self.budget.enter_call(site)
        outer_scope, outer_statement = self.scope, self.statement
        region: Region | None = None
        result: object = None
        try:
            try:
                bound = function.bind(args, kwargs)
            except TypeError as exc:
                mark_origin(exc, site)
                raise
            # an autograd Function's backward is no call of the program's (the engine makes it, maybe
            # in the tracer's own pass after the program ended): no region, nothing observed (below)
            if not function.runs_in_engine:
                region = self.call_region(function, args, bound, site)
            node = function.node
            self.scope = Scope(
                bound,
                parent=function.closure,  # type: ignore[arg-type]
                local_names=function.local_names,
                function=function,
                first_argument=args[0] if args else None,
                label=f"{function.qualname}.<locals>",
            )
            if isinstance(node, ast.Lambda):
                result = self.eval(node.body)
                return result
            if function.is_generator:
                return self.run_generator(function, node.body)
            if function.runs_in_engine:  # an autograd Function's backward, called by the engine
                with self.unobserved():
                    self.run_body(node.body)
                return None
            if function.grad_modes:
                with ExitStack() as modes:
                    for mode in function.grad_modes:
                        modes.enter_context(mode())
                    self.run_body(node.body)
                return None
            self.run_body(node.body)
            return None
        except ReturnValue as returned:
            result = returned.value
            return result
        except ProgramError:
            raise
        except Exception as exc:
            origin = origin_of(exc)
            if origin is not None and origin.span is not site:
                origin.calls.append((function.name, site))
            raise
        finally:
            self.scope, self.statement = outer_scope, outer_statement
            self.call_site = site
            self.budget.leave_call()
            if region is not None:
                self.observer.leave_region(region, result)

    @contextmanager
    def unobserved(self) -> Iterator[None]:
        """Run without telling the observer of tensors, names or regions: what a custom autograd
        Function's backward computes while PyTorch's engine runs it is no value of the forward
        graph (the tracer's hooks on the node record what it received and sent back)."""
        quiet = PlainObserver()  # tells no one
        outer = self.on_tensor, self.on_assign, self.regions.quiet
        self.on_tensor, self.on_assign, self.regions.quiet = quiet.on_tensor, quiet.on_assign, True
        try:
            yield
        finally:
            self.on_tensor, self.on_assign, self.regions.quiet = outer

    def call_region(
        self, function: UserFunction, args: tuple[object, ...], bound: Mapping[str, object], site: Span
    ) -> Region | None:
        """Tell the observer a call of the program's function starts (`f(x) at line 9`), with the
        numbers its parameters hold (`n = 2`)."""
        call = self.current_call
        text = self.source.segment(call) if call is not None else f"{function.name}()"
        region = self.regions.call_region(
            function.name, args[0] if args else None, text, site.line, bound, function.parameters, site
        )
        if region is not None:
            self.observer.enter_region(region)
        return region

    # --- differentiation --------------------------------------------------------------------------

    def backward(
        self, tensor: torch.Tensor, node: ast.AST, args: list[object], kwargs: dict[str, object]
    ) -> None:
        """`t.backward(gradient=, retain_graph=, create_graph=, inputs=)`, carried out by the observer."""
        names_in_order = ("gradient", "retain_graph", "create_graph", "inputs")
        params = self.bind_arguments("backward", names_in_order, args, kwargs)
        gradient = params.get("gradient")
        if gradient is not None and not isinstance(gradient, torch.Tensor):
            raise TypeError("backward(): gradient must be a tensor")
        owner = (
            node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        )
        names = (owner.id if isinstance(owner, ast.Name) else None,)
        self.run_backward_call((tensor,), (gradient,) if gradient is not None else (), params, names)
        return None

    def run_backward_call(
        self,
        outputs: tuple[torch.Tensor, ...],
        gradients: tuple[torch.Tensor | None, ...],
        params: Mapping[str, object],
        output_names: tuple[str | None, ...],
    ) -> None:
        """A backward() call, t.backward(…)'s or torch.autograd.backward(…)'s, run by the observer;
        `inputs=` the tensors whose .grad it may add to (PyTorch's engine runs only what reaches them)."""
        given = params.get("inputs")
        request = BackwardRequest(
            kind="backward",
            outputs=outputs,
            inputs=(),
            grad_outputs=gradients,
            retain_graph=self.flag(params, "retain_graph", None),
            create_graph=bool(self.flag(params, "create_graph", False)),
            span=self.statement,
            output_names=output_names,
            accumulate_into=() if given is None else self.tensors(given, "backward(): inputs"),
        )
        self.differentiate(request)

    def register_gradient_hook(
        self, tensor: torch.Tensor, node: ast.AST, args: list[object], kwargs: dict[str, object]
    ) -> object:
        """`t.register_hook(hook)`: PyTorch's engine calls `hook(grad)` when t's gradient is computed,
        and a tensor it returns replaces the gradient. The hook is the program's function (or print),
        run as a custom Function's backward is, unobserved: what it computes is no value of the
        forward graph. The observer is told of each call, so a step can say a hook changed what the
        node received (the contributions no longer sum to it)."""
        params = self.bind_arguments("register_hook", ("hook",), args, kwargs)
        hook = self.program_hook("register_hook", params.get("hook"))
        run_hook = self.backward_hook(hook, node, _tensor_gradient)
        try:
            return tensor.register_hook(run_hook)  # type: ignore[no-untyped-call]
        except Exception as exc:  # a tensor that requires no gradient: PyTorch's own words
            self.library_failed(exc, node)

    def register_module_hook(
        self, module: torch.nn.Module, name: str, node: ast.AST, args: list[object], kwargs: dict[str, object]
    ) -> object:
        """`model.fc1.register_forward_hook(hook)` and the other three of MODULE_HOOKS: PyTorch calls
        the program's hook around each call of the module. A forward hook runs as the module's
        caller does, observed (what it computes, and an output it returns, are values of the forward
        graph); a backward hook runs in the engine as a tensor's does, unobserved and told to the
        observer. PyTorch makes a full backward hook with identity nodes around the module's call
        (BackwardHookFunctionBackward), whose post-hooks call it: the graph shows them, and the
        step of the node that called the hook says what it received and returned."""
        register, flags = MODULE_HOOKS[name]
        params = self.bind_arguments(name, ("hook", *flags), args, kwargs)
        hook = self.program_hook(name, params.get("hook"))
        options = {key: self.flag(params, key, False) for key in flags if key in params}
        given = MODULE_BACKWARD_HOOKS.get(name)
        if given is not None:
            runner = self.backward_hook(hook, node, given)
        else:  # a forward hook: run as the module's caller runs, observed

            def run_forward_hook(*hook_args: object) -> object:
                return self.call_value(hook, list(hook_args), {}, node)

            run_forward_hook.__name__ = self.hook_name(hook, node)
            runner = run_forward_hook
        return self.apply(register, (module, runner), options, node)

    def program_hook(self, register: str, hook: object) -> object:
        """The hook a register_*hook call was given: a function of the program's (or print)."""
        if not (
            isinstance(hook, UserFunction | BoundUserMethod | FunctionRef)
            or (self.classes.is_instance(hook) and self.classes.readable(hook, "__call__"))
        ):
            raise TypeError(f"{register}(): hook must be a function of the program, not {type_name(hook)}")
        return hook

    def hook_name(self, hook: object, node: ast.AST) -> str:
        """How PyTorch names the hook in its refusals: 'double (line 6)' ("hook 'double (line 6)' has
        changed the size of value")."""
        match hook:
            case UserFunction(name=named) | FunctionRef(fn=Function(name=named)):
                pass
            case BoundUserMethod(function=UserFunction(name=named)):
                pass
            case _:
                named = "hook"
        return f"{named} (line {self.span(node).line})"

    def backward_hook(
        self, hook: object, node: ast.AST, gradients: Callable[..., torch.Tensor | ModuleGradients]
    ) -> Callable[..., object]:
        """The callable PyTorch's engine calls for the program's backward hook: the hook runs
        unobserved (what it computes is no value of the forward graph), then the observer is told
        what it was given (`gradients` picks them from the engine's arguments, what arrived first)
        and what it returned, so the step it ran before or in can say so."""
        span, text = self.span(node), self.source.segment(node)
        # taken now: the tracer's own pass on the output runs after the observer let go of its
        # recorder (trace/program_output.py), and this hook may run in it
        tell = self.observer.on_gradient_hook

        def run_hook(*hook_args: object) -> object:
            with self.unobserved():
                result = self.call_value(hook, list(hook_args), {}, node)
            tell(span, text, gradients(*hook_args), result)
            return result

        run_hook.__name__ = self.hook_name(hook, node)
        return run_hook

    def autograd_grad(
        self, node: ast.AST, args: list[object], kwargs: dict[str, object]
    ) -> tuple[object, ...]:
        """`torch.autograd.grad(outputs, inputs, ...)`: gradients returned, `.grad` untouched."""
        names = (
            "outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "allow_unused",
            "is_grads_batched", "materialize_grads",
        )  # fmt: skip
        params = self.bind_arguments("grad", names, args, kwargs)
        if self.flag(params, "is_grads_batched", False):
            raise error_at("forbidden", "grad(is_grads_batched=True) is not available here", self.span(node))
        if "outputs" not in params or "inputs" not in params:
            raise TypeError("grad() needs outputs and inputs")
        outputs = self.tensors(params["outputs"], "grad(): outputs")
        inputs = self.tensors(params["inputs"], "grad(): inputs")
        grad_outputs = self.given_gradients(params.get("grad_outputs"), "grad(): grad_outputs")
        materialize = bool(self.flag(params, "materialize_grads", False))
        allow_unused = self.flag(params, "allow_unused", None)
        if allow_unused is False and materialize:
            raise ValueError(  # PyTorch's words
                "Expected allow_unused to be True or not passed when materialize_grads=True, "
                "but got: allow_unused=False."
            )
        argument_nodes: list[ast.AST] = []
        if isinstance(node, ast.Call):
            argument_nodes = [*node.args, *(k.value for k in node.keywords if k.arg == "outputs")]
        request = BackwardRequest(
            kind="grad",
            outputs=outputs,
            inputs=inputs,
            grad_outputs=grad_outputs,
            retain_graph=self.flag(params, "retain_graph", None),
            create_graph=bool(self.flag(params, "create_graph", False)),
            span=self.statement,
            output_names=self.names_of(argument_nodes[0] if argument_nodes else None, len(outputs)),
            allow_unused=bool(allow_unused) or materialize,
        )
        result = self.differentiate(request)
        grads = tuple(result) if result is not None else tuple(None for _ in inputs)
        if materialize:  # an unused input's gradient as zeros
            grads = tuple(torch.zeros_like(x) if g is None else g for g, x in zip(grads, inputs, strict=True))
        for grad in grads:
            if isinstance(grad, torch.Tensor):
                self.budget.add_result(grad, self.span(node))
        return grads

    def autograd_backward(self, node: ast.AST, args: list[object], kwargs: dict[str, object]) -> None:
        """`torch.autograd.backward(tensors, grad_tensors=None, ...)`: what `t.backward()` does, for
        several tensors at once (one pass from all of them, their gradients summed into .grad)."""
        names = ("tensors", "grad_tensors", "retain_graph", "create_graph", "inputs")
        params = self.bind_arguments("backward", names, args, kwargs)
        if "tensors" not in params:
            raise TypeError("backward() missing 1 required positional argument: 'tensors'")
        outputs = self.tensors(params["tensors"], "backward(): tensors")
        gradients = self.given_gradients(params.get("grad_tensors"), "backward(): grad_tensors")
        argument = node.args[0] if isinstance(node, ast.Call) and node.args else None
        self.run_backward_call(outputs, gradients, params, self.names_of(argument, len(outputs)))

    @staticmethod
    def given_gradients(given: object, what: str) -> tuple[torch.Tensor | None, ...]:
        """grad_outputs= (grad_tensors=): a tensor or a sequence of them (None for one: ones)."""
        if given is None:
            return ()
        gradients = tuple(given) if isinstance(given, list | tuple) else (given,)
        if not all(g is None or isinstance(g, torch.Tensor) for g in gradients):
            raise TypeError(f"{what} must be tensors")
        return gradients

    def autograd_functional(
        self, fn: Function, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> object:
        """torch.autograd.functional's jacobian, hessian, vjp, ... of the program's function: the
        result's size refused before the passes run, each pass counted (lang/functional.py)."""
        assert fn.impl is not None
        name = fn.name.rsplit(".", 1)[-1]
        params = self.bind_arguments(name, PARAMETERS[name], args, kwargs)
        if "func" not in params or "inputs" not in params:
            raise TypeError(f"{name}() needs a function and its inputs")
        span = self.span(node)
        for flag in REFUSED_FLAGS:
            if params.get(flag):
                raise error_at(
                    "forbidden", f"{name}({flag}=True) is not available here: leave {flag}= out", span
                )
        func, inputs = params.pop("func"), params.pop("inputs")
        if name == "gradcheck":
            self.warn_single_precision(inputs, span)
        self.budget.check_elements(predicted_elements(name, inputs), span)
        run = counted_function(
            name, lambda values: self.call_value(func, values, {}, node), self.budget, span
        )
        return self.differentiated(lambda: fn.impl(run, inputs, **params), node)  # type: ignore[misc]

    def warn_single_precision(self, inputs: object, span: Span) -> None:
        """PyTorch's own warning, which CPython prints and a trace would lose: gradcheck's finite
        differences (eps 1e-6) are below float32's precision, so the check likely fails."""
        items = inputs if isinstance(inputs, tuple | list) else (inputs,)
        for k, item in enumerate(items):
            if isinstance(item, torch.Tensor) and item.requires_grad and item.dtype != torch.float64:
                dtype = str(item.dtype).removeprefix("torch.")
                self.warnings.append(
                    f"line {span.line}: gradcheck's input #{k} is {dtype}, not float64: its finite "
                    "differences are below that precision, so the check will likely fail (PyTorch's "
                    "warning); make it with dtype=torch.double"
                )
                return

    def differentiated(self, compute: Callable[[], object], node: ast.AST) -> object:
        """A torch.autograd.functional result (or torch.func's, computed by it): PyTorch's errors
        at the call, its tensors counted as the call's outputs."""
        try:
            result = compute()
        except Exception as exc:
            self.library_failed(exc, node)
        if isinstance(result, tuple):
            self.account_outputs(result, self.span(node))
            return result
        return self.produced(result, node)

    def func_transform(
        self, fn: Function, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> object:
        """`torch.func.grad(f, argnums=0)` (jacrev, jacfwd, hessian): f transformed, differentiated
        when called; `torch.func.vjp(f, *primals)`: f's output and its vjp_fn."""
        kind = fn.name.rsplit(".", 1)[-1]
        if kind == "vjp":
            return self.func_vjp(args, kwargs, node)
        params = self.bind_arguments(kind, TRANSFORM_PARAMETERS[kind], args, kwargs)
        if "func" not in params:
            raise TypeError(f"{kind}() missing 1 required positional argument: 'func'")
        argnums = params.get("argnums", 0)
        has_aux = bool(self.flag(params, "has_aux", False))
        return Transformed(kind, params["func"], argnums, self.call_value, has_aux)  # type: ignore[arg-type]

    def call_transformed(
        self, transformed: Transformed, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> object:
        """`torch.func.grad(f)(x, y)`: torch.autograd.functional's jacobian or hessian of f in the
        arguments argnums picks (the same values), bounded as lang/functional.py bounds them."""
        span = self.span(node)
        positions = self.apply(selected_argnums, (transformed.argnums, args), {}, node)
        inputs = tuple(args[n] for n in positions)
        name = TRANSFORMS[transformed.kind]
        self.budget.check_elements(predicted_elements(name, inputs), span)  # a hessian's inputs², at least
        if transformed.kind == "hessian" and isinstance(transformed.argnums, int):
            # torch.func's own definition, jacfwd(jacrev(f)): of a result of any shape, each
            # Jacobian sized and its passes counted as any jacrev's (the same values)
            inner = Transformed("jacrev", transformed.func, transformed.argnums, self.call_value)
            outer = Transformed("jacrev", inner, transformed.argnums, self.call_value)
            return self.call_transformed(outer, args, kwargs, node)

        aux: list[object] = []  # has_aux: what f returned beside its output (PyTorch calls f once)
        inside: set[int] = set()  # the tensors PyTorch hands f for the inputs, by id

        def call_func(values: list[object]) -> object:
            inside.update(map(id, values))
            given = list(args)
            for position, value in zip(positions, values, strict=True):
                given[position] = value
            output = self.call_value(transformed.func, given, kwargs, node)
            if transformed.has_aux:
                output, extra = split_aux(transformed.kind, output)
                aux[:] = [extra]
            check_transform_output(transformed.kind, output)
            return output

        run = counted_function(name, call_func, self.budget, span)
        differentiate = (
            torch.autograd.functional.jacobian if name == "jacobian" else torch.autograd.functional.hessian
        )
        # Differentiable in turn when an input records a graph, as torch.func's results are (a
        # transform of a transform: jacrev(grad(f))), or when f reads a tensor from outside that
        # does (a model's weights): recorded whenever grad mode is on, and cut after when it reached
        # only f's inputs (as torch.func's result, which then records nothing).
        inputs_record = any(isinstance(x, torch.Tensor) and x.requires_grad for x in inputs)
        create_graph = inputs_record or torch.is_grad_enabled()
        given = inputs[0] if isinstance(transformed.argnums, int) else inputs

        def compute() -> object:
            result: object = differentiate(run, given, create_graph=create_graph)  # type: ignore[no-untyped-call]
            return cut_unless_outside(result, inside, keep=inputs_record)

        result = self.differentiated(compute, node)
        if not transformed.has_aux:
            return result
        # The aux is not differentiated: cut from f's inputs, kept where it reached a tensor from outside
        return result, cut_unless_outside(aux[0], inside, keep=inputs_record)

    def func_vjp(self, args: list[object], kwargs: dict[str, object], node: ast.AST) -> object:
        """`output, vjp_fn = torch.func.vjp(f, *primals)`: f runs once, recording its graph from
        copies of the primals that require grad; each vjp_fn(v) is one backward pass of it."""
        for key in kwargs:
            if key != "has_aux":
                raise TypeError(f"vjp() got an unexpected keyword argument '{key}'")
        has_aux = bool(self.flag(kwargs, "has_aux", False))
        if not args:
            raise TypeError("vjp() missing 1 required positional argument: 'func'")
        func, primals = args[0], args[1:]
        tensors: list[torch.Tensor] = []
        for primal in primals:
            if not isinstance(primal, torch.Tensor):  # torch.func's own error
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(primal)}")
            tensors.append(self.apply(torch.Tensor.requires_grad_, (primal.detach(),), {}, node))
        inputs = tuple(tensors)
        before = self.budget.operations
        with torch.enable_grad():  # as torch.func.vjp records f's graph whatever the grad mode
            output = self.call_value(func, list(inputs), {}, node)
        aux: object = None
        if has_aux:
            output, aux = self.apply(split_aux, ("vjp", output), {}, node)
        self.apply(check_transform_output, ("vjp", output), {}, node)
        assert isinstance(output, torch.Tensor)
        cost = self.budget.operations - before
        vjp_fn = VjpFunction(output, inputs, cost, self.call_value)
        # The output and aux come from copies of the primals: cut from their graph, unless they reach
        # a tensor f reads from outside that requires grad (a model's weights), as torch.func's do.
        copies = set(map(id, inputs))
        shown = cut_unless_outside(output, copies)
        if has_aux:
            return shown, vjp_fn, cut_unless_outside(aux, copies)
        return shown, vjp_fn

    def call_vjp_function(
        self, vjp_fn: VjpFunction, args: list[object], kwargs: dict[str, object], node: ast.AST
    ) -> tuple[torch.Tensor, ...]:
        """`vjp_fn(v)`: v · Jacobian, one tensor per primal (zeros where f did not use one)."""
        if len(args) != 1 or kwargs:
            given = len(args) + len(kwargs)
            raise TypeError(f"vjp_fn takes 1 positional argument, the cotangent v, but {given} were given")
        span = self.span(node)
        reserve_passes("vjp", 1, vjp_fn.cost, self.budget, span)
        grads = self.apply(
            torch.autograd.grad,
            (vjp_fn.output, vjp_fn.primals, args[0]),
            {"retain_graph": True, "allow_unused": True},
            node,
        )
        result = tuple(
            torch.zeros_like(primal) if grad is None else grad
            for grad, primal in zip(grads, vjp_fn.primals, strict=True)
        )
        self.account_outputs(result, span)
        return result

    def differentiate(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        """Hand a differentiation to the observer; its exceptions are "autograd" ones at the statement."""
        self.budget.count_operation(request.span)
        self.backward_calls += 1
        try:
            return self.observer.run_backward(request)
        except ProgramError:
            raise
        except (MemoryError, RecursionError) as exc:
            raise self.limit_for(exc, request.span) from None
        except Exception as exc:
            mark_origin(exc, request.span, "autograd")
            raise

    @staticmethod
    def bind_arguments(
        name: str, names: Sequence[str], args: list[object], kwargs: dict[str, object]
    ) -> dict[str, object]:
        if len(args) > len(names):
            raise TypeError(f"{name}() takes at most {len(names)} arguments")
        params = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
            if key in params:
                raise TypeError(f"{name}() got multiple values for argument '{key}'")
            params[key] = value
        return params

    @staticmethod
    def flag(params: Mapping[str, object], key: str, default: bool | None) -> bool | None:
        value = params.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{key} must be True or False")
        return value

    @staticmethod
    def tensors(value: object, what: str) -> tuple[torch.Tensor, ...]:
        items = tuple(value) if isinstance(value, list | tuple) else (value,)
        if not items or not all(isinstance(item, torch.Tensor) for item in items):
            raise TypeError(f"{what} must be a tensor or a list of tensors")
        return items

    @staticmethod
    def names_of(node: ast.AST | None, count: int) -> tuple[str | None, ...]:
        """The user's names for differentiated outputs: `y` or `[y, z]`."""
        if isinstance(node, ast.Name):
            return (node.id,)
        if isinstance(node, ast.List | ast.Tuple) and len(node.elts) == count:
            return tuple(e.id if isinstance(e, ast.Name) else None for e in node.elts)
        return tuple(None for _ in range(count))
