"""`@dataclass` on a program's class (nanoGPT's `GPTConfig`), made without the standard library's.

Python's `dataclasses` writes the class's `__init__` as source text and runs it with `exec`, the
field names (the program's text) inside it: the language never lets a program's text reach `exec`.
So the methods are made here as closures over the fields, read from the class body's annotated
names in order (`block_size: int = 1024`): an `__init__` taking them by position or keyword, with
their defaults; a `__repr__` as dataclass writes it (`GPTConfig(block_size=1024, ...)`); an `__eq__`
comparing the fields of two objects of the same class, which (as dataclass does) leaves the class
unhashable. Fields of a base class that is a program's data class come first, as in Python.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autograd_explorer.lang.user_code import read_checked, write_checked

# A field without a default (`n_layer: int`).
MISSING = inspect.Parameter.empty


@dataclass(frozen=True)
class Field:
    """One annotated name of a data class's body, and its default (MISSING: none)."""

    name: str
    default: object


def class_fields(node: ast.ClassDef, body: Mapping[str, object], inherited: Sequence[Field]) -> list[Field]:
    """The fields in order: the base data classes' first, then this body's annotated names (a name
    annotated again keeps its place and takes the new default). Python's own errors: a default
    that is a list, dict or set (shared by every object), a field without a default after one with."""
    fields = {f.name: f for f in inherited}
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            name = item.target.id
            default = body.get(name, MISSING) if item.value is not None else MISSING
            if isinstance(default, list | dict | set):
                raise ValueError(
                    f"mutable default {type(default)} for field {name} is not allowed: use default_factory"
                )
            fields[name] = Field(name, default)
    ordered = list(fields.values())
    seen_default = False
    for f in ordered:
        if f.default is MISSING and seen_default:
            raise TypeError(f"non-default argument '{f.name}' follows default argument")
        seen_default = seen_default or f.default is not MISSING
    return ordered


def data_class_methods(fields: Sequence[Field]) -> dict[str, object]:
    """`__init__`, `__repr__`, `__eq__` and `__hash__` (None) for a class with these fields; a method
    the class body defines itself is kept (the caller puts the body's names over these)."""
    names = [f.name for f in fields]
    signature = inspect.Signature(
        [
            inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=f.default)
            for f in fields
        ]
    )

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        bound = signature.bind(*args, **kwargs)  # Python's TypeError for a missing or extra argument
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            write_checked(self, name, value)

    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={read_checked(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self: object, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine = tuple(read_checked(self, name) for name in names)
        return mine == tuple(read_checked(other, name) for name in names)

    methods: dict[str, object] = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
    methods["__hash__"] = None
    return methods
