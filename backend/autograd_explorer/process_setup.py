"""Per-process set-up for every process that runs torch (server, workers, CLI)."""

from __future__ import annotations

import gc
import importlib

import torch

# Imported lazily by torch on the first backward() (_make_grads -> symbolic_shapes -> sympy):
# about 3 s, which would otherwise land on the first student's request in every worker.
LAZY_TORCH_MODULES = ("torch.fx.experimental.symbolic_shapes",)


def configure_process() -> None:
    """One torch thread per process, torch's lazy imports done now, and a frozen GC heap.

    Two threads on two cores slowed a small MLP 16x under load (threads fight across processes),
    and full garbage collections over the imported modules made hook capture 4-9x slower at
    3k nodes; freezing moves everything imported so far out of the collector's sight.
    """
    torch.set_num_threads(1)
    for name in LAZY_TORCH_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
