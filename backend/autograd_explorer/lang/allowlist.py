"""The one table of what a program may call or read: functions, tensor methods, attributes.

Everything a program can reach goes through these tables; the evaluator never looks a
user-written name up anywhere else (no `getattr` on user text). Each entry says how its
result's size is predicted (`growth`) so oversized tensors are refused before allocation.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

# How an entry's result size is predicted before it runs (see lang/growth.py):
# "none": never larger than its tensor arguments (element-wise, reductions, views), an empty
# argument aside (growth.empty_input_bound);
# "broadcast": the broadcast of its tensor arguments; "literal": the numbers in its list argument;
# "tolist" and "sum" make Python lists (their slots are predicted); the others read size arguments.
Growth = Literal[
    "none",
    "broadcast",
    "factory",
    "full",
    "eye",
    "arange",
    "linspace",
    "matmul",
    "outer",
    "concat",
    "literal",
    "tolist",
    "sum",
]
# Entries the evaluator carries out itself because they need the program's context.
Special = Literal["backward", "grad", "range", "print", "context"]

MODULE_ROOTS = frozenset({"torch", "nn", "F"})


@dataclass(frozen=True)
class Function:
    """A callable name: `torch.sin`, its other spellings, and what it runs."""

    name: str
    impl: Callable[..., object] | None
    summary: str
    growth: Growth = "none"
    special: Special | None = None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Method:
    """A tensor method: `x.sum(...)`."""

    name: str
    impl: Callable[..., object] | None
    summary: str
    growth: Growth = "none"
    special: Special | None = None


@dataclass(frozen=True)
class TensorAttribute:
    """A readable tensor attribute: `x.grad`; `settable` ones may be assigned (`x.grad = None`)."""

    name: str
    read: Callable[[torch.Tensor], object]
    summary: str
    settable: bool = False


def _manual_seed(seed: int) -> None:
    # torch.manual_seed returns a Generator object; programs must never hold one.
    torch.manual_seed(seed)


def _has_tensor(args: tuple[object, ...]) -> bool:
    return any(isinstance(arg, torch.Tensor) for arg in args)


def _python_or_torch(python: Callable[..., object], torch_fn: Callable[..., object]) -> Callable[..., object]:
    """Bare `max(a, b)` on numbers is Python's; on tensors it is `torch.max` (as the lecture writes)."""

    def call(*args: object, **kwargs: object) -> object:
        if _has_tensor(args) or _has_tensor(tuple(kwargs.values())):
            return torch_fn(*args, **kwargs)
        # Python's sum of a list of tensors would broadcast them all unchecked: ask for stack.
        if any(isinstance(arg, list | tuple) and torch.Tensor in set(map(type, arg)) for arg in args):
            raise TypeError("a list of tensors: combine them with torch.stack(...) first")
        return python(*args, **kwargs)

    return call


def _concatenating_sum(iterable: object, /, start: object = 0) -> object:
    """Python's sum, but adding lists (or tuples) in one linear pass.

    CPython's sum(lists, []) copies the growing result at every step: quadratic inside one call,
    which no wall-clock check between operations can interrupt. The result is the same.
    """
    if type(start) not in (list, tuple) or type(iterable) not in (list, tuple):
        return builtins.sum(iterable, start)  # type: ignore[call-overload]
    assert isinstance(start, list | tuple) and isinstance(iterable, list | tuple)
    kind = type(start)
    if set(map(type, iterable)) - {kind}:  # the element types, collected in C
        for item in iterable:
            if isinstance(item, torch.Size):  # CPython would turn the result into a torch.Size
                raise TypeError("sum() adds lists or plain tuples, not torch.Size")
            if type(item) is not kind:
                # CPython's own message for `[] + (1,)`
                raise TypeError(
                    f'can only concatenate {kind.__name__} (not "{type(item).__name__}") to {kind.__name__}'
                )
    return kind(itertools.chain(start, *iterable))


def _grad_fn_name(tensor: torch.Tensor) -> str | None:
    # Never hand out the Node object itself: its next_functions/_saved_* open the whole graph.
    node = tensor.grad_fn
    return None if node is None else node.name()


def _torch_fn(name: str, impl: Callable[..., object], summary: str, growth: Growth = "none") -> Function:
    return Function(f"torch.{name}", impl, summary, growth, spellings=(f"torch.{name}", name))


def _functional(name: str, impl: Callable[..., object], summary: str, growth: Growth = "none") -> Function:
    paths = ("torch.nn.functional", "nn.functional", "F")
    return Function(f"F.{name}", impl, summary, growth, spellings=tuple(f"{p}.{name}" for p in paths))


FUNCTIONS: tuple[Function, ...] = (
    # --- making tensors ---------------------------------------------------------------
    _torch_fn(
        "tensor", torch.tensor, "a tensor from a number or nested list (dtype=, requires_grad=)", "literal"
    ),
    _torch_fn("ones", torch.ones, "a tensor of ones of the given size", "factory"),
    _torch_fn("zeros", torch.zeros, "a tensor of zeros of the given size", "factory"),
    _torch_fn("full", torch.full, "full(size, value): a tensor filled with value", "full"),
    _torch_fn("eye", torch.eye, "the identity matrix eye(n) or eye(n, m)", "eye"),
    _torch_fn("arange", torch.arange, "arange(start, end, step): evenly spaced values", "arange"),
    _torch_fn("linspace", torch.linspace, "linspace(start, end, steps)", "linspace"),
    _torch_fn("rand", torch.rand, "uniform random numbers in [0, 1)", "factory"),
    _torch_fn("randn", torch.randn, "standard normal random numbers", "factory"),
    _torch_fn("manual_seed", _manual_seed, "seed the random number generator"),
    _torch_fn("ones_like", torch.ones_like, "ones with the shape of a tensor"),
    _torch_fn("zeros_like", torch.zeros_like, "zeros with the shape of a tensor"),
    # --- element-wise ------------------------------------------------------------------
    _torch_fn("sin", torch.sin, "sine"),
    _torch_fn("cos", torch.cos, "cosine"),
    _torch_fn("tan", torch.tan, "tangent"),
    _torch_fn("exp", torch.exp, "exponential"),
    _torch_fn("log", torch.log, "natural logarithm"),
    _torch_fn("sqrt", torch.sqrt, "square root"),
    _torch_fn("square", torch.square, "square"),
    _torch_fn("tanh", torch.tanh, "hyperbolic tangent"),
    _torch_fn("sigmoid", torch.sigmoid, "logistic sigmoid"),
    _torch_fn("relu", torch.relu, "max(x, 0)"),
    Function(
        "torch.softplus",
        F.softplus,
        "log(1 + exp(x))",
        spellings=(
            "torch.softplus",
            "softplus",
            "torch.nn.functional.softplus",
            "nn.functional.softplus",
            "F.softplus",
        ),
    ),
    _torch_fn("pow", torch.pow, "pow(x, p): x to the power p", "broadcast"),
    _torch_fn("clamp", torch.clamp, "clamp(x, min=, max=)", "broadcast"),
    _torch_fn("where", torch.where, "where(condition, a, b)", "broadcast"),
    # --- reductions ----------------------------------------------------------------------
    _torch_fn("sum", torch.sum, "sum of elements (dim=)"),
    _torch_fn("mean", torch.mean, "mean of elements (dim=)"),
    _torch_fn("prod", torch.prod, "product of elements (dim=)"),
    _torch_fn("norm", torch.norm, "vector/matrix norm (p=, dim=)"),
    _torch_fn("max", torch.max, "largest element, or max(x, dim), or element-wise max(a, b)", "broadcast"),
    _torch_fn("min", torch.min, "smallest element, or min(x, dim), or element-wise min(a, b)", "broadcast"),
    _torch_fn("abs", torch.abs, "absolute value"),
    _torch_fn("softmax", torch.softmax, "softmax(x, dim)"),
    _torch_fn("log_softmax", torch.log_softmax, "log_softmax(x, dim)"),
    # --- linear algebra and shapes ---------------------------------------------------------
    _torch_fn("matmul", torch.matmul, "matrix product (also the @ operator)", "matmul"),
    _torch_fn("mm", torch.mm, "matrix-matrix product", "matmul"),
    _torch_fn("dot", torch.dot, "dot product of two vectors", "matmul"),
    _torch_fn("outer", torch.outer, "outer product of two vectors", "outer"),
    _torch_fn("stack", torch.stack, "stack(tensors, dim=0)", "concat"),
    _torch_fn("cat", torch.cat, "cat(tensors, dim=0)", "concat"),
    # --- torch.nn.functional ----------------------------------------------------------------
    _functional("relu", F.relu, "max(x, 0)"),
    _functional("sigmoid", torch.sigmoid, "logistic sigmoid"),
    _functional("tanh", torch.tanh, "hyperbolic tangent"),
    _functional("softmax", F.softmax, "softmax(x, dim)"),
    _functional("log_softmax", F.log_softmax, "log_softmax(x, dim)"),
    _functional("mse_loss", F.mse_loss, "mean squared error (reduction=)", "broadcast"),
    _functional("l1_loss", F.l1_loss, "mean absolute error (reduction=)", "broadcast"),
    _functional("huber_loss", F.huber_loss, "Huber loss (delta=, reduction=)", "broadcast"),
    _functional("binary_cross_entropy", F.binary_cross_entropy, "BCE on probabilities", "broadcast"),
    _functional(
        "binary_cross_entropy_with_logits",
        F.binary_cross_entropy_with_logits,
        "BCE on logits (numerically stable)",
        "broadcast",
    ),
    _functional("cross_entropy", F.cross_entropy, "cross-entropy of logits and class indices", "broadcast"),
    # --- differentiation and grad mode ------------------------------------------------------
    Function(
        "torch.autograd.grad",
        None,
        "grad(outputs, inputs, grad_outputs=, retain_graph=, create_graph=): gradients, .grad untouched",
        special="grad",
        spellings=("torch.autograd.grad",),
    ),
    Function(
        "torch.no_grad",
        torch.no_grad,
        "with torch.no_grad(): build no graph",
        special="context",
        spellings=("torch.no_grad", "no_grad"),
    ),
    Function(
        "torch.enable_grad",
        torch.enable_grad,
        "with torch.enable_grad(): build the graph again",
        special="context",
        spellings=("torch.enable_grad", "enable_grad"),
    ),
    # --- Python built-ins ------------------------------------------------------------------
    Function("range", None, "only as `for _ in range(n):`", special="range", spellings=("range",)),
    Function(
        "print",
        None,
        "print values; the text is returned with the run",
        special="print",
        spellings=("print",),
    ),
    Function("len", builtins.len, "length of the first dimension / of a list", spellings=("len",)),
    Function("float", builtins.float, "a Python float (one-element tensors too)", spellings=("float",)),
    Function("int", builtins.int, "a Python int (one-element tensors too)", spellings=("int",)),
    Function(
        "abs", _python_or_torch(builtins.abs, torch.abs), "abs of a number, or torch.abs", spellings=("abs",)
    ),
    Function(
        "max",
        _python_or_torch(builtins.max, torch.max),
        "max of numbers, or torch.max",
        "broadcast",
        spellings=("max",),
    ),
    Function(
        "min",
        _python_or_torch(builtins.min, torch.min),
        "min of numbers, or torch.min",
        "broadcast",
        spellings=("min",),
    ),
    Function(
        "sum",
        _python_or_torch(_concatenating_sum, torch.sum),
        "sum of numbers (or of lists, with start=[]), or torch.sum",
        "sum",
        spellings=("sum",),
    ),
)

# Spellings are unique; the bare Python spellings (abs, max, min, sum) come last and win.
SPELLINGS: dict[str, Function] = {spelling: fn for fn in FUNCTIONS for spelling in fn.spellings}

CONSTANTS: dict[str, object] = {
    "torch.float32": torch.float32,
    "torch.float": torch.float32,
    "torch.float64": torch.float64,
    "torch.double": torch.float64,
    "torch.int64": torch.int64,
    "torch.long": torch.int64,
    "torch.bool": torch.bool,
    "torch.pi": torch.pi,
    "torch.e": torch.e,
}

# `x.dtype` reads as text ('torch.float32'); a dtype= argument may be given back as that text.
DTYPE_NAMES: dict[str, torch.dtype] = {
    str(dtype): dtype for dtype in CONSTANTS.values() if isinstance(dtype, torch.dtype)
}
LOSSES = frozenset(
    f"F.{name}"
    for name in (
        "mse_loss",
        "l1_loss",
        "huber_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
    )
)

T = torch.Tensor
METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("sum", T.sum, "sum of elements (dim=, keepdim=)"),
        Method("mean", T.mean, "mean of elements (dim=, keepdim=)"),
        Method("prod", T.prod, "product of elements"),
        Method("norm", T.norm, "norm (p=, dim=)"),
        Method("max", T.max, "largest element, or max(dim)"),
        Method("min", T.min, "smallest element, or min(dim)"),
        Method("pow", T.pow, "x.pow(p)", "broadcast"),
        Method("sqrt", T.sqrt, "square root"),
        Method("square", T.square, "square"),
        Method("exp", T.exp, "exponential"),
        Method("log", T.log, "natural logarithm"),
        Method("abs", T.abs, "absolute value"),
        Method("sin", T.sin, "sine"),
        Method("cos", T.cos, "cosine"),
        Method("relu", T.relu, "max(x, 0)"),
        Method("tanh", T.tanh, "hyperbolic tangent"),
        Method("sigmoid", T.sigmoid, "logistic sigmoid"),
        Method("view", T.view, "the same data with another shape"),
        Method("reshape", T.reshape, "another shape (copies if needed)"),
        Method("t", T.t, "transpose of a matrix"),
        Method("unsqueeze", T.unsqueeze, "insert a dimension of size 1"),
        Method("squeeze", T.squeeze, "remove dimensions of size 1"),
        Method("float", T.float, "convert to float32"),
        Method("double", T.double, "convert to float64"),
        Method("detach", T.detach, "the same values, cut from the graph"),
        Method("clone", T.clone, "a copy that stays in the graph"),
        Method("retain_grad", T.retain_grad, "keep .grad of this intermediate after backward"),
        Method("requires_grad_", T.requires_grad_, "start (or stop) recording operations on a leaf"),
        Method("add_", T.add_, "in-place add"),
        Method("sub_", T.sub_, "in-place subtract"),
        Method("mul_", T.mul_, "in-place multiply"),
        Method("div_", T.div_, "in-place divide"),
        Method("zero_", T.zero_, "in-place fill with zeros (e.g. x.grad.zero_())"),
        Method("backward", None, "backward(gradient=, retain_graph=, create_graph=)", special="backward"),
        Method("item", T.item, "the Python number of a one-element tensor"),
        Method("size", T.size, "the shape, or size(dim)"),
        Method("dim", T.dim, "number of dimensions"),
        Method("numel", T.numel, "number of elements"),
        Method("tolist", T.tolist, "nested Python lists", "tolist"),
    )
}


def _set_grad(tensor: torch.Tensor, value: object) -> None:
    if value is not None and not isinstance(value, torch.Tensor):
        raise TypeError("x.grad can only be assigned None or a tensor")
    tensor.grad = value


def _set_data(tensor: torch.Tensor, value: object) -> None:
    if not isinstance(value, torch.Tensor):
        raise TypeError("x.data can only be assigned a tensor")
    tensor.data = value


def _set_requires_grad(tensor: torch.Tensor, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError("x.requires_grad can only be assigned True or False")
    tensor.requires_grad = value


ATTRIBUTES: dict[str, TensorAttribute] = {
    a.name: a
    for a in (
        TensorAttribute("grad", lambda t: t.grad, "the gradient accumulated by backward (None before)", True),
        TensorAttribute("data", lambda t: t.data, "the values without the graph", True),
        TensorAttribute(
            "requires_grad", lambda t: t.requires_grad, "does autograd record operations on it", True
        ),
        TensorAttribute(
            "grad_fn", _grad_fn_name, "name of the node that made it (e.g. 'PowBackward0') or None"
        ),
        TensorAttribute("is_leaf", lambda t: t.is_leaf, "made by the user, not by an operation"),
        TensorAttribute("shape", lambda t: t.shape, "the size of each dimension"),
        TensorAttribute("ndim", lambda t: t.ndim, "number of dimensions"),
        TensorAttribute("dtype", lambda t: str(t.dtype), "element type, as text (e.g. 'torch.float32')"),
        TensorAttribute("T", lambda t: t.T, "transpose"),
    )
}

# Assigning these attributes goes through explicit setters, never setattr.
SETTERS: dict[str, Callable[[torch.Tensor, object], None]] = {
    "grad": _set_grad,
    "data": _set_data,
    "requires_grad": _set_requires_grad,
}

# In-place meaning of augmented assignment on a tensor (`y += 1` is `y.add_(1)`), as in PyTorch.
IN_PLACE: dict[str, Callable[..., torch.Tensor]] = {
    "Add": T.add_,
    "Sub": T.sub_,
    "Mult": T.mul_,
    "Div": T.div_,
    "Pow": T.pow_,
    "FloorDiv": T.floor_divide_,
    "Mod": T.remainder_,
}

STATEMENTS: tuple[str, ...] = (
    "name = expression (also a, b = ... and x[i] = ...)",
    "name += expression (-=, *=, /=): in place on tensors, as in PyTorch",
    "x.grad = None (also x.data = ..., x.requires_grad = ...)",
    "expression (e.g. y.backward(), print(x.grad))",
    "with torch.no_grad(): ... / with torch.enable_grad(): ...",
    "for i in range(n): ... (nested loops share one iteration budget)",
    "pass",
)
OPERATORS: tuple[str, ...] = (
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "@",
    "<<",
    ">>",
    "unary -",
    "unary +",
    "~",
    "not",
    "and",
    "or",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "is None",
    "is not None",
    "x[i, j:k, None, ...]",
)


def describe_allowlist() -> dict[str, object]:
    """The language's vocabulary as JSON-ready data (for GET /api/language and the docs)."""
    return {
        "functions": [
            {"name": fn.name, "spellings": list(fn.spellings), "summary": fn.summary} for fn in FUNCTIONS
        ],
        "methods": [{"name": f"x.{m.name}()", "summary": m.summary} for m in METHODS.values()],
        "attributes": [
            {"name": f"x.{a.name}", "summary": a.summary, "settable": a.settable} for a in ATTRIBUTES.values()
        ],
        "constants": sorted(CONSTANTS),
        "statements": list(STATEMENTS),
        "operators": list(OPERATORS),
    }
