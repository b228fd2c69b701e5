"""Module paths, `model.encoder.layers.3` style, from named_modules(), and the module each parameter is
drawn in (the running module is read from the frames: notebook/frames.py)."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn


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


def parameter_owners(
    seen: Mapping[int, nn.Module], paths: Mapping[int, str]
) -> dict[int, tuple[torch.Tensor, str, str]]:
    """id(parameter) -> (parameter, the path of the module whose box it is in, its name there): a
    module's own parameters are its; a child that never ran (nn.MultiheadAttention reads its
    `out_proj.weight` itself) has its parameters in the nearest module that did, as the web trace
    places them (trace/regions.py)."""
    owners: dict[int, tuple[torch.Tensor, str, str]] = {}

    def unseen_children(owner: str, module: nn.Module, prefix: str) -> None:
        for child_name, child in module.named_children():
            if id(child) in seen:
                continue  # a module that ran: its own box
            for name, parameter in child.named_parameters(recurse=False):
                owners.setdefault(id(parameter), (parameter, owner, f"{prefix}{child_name}.{name}"))
            unseen_children(owner, child, f"{prefix}{child_name}.")

    for key, module in seen.items():
        for name, parameter in module.named_parameters(recurse=False):
            owners[id(parameter)] = (parameter, paths[key], name)
    for key, module in seen.items():
        unseen_children(paths[key], module, "")
    return owners
