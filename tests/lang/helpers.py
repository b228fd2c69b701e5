"""Shared helpers for the language tests: run with small limits, and an observer that records."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.lang.allowlist import METHODS, SPELLINGS, Function, Method
from autograd_explorer.lang.contract import (
    BackwardRequest,
    LanguageLimits,
    ModuleGradients,
    PlainObserver,
    ProgramRun,
    Span,
    run_plain_backward,
)
from autograd_explorer.lang.layer_shapes import predict_layer_call
from autograd_explorer.lang.run import run_program


def limits(**overrides: object) -> LanguageLimits:
    """The default limits with some overridden."""
    base = LanguageLimits()
    for key, value in overrides.items():
        setattr(base, key, value)
    return base


def run(
    source: str, inputs: Mapping[str, object] | None = None, output: str | None = None, **kw: object
) -> ProgramRun:
    """Run with a PlainObserver."""
    return run_program(source, inputs, limits(**kw), PlainObserver(), output)


def fails(
    source: str,
    kind: str,
    inputs: Mapping[str, object] | None = None,
    output: str | None = None,
    **kw: object,
) -> ProgramError:
    """Run and expect a ProgramError of `kind`; return it."""
    with pytest.raises(ProgramError) as info:
        run(source, inputs, output, **kw)
    assert info.value.type == kind, (info.value.type, info.value.message)
    return info.value


@dataclass
class RecordingObserver:
    """Records every event; differentiation runs exactly as PlainObserver's."""

    tensors: list[tuple[torch.Tensor, Span, str]] = field(default_factory=list)
    assigns: list[tuple[str, object, Span]] = field(default_factory=list)
    requests: list[BackwardRequest] = field(default_factory=list)
    hooks: list[tuple[Span, str, torch.Tensor | ModuleGradients, object]] = field(default_factory=list)

    def on_gradient_hook(
        self, span: Span, text: str, grad: torch.Tensor | ModuleGradients, result: object
    ) -> None:
        self.hooks.append((span, text, grad, result))

    def on_tensor(self, value: torch.Tensor, span: Span, text: str) -> None:
        self.tensors.append((value, span, text))

    def on_assign(self, name: str, value: object, span: Span) -> None:
        self.assigns.append((name, value, span))

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        self.requests.append(request)
        return run_plain_backward(request)


def layer_call_elements(
    layer: torch.nn.Module, args: tuple[object, ...], kwargs: dict[str, object]
) -> int | None:
    """The elements of the largest tensor a library layer's call will make (None: cannot tell)."""
    call = predict_layer_call(layer, args, kwargs)
    return None if call is None else call.elements


def counted_calls(monkeypatch: pytest.MonkeyPatch, spelling: str) -> list[int]:
    """Replace an entry of the table (a function, a class: its constructions, or `x.name`: a tensor
    method) by one that counts its calls: a list of one count, read after the run (a refusal must
    leave it at 0)."""
    table: dict[str, Function] | dict[str, Method]
    table, key = (METHODS, spelling[2:]) if spelling.startswith("x.") else (SPELLINGS, spelling)
    entry = table[key]
    impl = entry.impl
    assert impl is not None
    calls = [0]

    def counting(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return impl(*args, **kwargs)

    monkeypatch.setitem(table, key, dataclasses.replace(entry, impl=counting))
    return calls


def counted_forwards(monkeypatch: pytest.MonkeyPatch, owner: object) -> list[int]:
    """Count the calls of `owner.forward` (a layer class, or one layer): a list of one count."""
    forward = owner.forward  # type: ignore[attr-defined]
    calls = [0]

    def counting(self: torch.nn.Module, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(owner, "forward", counting)
    return calls


def cpython(source: str) -> tuple[dict[str, object], list[str]]:
    """The oracle: the program run by CPython with real torch, its names and printed lines."""
    names: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(source, names)  # noqa: S102 (trusted test code: the oracle)
    return names, printed.getvalue().splitlines()
