"""The class `type(x)` gives: the one CPython gives for the same program.

The evaluator holds some of a program's values in stand-ins of its own (a function of the table, the
program's def, a bound method, a module, grad_fn); their own classes would print as the explorer's
internals (`<class 'autograd_explorer.lang.values.FunctionRef'>`), so each says what it stands for.
"""

from __future__ import annotations

import types

from autograd_explorer.lang.allowlist import GradFn
from autograd_explorer.lang.user_code import BoundUserMethod, UserFunction
from autograd_explorer.lang.values import (
    Bound,
    FunctionApply,
    FunctionRef,
    GeneratedItems,
    ModuleRef,
    SuperRef,
    TensorMethod,
    Transformed,
    VjpFunction,
)

# stand-in -> the class CPython gives for what it stands for
_STANDS_FOR: dict[type, type] = {
    UserFunction: types.FunctionType,  # a def, a lambda
    Transformed: types.FunctionType,  # torch.func.grad(f)
    VjpFunction: types.FunctionType,  # torch.func.vjp's second result
    BoundUserMethod: types.MethodType,  # obj.method of the program's class
    FunctionApply: types.MethodType,  # Exp.apply, a classmethod bound to its class
    TensorMethod: types.BuiltinMethodType,  # x.sum
    Bound: types.BuiltinMethodType,  # xs.append
    ModuleRef: types.ModuleType,  # torch.nn
    SuperRef: super,
    GeneratedItems: types.GeneratorType,  # (x * 2 for x in xs)
}


def name_of(value: object) -> str:
    """`value.__name__` as CPython gives it for a class or a function, the one dunder a program may
    read (`type(layer).__name__`); other values have none, as in CPython."""
    if isinstance(value, FunctionRef):
        stands_for = value.fn.stands_for
        return stands_for.__name__ if isinstance(stands_for, type) else value.fn.name.rsplit(".", 1)[-1]
    if isinstance(value, UserFunction):
        return value.name
    if isinstance(value, BoundUserMethod):
        return value.function.name
    if isinstance(value, type):
        return value.__name__
    raise AttributeError(f"'{shown_type(value).__name__}' object has no attribute '__name__'")


def shown_type(value: object) -> type:
    """The class of `value` as the program's CPython run would see it."""
    if isinstance(value, FunctionRef):  # torch.sin, nn.Linear, int: the class of what it names
        return type(value.fn.stands_for)
    if isinstance(value, GradFn):
        return type(value._node)  # MulBackward0, AccumulateGrad: PyTorch's node class
    return _STANDS_FOR.get(type(value), type(value))
