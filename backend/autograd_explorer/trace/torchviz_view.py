"""The same program through torchviz's make_dot: DOT source, and SVG where Graphviz is installed.

torchviz recurses through the graph (it fails near 1,000 nodes deep) and Graphviz layout grows
quadratically, so graphs above `torchviz_max_nodes` are refused with a warning instead.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

import torch

from autograd_explorer.lang.contract import PlainObserver
from autograd_explorer.lang.run import limits_from_settings, run_program
from autograd_explorer.settings import Settings
from autograd_explorer.trace.backward_capture import iter_graph
from autograd_explorer.trace.recorder import root_node
from autograd_explorer.trace.tracer import as_output_tensor


def torchviz_view(source: str, inputs: Mapping[str, object] | None, settings: Settings) -> dict[str, Any]:
    """{dot, svg, truncated, nodes, warnings} for the program's output."""
    from torchviz import make_dot

    run = run_program(source, inputs, limits_from_settings(settings), PlainObserver())
    output = as_output_tensor(run)
    root = root_node(output)
    warnings: list[str] = []
    count = 0
    for count, _ in enumerate(iter_graph([root] if root is not None else []), start=1):
        if count > settings.torchviz_max_nodes:
            break
    if count > settings.torchviz_max_nodes:
        warnings.append(
            f"The graph has more than {settings.torchviz_max_nodes} nodes (torchviz_max_nodes): torchviz "
            "recurses through it and Graphviz's layout grows quadratically, so this view is skipped. "
            "The explorer's own graph has no such cap."
        )
        return {
            "dot": None,
            "svg": None,
            "layout": "skipped",
            "truncated": True,
            "nodes": count,
            "warnings": warnings,
        }
    params = {k: v for k, v in run.namespace.items() if isinstance(v, torch.Tensor) and v.requires_grad}
    try:
        dot = make_dot(output, params=params, show_attrs=True, show_saved=True)
    except RuntimeError:  # saved tensors already freed by the program's own backward()
        dot = make_dot(output, params=params, show_attrs=True, show_saved=False)
        warnings.append("Saved tensors were freed by the program's backward(); shown without them.")
    source_text = dot.source
    svg = render_svg(source_text, settings.torchviz_layout_seconds)
    layout = "svg" if svg is not None else ("unavailable" if shutil.which("dot") is None else "timeout")
    if layout == "timeout":
        warnings.append(
            f"Graphviz gave up after {settings.torchviz_layout_seconds:g} s (torchviz_layout_seconds): its "
            "layout grows quadratically with crossing edges. Only the DOT source is returned."
        )
    return {
        "dot": source_text,
        "svg": svg,
        "layout": layout,
        "truncated": False,
        "nodes": count,
        "warnings": warnings,
    }


def render_svg(dot_source: str, timeout: float) -> str | None:
    """SVG from Graphviz's `dot`, or None when it is not installed or takes longer than `timeout` s."""
    binary = shutil.which("dot")
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=dot_source.encode(),
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None
    return done.stdout.decode()
