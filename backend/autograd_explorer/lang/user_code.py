"""The program's own functions and classes: what `def`, `lambda` and `class` make.

A function is a `UserFunction` whose body the evaluator runs when it is called, whoever calls it
(the program, `nn.Module.__call__` running `forward`, `sorted(key=...)`). A class is a real Python
class made with `type(name, bases, namespace)` from the class body's names, so an `nn.Module`
subclass is PyTorch's own: `model.parameters()` is PyTorch's. What a program may read from its
objects is decided here: what it set itself, what its classes define, and the table's members.
"""

from __future__ import annotations

import ast
import inspect
import weakref
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any

import torch

from autograd_explorer.lang.allowlist import find_member
from autograd_explorer.lang.values import own_yields

if TYPE_CHECKING:
    from autograd_explorer.lang.data_classes import Field

# The bases a class may have besides the program's own classes: models, exceptions, datasets,
# custom autograd functions.
ALLOWED_BASES: tuple[type, ...] = (
    torch.nn.Module,
    BaseException,
    torch.utils.data.Dataset,
    torch.autograd.Function,
)
# What an autograd Function's `ctx` (its graph node, a BackwardCFunction) has of its own: a program
# may set other attributes on it (`ctx.constant = c`), never these (`ctx.apply` is what the engine
# calls to run the backward).
CONTEXT_API = frozenset(dir(torch.autograd.function.BackwardCFunction))


class UserFunction:
    """A function of the program (`def` or `lambda`), callable from Python like any function."""

    def __init__(
        self,
        node: ast.FunctionDef | ast.Lambda,
        name: str,
        qualname: str,
        defaults: Sequence[object],
        kw_defaults: Mapping[str, object],
        closure: object,
        local_names: frozenset[str],
        runner: Callable[[UserFunction, tuple[object, ...], dict[str, object]], object],
    ) -> None:
        self.node = node
        self.name = name
        self.qualname = qualname
        self.defaults = tuple(defaults)
        self.kw_defaults = dict(kw_defaults)
        self.closure = closure  # the Scope it was defined in
        self.local_names = local_names
        self.owner_class: type | None = None  # set when its class is made (for super())
        # An autograd Function's backward: PyTorch's engine calls it during a backward pass, whose
        # tensors are no values of the program's forward graph (the observer is not told of them).
        self.runs_in_engine = False
        # A def with `yield` of its own: it runs to its end when called, and gives what it yielded.
        self.is_generator = isinstance(node, ast.FunctionDef) and bool(own_yields(node))
        # Its decorators' grad modes (`@torch.no_grad()`), outermost first: entered at every call.
        self.grad_modes: tuple[Callable[[], AbstractContextManager[object]], ...] = ()
        self._runner = runner

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._runner(self, args, kwargs)

    def __deepcopy__(self, memo: dict[int, object]) -> UserFunction:
        # The same function, as copy.deepcopy gives a Python function (nn.TransformerEncoder
        # deep-copies a layer whose activation may be one): a copy would copy its scope and the
        # evaluator behind its runner, and see the copied names, not the program's.
        return self

    @cached_property
    def parameters(self) -> tuple[str, ...]:
        """Its named parameters in the order the def lists them (not *args, **kwargs)."""
        spec = self.node.args
        return tuple(a.arg for a in (*spec.posonlyargs, *spec.args, *spec.kwonlyargs))

    def __get__(self, instance: object, owner: type | None = None) -> object:
        # A function in a class body becomes a method, as Python's functions do.
        return self if instance is None else BoundUserMethod(self, instance)

    def __repr__(self) -> str:
        return f"<function {self.qualname} at {id(self):#x}>"

    @property
    def __signature__(self) -> inspect.Signature:
        """Its parameters as Python's `inspect` tells them: PyTorch's Function.apply binds a
        setup_context-style forward's default arguments with it."""
        spec = self.node.args
        kind = inspect.Parameter
        positional = [*spec.posonlyargs, *spec.args]
        first_default = len(positional) - len(self.defaults)
        parameters = [
            kind(
                a.arg,
                kind.POSITIONAL_ONLY if a in spec.posonlyargs else kind.POSITIONAL_OR_KEYWORD,
                default=self.defaults[i - first_default] if i >= first_default else kind.empty,
            )
            for i, a in enumerate(positional)
        ]
        if spec.vararg is not None:
            parameters.append(kind(spec.vararg.arg, kind.VAR_POSITIONAL))
        parameters += [
            kind(a.arg, kind.KEYWORD_ONLY, default=self.kw_defaults.get(a.arg, kind.empty))
            for a in spec.kwonlyargs
        ]
        if spec.kwarg is not None:
            parameters.append(kind(spec.kwarg.arg, kind.VAR_KEYWORD))
        return inspect.Signature(parameters)

    def bind(self, args: Sequence[object], kwargs: Mapping[str, object]) -> dict[str, object]:
        """Parameters bound to arguments by Python's rules, with Python's messages."""
        spec = self.node.args
        positional = [a.arg for a in (*spec.posonlyargs, *spec.args)]
        keyword_only = [a.arg for a in spec.kwonlyargs]
        bound: dict[str, object] = {}
        name = f"{self.qualname}()"
        if len(args) > len(positional) and spec.vararg is None:
            given = len(args)
            takes = len(positional)
            if self.defaults:
                takes_text = f"from {takes - len(self.defaults)} to {takes} positional arguments"
            else:
                takes_text = f"{takes} positional argument{'' if takes == 1 else 's'}"
            were = "was" if given == 1 else "were"
            raise TypeError(f"{name} takes {takes_text} but {given} {were} given")
        for param, value in zip(positional, args, strict=False):
            bound[param] = value
        if spec.vararg is not None:
            bound[spec.vararg.arg] = tuple(args[len(positional) :])
        extra: dict[str, object] = {}
        posonly = {a.arg for a in spec.posonlyargs}
        for key, value in kwargs.items():
            if key in bound and key not in posonly:
                raise TypeError(f"{name} got multiple values for argument '{key}'")
            if (key in positional and key not in posonly) or key in keyword_only:
                bound[key] = value
            elif spec.kwarg is not None:
                extra[key] = value
            else:
                raise TypeError(f"{name} got an unexpected keyword argument '{key}'")
        first_default = len(positional) - len(self.defaults)
        missing = []
        for i, param in enumerate(positional):
            if param not in bound:
                if i >= first_default:
                    bound[param] = self.defaults[i - first_default]
                else:
                    missing.append(param)
        if missing:
            listed = _listing(missing)
            plural = "s" if len(missing) > 1 else ""
            raise TypeError(f"{name} missing {len(missing)} required positional argument{plural}: {listed}")
        missing = []
        for param in keyword_only:
            if param not in bound:
                if param in self.kw_defaults:
                    bound[param] = self.kw_defaults[param]
                else:
                    missing.append(param)
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise TypeError(
                f"{name} missing {len(missing)} required keyword-only argument{plural}: {_listing(missing)}"
            )
        if spec.kwarg is not None:
            bound[spec.kwarg.arg] = extra
        return bound


def _listing(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


class UserClassMethod:
    """`@classmethod` on a program's method: bound to the class, as Python's classmethod binds it
    (a BoundUserMethod, which the evaluator calls like any of the program's methods)."""

    def __init__(self, function: UserFunction) -> None:
        self.function = function

    def __get__(self, instance: object, owner: type | None = None) -> BoundUserMethod:
        return BoundUserMethod(self.function, owner if owner is not None else type(instance))


class UserProperty:
    """`@property` on a program's method: reading `obj.name` calls it, as Python's property does (a
    read-only one: the program has no `@name.setter`, so assigning is Python's AttributeError)."""

    def __init__(self, function: UserFunction) -> None:
        self.function = function

    def __get__(self, instance: object, owner: type | None = None) -> object:
        return self if instance is None else self.function(instance)

    def __set__(self, instance: object, value: object) -> None:
        raise AttributeError(
            f"property '{self.function.name}' of '{type(instance).__name__}' object has no setter"
        )


def defined_function(value: object) -> UserFunction | None:
    """The program's function a class body holds: plain, or under @staticmethod / @classmethod /
    @property (and PyTorch's @once_differentiable, whose wrapper keeps it as `__wrapped__`)."""
    if isinstance(value, staticmethod):
        value = inspect.unwrap(value.__func__)
    elif isinstance(value, UserClassMethod | UserProperty):
        value = value.function
    return value if isinstance(value, UserFunction) else None


class BoundUserMethod:
    """`model.forward`: a program's function bound to an instance."""

    def __init__(self, function: UserFunction, instance: object) -> None:
        self.function = function
        self.instance = instance

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self.function(self.instance, *args, **kwargs)

    def __deepcopy__(self, memo: dict[int, object]) -> BoundUserMethod:
        return self  # as UserFunction's

    def __repr__(self) -> str:
        return f"<bound method {self.function.qualname} of {self.instance!r}>"


class UserClasses:
    """The classes a program made, the names each defines, and what the program set on each object."""

    def __init__(self) -> None:
        self.defined: dict[type, set[str]] = {}
        self.fields: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
        # An autograd Function's node class (`ExpBackward`, made by PyTorch) -> the program's class:
        # its objects are the `ctx` the program's forward and backward are given.
        self.contexts: dict[type, type] = {}
        # A @dataclass class -> its fields in order (a data class that subclasses it takes them first).
        self.data_fields: dict[object, list[Field]] = {}

    def make(self, name: str, bases: Sequence[object], body: dict[str, object], doc: str | None) -> type:
        """A real class from a class body's names (methods, attributes)."""
        for base in bases:
            if not isinstance(base, type) or not (base in self.defined or issubclass(base, ALLOWED_BASES)):
                raise TypeError(
                    f"class {name}: a base class must be nn.Module, an exception, Dataset, "
                    f"torch.autograd.Function or a class of the program, not {base!r}"
                )
        namespace: dict[str, object] = {"__module__": "__main__", "__qualname__": name, "__doc__": doc}
        namespace.update(body)
        classes = tuple(base for base in bases if isinstance(base, type))
        # A torch.autograd.Function subclass is made by PyTorch's FunctionMeta (the metaclass
        # type() picks from the base), which makes its node class: `Exp` gets `ExpBackward`.
        cls = type(name, classes or (object,), namespace)
        for value in body.values():
            function = defined_function(value)
            if function is not None:
                function.owner_class = cls
        if issubclass(cls, torch.autograd.Function):
            self.contexts[cls._backward_cls] = cls
            backward = defined_function(body.get("backward"))
            if backward is not None:
                backward.runs_in_engine = True
        inherited: set[str] = set(body)
        for base in cls.__mro__[1:]:
            inherited |= self.defined.get(base, set())
        self.defined[cls] = inherited
        return cls

    def is_instance(self, value: object) -> bool:
        """Is `value` an object of one of the program's classes?"""
        return type(value) in self.defined

    def readable(self, owner: object, name: str) -> bool:
        """May the program read `owner.name`: set by it, or defined by its classes?"""
        if isinstance(owner, type) and owner in self.defined:
            return name in self.defined[owner]
        if type(owner) in self.defined:
            return name in self.defined[type(owner)] or name in self.fields.get(owner, ())
        if type(owner) in self.contexts:  # `ctx.constant`, set by the program's forward
            return name in self.fields.get(owner, ())
        return False

    def autograd_function(self, owner: object) -> bool:
        """Is `owner` a program's subclass of torch.autograd.Function (`Exp.apply` may be read)?"""
        return (
            isinstance(owner, type) and owner in self.defined and issubclass(owner, torch.autograd.Function)
        )

    def set_attribute(self, owner: object, name: str, value: object) -> None:
        """`owner.name = value` on an object (or a class) of the program's (nn.Module registers layers)."""
        if isinstance(owner, type) and owner in self.defined:  # a class attribute: `Running.created += 1`
            write_checked(owner, name, value)
            self.defined[owner].add(name)
            return
        if type(owner) in self.contexts:  # `ctx.constant = c`: a new name, never the node's own
            if name in CONTEXT_API:
                raise AttributeError(
                    f"cannot assign to ctx.{name}: it belongs to the autograd context (PyTorch's "
                    f"{type(owner).__name__} node); choose another name"
                )
            write_checked(owner, name, value)
            self.fields.setdefault(owner, set()).add(name)
            return
        if (
            type(owner) not in self.defined
            and isinstance(owner, torch.nn.Module)
            and module_entry(owner, name) is not NO_ENTRY
        ):
            # a library module's parameter, buffer or layer replaced by what nn.Module.__setattr__
            # registers (its own TypeError for a plain tensor as a parameter): weight tying,
            # `head.weight = emb.weight`, or a new head, `model.fc = nn.Linear(512, 10)`
            write_checked(owner, name, value)
            return
        if type(owner) not in self.defined:
            raise AttributeError(
                f"'{type(owner).__name__}' object attribute '{name}' cannot be assigned here: only "
                f"tensors' grad/data/requires_grad and the attributes of the program's own objects"
            )
        member = find_member(owner, name)
        if member is not None and member.kind == "method":
            raise AttributeError(
                f"cannot assign to .{name}: it is a method of {type(owner).__mro__[1].__name__}"
            )
        write_checked(owner, name, value)
        self.fields.setdefault(owner, set()).add(name)


# The only two places the language reads or writes an attribute by a name the program wrote.
# Callers check the name first: what the program set itself, what its classes define, or a member
# of the table for the owner's type (lang/allowlist.py: find_member); never a `_` name.


def read_checked(owner: object, name: str) -> object:
    """`owner.name` after the caller checked that the program may read it."""
    return getattr(owner, name)


# What module_entry gives when the module registered nothing by that name.
NO_ENTRY = object()


def module_entry(module: torch.nn.Module, name: str) -> object:
    """A parameter, buffer or submodule a module registered by `name`, read as nn.Module.__getattr__
    reads it, from its own tables by key (never getattr with the program's text): names given at run
    time (`add_module(f"fc{i}", ...)`, `register_buffer("pe", pe)`, an OrderedDict's keys of a
    Sequential, a ModuleDict's) that no assignment in the program's source set. NO_ENTRY: none."""
    tables: tuple[Mapping[str, object], ...] = (module._parameters, module._buffers, module._modules)
    for entries in tables:
        if name in entries:
            return entries[name]
    return NO_ENTRY


def write_checked(owner: object, name: str, value: object) -> None:
    """`owner.name = value` on an object of the program's classes, the name checked by the caller."""
    setattr(owner, name, value)
