"""The values a running program holds besides PyTorch's and Python's own, and its scopes.

A program reaches library code only through these wrappers, each made by the evaluator after a
table lookup (lang/allowlist.py): a module path (`torch.nn`), a function of the table, a bound
method of the table. Scopes follow Python's rules: a function sees its own names, then those of
the functions around it, then the program's; a class body's names are not seen by its methods.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from autograd_explorer.lang.allowlist import Function, Method
from autograd_explorer.lang.contract import Span


@dataclass(frozen=True)
class ModuleRef:
    """A module of the table, e.g. `torch.nn` after `import torch.nn as nn`."""

    path: str

    def __repr__(self) -> str:
        return f"<module '{self.path}'>"


# How a wrapper is called when library code calls it (`sorted(xs, key=abs)`, `map(torch.sin, xs)`):
# through the evaluator's call_value, so the budget and size checks apply as for the program's calls.
Runner = Callable[[object, list[object], dict[str, object]], object]


class _Callable:
    runner: Runner

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.runner(self, list(args), dict(kwargs))

    def __deepcopy__(self, memo: dict[int, object]) -> object:
        # The same object, as copy.deepcopy gives a Python function: nn.TransformerEncoder deep-copies
        # a layer whose activation may be one, and a copy would copy the evaluator behind `runner`.
        return self


@dataclass(frozen=True)
class FunctionRef(_Callable):
    """A function or class of the table held as a value (`criterion = nn.MSELoss`, `f = torch.relu`)."""

    fn: Function
    runner: Runner = field(compare=False)

    def __repr__(self) -> str:
        impl = self.fn.stands_for
        if isinstance(impl, type):
            return repr(impl)  # as Python prints it: <class 'int'>, <class 'torch.nn.modules.linear.Linear'>
        return f"<built-in function {self.fn.name.rsplit('.', 1)[-1]}>"


@dataclass(frozen=True, eq=False)
class TensorMethod(_Callable):
    """`x.sum` before it is called: the table's method and its tensor."""

    tensor: torch.Tensor
    method: Method
    runner: Runner = field(compare=False)

    def __repr__(self) -> str:
        return f"<built-in method {self.method.name} of Tensor object at {id(self.tensor):#x}>"


@dataclass(frozen=True, eq=False)
class Bound(_Callable):
    """A method the evaluator looked up on a program's value after checking the table (or super())."""

    call: Callable[..., object]
    name: str
    runner: Runner = field(compare=False)
    owner: object = None  # the value the method belongs to (a list that grows is checked first)

    def __repr__(self) -> str:
        return f"<bound method {self.name}>"


@dataclass(frozen=True, eq=False)
class Transformed(_Callable):
    """`torch.func.grad(f, argnums)` (or jacrev, jacfwd, hessian): the program's function `f`,
    differentiated when it is called with f's arguments (calls.py, sized by lang/functional.py)."""

    kind: str
    func: object
    argnums: int | tuple[int, ...]
    runner: Runner = field(compare=False)
    has_aux: bool = False  # f returns (output, aux): the call returns (result, aux)

    def __repr__(self) -> str:
        return f"<function {self.kind}.<locals>.wrapper at {id(self):#x}>"


@dataclass(frozen=True, eq=False)
class VjpFunction(_Callable):
    """The `vjp_fn` of `output, vjp_fn = torch.func.vjp(f, *primals)`: `vjp_fn(v)` runs one backward
    pass from `output` to the primals (each call costs about what f's run did)."""

    output: torch.Tensor
    primals: tuple[torch.Tensor, ...]
    cost: int
    runner: Runner = field(compare=False)

    def __repr__(self) -> str:
        return f"<function _vjp_with_argnums.<locals>.wrapper at {id(self):#x}>"


@dataclass(frozen=True, eq=False)
class FunctionApply(_Callable):
    """`Exp.apply` of a program's torch.autograd.Function subclass: PyTorch's own apply, which runs
    the program's forward and records the node whose backward the engine will call."""

    cls: type
    runner: Runner = field(compare=False)

    def __repr__(self) -> str:
        return f"<bound method Function.apply of <class '__main__.{self.cls.__qualname__}'>>"


@dataclass(frozen=True)
class SuperRef:
    """`super()` inside a method: attribute reads go to the base classes of `cls`."""

    cls: type
    obj: object


class GeneratedItems:
    """A generator expression's items (computed when it is evaluated: programs have no endless sources)."""

    def __init__(self, items: list[object]) -> None:
        self.items = items
        self._iterator = iter(items)

    def __iter__(self) -> Iterator[object]:
        return self

    def __next__(self) -> object:
        return next(self._iterator)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<generator object <genexpr> at {id(self):#x}>"


@dataclass
class Scope:
    """The names of the program, of one call of a function, or of a class body being run."""

    names: dict[str, object]
    parent: Scope | None = None
    local_names: frozenset[str] = frozenset()  # assigned somewhere in the function: local throughout
    is_class: bool = False
    function: object = None  # the UserFunction running in this scope (None: program or class body)
    first_argument: object = None  # `self`, for super()
    label: str = ""  # the qualified name of what is defined here: `Net`, `f.<locals>`

    def enclosing(self) -> Scope | None:
        """Where a function defined here looks next: class bodies are skipped, as in Python."""
        scope: Scope | None = self
        while scope is not None and scope.is_class:
            scope = scope.parent
        return scope

    def find(self, name: str) -> tuple[bool, object]:
        """(found, value): this scope, then the enclosing ones (class bodies skipped)."""
        if name in self.names:
            return True, self.names[name]
        if name in self.local_names:
            raise UnboundLocalError(
                f"cannot access local variable '{name}' where it is not associated with a value"
            )
        scope = self.parent
        while scope is not None:
            if not scope.is_class and name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


class BreakLoop(BaseException):
    """`break`: a BaseException, so no handler of the program can catch it."""


class ContinueLoop(BaseException):
    """`continue`."""


@dataclass
class ReturnValue(BaseException):
    """`return value`."""

    value: object = None


@dataclass
class RaisedAt:
    """Where an exception of the program was raised, and the calls it passed through on its way out."""

    span: Span
    kind: str = "runtime"  # "autograd" when backward() or autograd.grad raised it
    calls: list[tuple[str, Span]] = field(default_factory=list)
    # The tensor the operation that raised was changing in place (`w -= lr * w.grad`, `w.sub_(…)`):
    # PyTorch refuses it for a leaf that requires grad, and the trace marks that tensor's node.
    changing: object = None


# `w -= x` reaches a TorchFunctionMode as Tensor.__isub__; `w.sub_(x)` as sub_.
_OPERATORS = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor")
_IN_PLACE_OPERATORS = frozenset(f"__i{op}__" for op in (*_OPERATORS, "lshift", "rshift"))


def changes_in_place(name: str) -> bool:
    """`w -= x` (Tensor.__isub__) or `add_`, `sub_`, `zero_`: PyTorch's spelling of an operation
    that changes its tensor (RaisedAt.changing is that tensor when it raises)."""
    return name in _IN_PLACE_OPERATORS or (name.endswith("_") and not name.startswith("_"))


# Exceptions carry their origin in one attribute of this name (programs cannot read `_` names).
ORIGIN = "_explorer_origin"


def origin_of(exc: BaseException) -> RaisedAt | None:
    """Where the program's exception was raised, once recorded."""
    value = exc.__dict__.get(ORIGIN) if hasattr(exc, "__dict__") else None
    return value if isinstance(value, RaisedAt) else None


def mark_origin(exc: BaseException, span: Span, kind: str = "runtime", changing: object = None) -> None:
    """Record where an exception was raised (the innermost place only)."""
    if origin_of(exc) is None and hasattr(exc, "__dict__"):
        exc.__dict__[ORIGIN] = RaisedAt(span, kind, changing=changing)


def own_yields(node: ast.FunctionDef) -> list[ast.Yield | ast.YieldFrom]:
    """The `yield`s (and `yield from`s) of a function's own body: not of the functions, classes,
    lambdas or comprehensions in it (a `yield` there is theirs, or not Python)."""
    found: list[ast.Yield | ast.YieldFrom] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FunctionDef | ast.ClassDef | ast.Lambda | ast.ListComp | ast.SetComp):
            continue
        if isinstance(item, ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(item, ast.Yield | ast.YieldFrom):
            found.append(item)
        stack.extend(ast.iter_child_nodes(item))
    return found


def function_locals(node: ast.FunctionDef | ast.Lambda) -> frozenset[str]:
    """Names a function assigns (its parameters included): Python makes them local to the whole body."""
    args = node.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    if isinstance(node, ast.Lambda):
        return frozenset(names)
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FunctionDef | ast.ClassDef):
            names.add(item.name)
            continue  # their bodies are their own scopes
        if isinstance(item, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store | ast.Del):
            names.add(item.id)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            names.add(item.name)
        elif isinstance(item, ast.Import | ast.ImportFrom):
            continue
        stack.extend(ast.iter_child_nodes(item))
    return frozenset(names)
