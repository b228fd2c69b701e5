"""Which nn.Module is running: global forward hooks keep a stack; paths come from named_modules()."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle


class ModuleStack:
    """The modules whose forward is running, innermost last, while `install()`ed."""

    def __init__(self) -> None:
        self.stack: list[nn.Module] = []
        self.seen: dict[int, nn.Module] = {}
        self._handles: list[RemovableHandle] = []

    def install(self) -> None:
        register = torch.nn.modules.module
        self._handles = [
            register.register_module_forward_pre_hook(self._enter),
            register.register_module_forward_hook(self._leave),
        ]

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    @property
    def current(self) -> nn.Module | None:
        return self.stack[-1] if self.stack else None

    def _enter(self, module: nn.Module, args: Any) -> None:
        self.stack.append(module)
        self.seen.setdefault(id(module), module)

    def _leave(self, module: nn.Module, args: Any, output: Any) -> None:
        # A forward that raised never reached its hook: pop down to this module, not just one.
        while self.stack:
            if self.stack.pop() is module:
                break


def module_paths(seen: Mapping[int, nn.Module], names: Mapping[int, str]) -> dict[int, str]:
    """id(module) -> dotted path, `model.encoder.layers.3` style, for every module seen running.

    The outermost modules (those no other seen module contains) are the roots; a root is called by
    the user's variable name (`names`: id -> name) or its class name, its submodules by
    `named_modules()` below it.
    """
    inner: set[int] = set()
    for module in seen.values():
        if id(module) in inner:
            continue  # its submodules were added with it, by the module that holds it
        inner.update(id(m) for m in module.modules() if m is not module)
    paths: dict[int, str] = {}
    for key, root in seen.items():
        if key in inner:
            continue
        prefix = names.get(key) or type(root).__name__
        for sub_name, sub in root.named_modules(remove_duplicate=False):
            paths.setdefault(id(sub), f"{prefix}.{sub_name}" if sub_name else prefix)
    return paths
