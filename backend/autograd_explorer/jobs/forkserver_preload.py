"""Imported once by the forkserver before it forks any worker: torch, its lazy imports, a frozen heap.

A forked worker inherits all of it. Without this every worker paid, on a busy machine, seconds of
imports (torch; sympy on the first backward; torch._dynamo on the first torch.optim optimizer) and
1–2 s of configure_process()'s full collection over the unfrozen torch heap, and plotly's lazy
imports on its first figure (0.2–0.7 s). Doing it here, once, leaves each worker's own
configure_process() with almost nothing to do.
"""

from __future__ import annotations

import importlib

from autograd_explorer.jobs import worker  # noqa: F401  (imported for its side effect: torch loaded)
from autograd_explorer.optimize.figures import warm_up as warm_up_figures
from autograd_explorer.process_setup import configure_process

importlib.import_module("torch._dynamo")  # what torch.optim.Optimizer() imports on first use
warm_up_figures()  # before the collection below, which then freezes what plotly loaded
configure_process()
