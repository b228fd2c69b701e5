"""The same program through torchviz's make_dot: DOT source, and SVG where Graphviz is installed.

torchviz recurses through the graph (it fails near 1,000 nodes deep) and Graphviz layout grows
quadratically, so graphs above `torchviz_max_nodes` are refused with a warning instead.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import torch

from autograd_explorer.errors import ProgramError, place_text
from autograd_explorer.lang.contract import BackwardRequest, PlainObserver, ProgramRun, run_plain_backward
from autograd_explorer.lang.run import limits_from_settings, run_program
from autograd_explorer.trace.backward_capture import graph_nodes
from autograd_explorer.trace.program_output import as_output_tensor, shown_output
from autograd_explorer.trace.recorder import root_node

if TYPE_CHECKING:  # passed in by the app; record() never loads its settings (pydantic-settings)
    from autograd_explorer.settings import Settings


class DrawingObserver(PlainObserver):
    """Runs the program's differentiations keeping the graph, so make_dot can read it afterwards.

    A plain backward() frees the saved tensors that make_dot(show_attrs=True) reads ("Trying to
    backward through the graph a second time"); with retain_graph they stay.
    """

    def __init__(self) -> None:
        # the program's last differentiation: drawn when its output has no graph
        self.last: BackwardRequest | None = None

    def run_backward(self, request: BackwardRequest) -> tuple[torch.Tensor | None, ...] | None:
        self.last = request
        return run_plain_backward(replace(request, retain_graph=True))


def torchviz_view(source: str, inputs: Mapping[str, object] | None, settings: Settings) -> dict[str, Any]:
    """{dot, svg, truncated, nodes, warnings} for the program's output."""
    from torchviz import make_dot

    observer = DrawingObserver()
    # A program that stops with an error (a backward() the engine refuses, an update outside
    # torch.no_grad()) is drawn as far as it ran, as the explorer's trace shows it (lang/run.py).
    run = run_program(source, inputs, limits_from_settings(settings), observer, keep_stopped=True)
    output = as_output_tensor(run)
    warnings: list[str] = [_stopped_warning(run.stopped.error)] if run.stopped is not None else []
    output = _drawn_tensor(run, output, observer, warnings)
    root = root_node(output)
    count = len(graph_nodes([root], settings.torchviz_max_nodes + 1))  # one past the cap is enough
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
        source_text = make_dot(output, params=params, show_attrs=True, show_saved=True).source
    except RuntimeError:  # a saved tensor changed in place since (the in-place pitfall), or freed
        source_text = make_dot(output, params=params).source
        warnings.append(
            "PyTorch refused to hand out a saved tensor (changed in place, or freed): drawn without "
            "saved tensors and attributes."
        )
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


def _drawn_tensor(
    run: ProgramRun, output: torch.Tensor, observer: DrawingObserver, warnings: list[str]
) -> torch.Tensor:
    """The output, or the graph the program last differentiated when the output has none.

    `(dfdx,) = torch.autograd.grad(f, x)` or a loop that prints after `loss.backward()` ends on a
    value without a grad_fn: torchviz would draw one box, while the explorer shows the graph that was
    differentiated. Both views show that graph, and say so. A program that named no output has for
    output what it differentiated, as in the explorer (`shown_output`), without a word.
    """
    last = observer.last
    differentiated = [t for t in (last.outputs if last else ()) if t.grad_fn is not None]
    shown = shown_output(run, output, differentiated)
    if shown.grad_fn is not None:
        return shown
    if last is not None and differentiated:
        call = "torch.autograd.grad()" if last.kind == "grad" else "backward()"
        warnings.append(
            f"The program's output has no autograd graph: torchviz draws the graph {call} "
            f"differentiated on line {last.span.line}."
        )
        return differentiated[0]
    warnings.append(
        "The program's output has no autograd graph (no tensor with requires_grad=True reached it, or "
        "it was computed under torch.no_grad() or detached): torchviz has nothing to draw."
    )
    return output


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


def _stopped_warning(error: ProgramError) -> str:
    """Where the program stopped, in PyTorch's first sentence (its hint left out), and what is drawn."""
    message = error.message.splitlines()[0].split(" Hint: ")[0]
    where = place_text(error.line, error.file, error.calls)
    if where and error.calls:  # the calls end with a comma before the verb, as a sentence reads
        where += ","
    if error.type == "autograd":
        on = f" on {where}" if where else ""
        return f"backward(){on} failed ({message}); torchviz draws the graph it was called on."
    return f"{where or 'The program'} raised ({message}); torchviz draws the graph made up to it."
