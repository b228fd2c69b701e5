"""Autograd Explorer: PyTorch's autograd made visible.

In your own Python: `with autograd_explorer.record() as rec: ...`, `autograd_explorer.explore(loss)`
(docs/notebook.md). These names load on first use, so `import autograd_explorer` stays light
(no torch, no FastAPI) for the server's own modules and the command line.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["RecordLimits", "Recording", "explore", "record"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from autograd_explorer import notebook

        value = getattr(notebook, name)
        globals()[name] = value  # found directly from now on: `ax.record()` runs per recorded step
        return value
    raise AttributeError(f"module 'autograd_explorer' has no attribute {name!r}")
