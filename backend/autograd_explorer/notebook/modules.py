"""Module paths, `model.encoder.layers.3` style, from named_modules() (the running module is read from
the frames: notebook/frames.py)."""

from __future__ import annotations

from collections.abc import Mapping

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
