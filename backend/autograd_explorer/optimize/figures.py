"""Plotly figures of every lab result, built server-side so API users get plots too.

Each function returns plain figure JSON ({"data", "layout"}); lists (not numpy arrays) go in, so
plotly writes readable numbers rather than base64 blocks, and a value that is not finite is null
(a gap in plotly.js, and a number or null for a typed client, as everywhere in the API).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from autograd_explorer.jsonsafe import finite_or_none, sanitize
from autograd_explorer.optimize.least_squares import LeastSquaresComparison
from autograd_explorer.optimize.regression import PolynomialFit, SweepRow, polynomial_curve
from autograd_explorer.optimize.surface import Surface
from autograd_explorer.optimize.trajectory import Trajectory

COLORS = ["#2456c9", "#b5361c", "#0f7b46", "#a05a00", "#7b3fa0", "#00838f", "#c2185b", "#546e7a"]
FONT = {"size": 16}


def to_json(fig: go.Figure, surface: Surface | None = None) -> dict[str, Any]:
    """The figure as JSON-safe plain data; the contour's z (trace 0) is attached after validation.

    Plotly's validators copy a grid element by element (0.3 s for 120×120, most of a request),
    so `_contour` validates a 1×1 placeholder and the real values go straight into the JSON.
    """
    result: dict[str, Any] = fig.to_plotly_json()
    if surface is not None:
        result["data"][0]["z"] = _display_z(surface)
    clean: dict[str, Any] = sanitize(result, finite_or_none)
    return clean


def _base_layout(fig: go.Figure, title: str) -> None:
    fig.update_layout(
        template="plotly_white",
        title={"text": title},
        font=FONT,
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 60, "r": 30, "t": 60, "b": 60},
    )


def _display_z(surface: Surface) -> list[list[float]]:
    """log(1 + f − min f): the valleys of Rosenbrock and Himmelblau stay visible beside huge walls."""
    z = surface.z.double()
    finite = z[torch.isfinite(z)]
    low = float(finite.min()) if finite.numel() else 0.0
    shown = torch.log1p((z - low).clamp(min=0))
    rows: list[list[float]] = shown.tolist()
    return rows


def _contour(surface: Surface) -> go.Contour:
    return go.Contour(
        x=surface.x,
        y=surface.y,
        z=[[0.0]],  # placeholder: to_json attaches the grid
        colorscale="Viridis",
        contours={"coloring": "heatmap"},
        ncontours=30,
        line={"width": 0.5},
        colorbar={"title": {"text": "log(1 + f − min f)"}, "x": 0.45},
        hoverinfo="skip",
        showlegend=False,
    )


def _path_traces(run: Trajectory, names: Sequence[str], color: str, label: str) -> list[go.Scatter]:
    xs = [*run.params[names[0]], run.final_params[names[0]]]
    ys = [*run.params[names[1]], run.final_params[names[1]]]
    return [
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": color, "width": 2.5}, name=label, legendgroup=label
        ),
        go.Scatter(
            x=[xs[0]],
            y=[ys[0]],
            mode="markers",
            marker={"symbol": "circle-open", "size": 16, "color": color, "line": {"width": 3}},
            name=f"{label} start ○",
            legendgroup=label,
            showlegend=False,
        ),
        go.Scatter(
            x=[xs[-1]],
            y=[ys[-1]],
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": color},
            name=f"{label} end ×",
            legendgroup=label,
            showlegend=False,
        ),
    ]


def _loss_trace(losses: Sequence[float], color: str, label: str, show_legend: bool) -> go.Scatter:
    return go.Scatter(
        x=list(range(1, len(losses) + 1)),
        y=list(losses),
        mode="lines",
        line={"color": color, "width": 2.5},
        name=label,
        legendgroup=label,
        showlegend=show_legend,
    )


def trajectories_figure(
    runs: Sequence[Trajectory], surface: Surface | None, *, title: str, labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """Paths over the function's contour (○ start, × end) beside the loss curves (log scale)."""
    labels = labels or [run.label for run in runs]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("path", "loss (log scale)"), horizontal_spacing=0.12)
    if surface is not None:
        fig.add_trace(_contour(surface), row=1, col=1)
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        color = COLORS[i % len(COLORS)]
        if len(run.parameters) >= 2:
            for trace in _path_traces(run, run.parameters, color, label):
                fig.add_trace(trace, row=1, col=1)
        fig.add_trace(_loss_trace(run.losses, color, label, len(run.parameters) < 2), row=1, col=2)
    if runs and len(runs[0].parameters) >= 2:
        fig.update_xaxes(title_text=runs[0].parameters[0], row=1, col=1)
        fig.update_yaxes(title_text=runs[0].parameters[1], row=1, col=1)
    fig.update_xaxes(title_text="step", row=1, col=2)
    fig.update_yaxes(type="log", title_text="loss", row=1, col=2)
    _base_layout(fig, title)
    return to_json(fig, surface)


def regression_figure(
    data: tuple[Sequence[float], Sequence[float]], fits: Sequence[PolynomialFit], *, title: str
) -> dict[str, Any]:
    """The data and each fitted curve, beside the gradient-descent loss curves (log scale)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("data and fits", "loss (log scale)"))
    fig.add_trace(
        go.Scatter(
            x=list(data[0]), y=list(data[1]), mode="markers", marker={"color": "#5b6270"}, name="data"
        ),
        row=1,
        col=1,
    )
    for i, fit in enumerate(fits):
        color = COLORS[i % len(COLORS)]
        label = fit.method.replace("_", " ") + ("" if fit.lr is None else f" lr={fit.lr:g}")
        if fit.diverged:
            label += " (diverged)"
        else:
            xs, ys = polynomial_curve(fit.coefficients)
            fig.add_trace(
                go.Scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": 3}, name=label),
                row=1,
                col=1,
            )
        if fit.losses:
            losses = [v if math.isfinite(v) else math.nan for v in fit.losses]
            fig.add_trace(_loss_trace(losses, color, label, fit.diverged), row=1, col=2)
    fig.update_xaxes(title_text="x", row=1, col=1)
    fig.update_yaxes(title_text="y", row=1, col=1)
    fig.update_xaxes(title_text="iteration", row=1, col=2)
    fig.update_yaxes(type="log", title_text="MSE", row=1, col=2)
    _base_layout(fig, title)
    return to_json(fig)


def sweep_figure(rows: Sequence[SweepRow], closed: PolynomialFit) -> dict[str, Any]:
    """The exercise table (a, b, c, loss per run) with the closed form as its last row."""

    def fmt(v: float) -> str:
        if not math.isfinite(v):
            return str(v)
        return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3e}"

    count = len(closed.coefficients)
    names = list("abcdefghk"[:count])
    columns: list[list[str]] = [
        [f"{r.lr:g}" for r in rows] + ["closed form"],
        [str(r.iterations) for r in rows] + [""],
        *([fmt(r.coefficients[j]) for r in rows] + [fmt(closed.coefficients[j])] for j in range(count)),
        [fmt(r.loss) for r in rows] + [fmt(closed.loss)],
    ]
    fig = go.Figure(
        go.Table(
            header={"values": ["lr", "iterations", *names, "loss"], "font": FONT},
            cells={"values": columns, "font": FONT, "height": 28},
        )
    )
    _base_layout(fig, "Learning rate × iterations against the closed form")
    return to_json(fig)


def least_squares_figure(result: LeastSquaresComparison, surface: Surface) -> dict[str, Any]:
    """§4 and §5: contours with −gradient arrows by hand and by autograd, both runs and their losses."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss, −gradient and paths", "loss (log scale)"))
    fig.add_trace(_contour(surface), row=1, col=1)
    arrows = result.arrows
    longest = max((math.hypot(*g) for g in arrows.manual), default=1.0) or 1.0
    span = surface.x[-1] - surface.x[0]
    scale = 0.18 * span / longest  # the longest arrow gets 18 % of the box width
    for label, grads, color, dash in (
        ("−gradient by hand", arrows.manual, "#ffffff", "solid"),
        ("−gradient by autograd", arrows.autograd, "#f0b400", "dot"),
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (a, b), (ga, gb) in zip(arrows.points, grads, strict=True):
            xs += [a, a - scale * ga, None]
            ys += [b, b - scale * gb, None]
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": 3, "dash": dash}, name=label),
            row=1,
            col=1,
        )
    for i, run in enumerate((result.manual, result.autograd)):
        color = COLORS[i]
        for trace in _path_traces(run, run.parameters, color, run.label):
            fig.add_trace(trace, row=1, col=1)
        fig.add_trace(_loss_trace(run.losses, color, run.label, False), row=1, col=2)
    fig.update_xaxes(title_text="w1", row=1, col=1)
    fig.update_yaxes(title_text="w2", row=1, col=1)
    fig.update_xaxes(title_text="iteration", row=1, col=2)
    fig.update_yaxes(type="log", title_text="loss", row=1, col=2)
    _base_layout(fig, f"Least squares: α = 1.8·n/σ_max² = {result.step_size:.4f}")
    return to_json(fig, surface)


def surface_figure(
    surface: Surface, *, title: str, minima: Sequence[Mapping[str, float]] = ()
) -> dict[str, Any]:
    """The function as a filled contour, its known minima marked."""
    fig = go.Figure(_contour(surface))
    if minima:
        fig.add_trace(
            go.Scatter(
                x=[m[surface.x_name] for m in minima],
                y=[m[surface.y_name] for m in minima],
                mode="markers",
                marker={"symbol": "star", "size": 14, "color": "#ffffff"},
                name="minima",
            )
        )
    fig.update_xaxes(title_text=surface.x_name)
    fig.update_yaxes(title_text=surface.y_name)
    fig.update_traces(selector={"type": "contour"}, colorbar={"x": 1.02})
    _base_layout(fig, title)
    return to_json(fig, surface)


def warm_up() -> None:
    """Build a small figure of each kind the pages ask for, and throw them away.

    Plotly imports its validators and loads its templates on a figure's first use: 0.2–0.7 s of
    CPU on a worker's first figure here. The fork server calls this once, so no worker pays it.
    """
    fit = PolynomialFit(
        method="autograd",
        lr=0.1,
        iterations=2,
        coefficients=[0.0, 1.0, 0.5],
        loss=1.0,
        last_step_loss=1.0,
        losses=[2.0, 1.0],
        diverged=False,
    )
    regression_figure(([0.0, 1.0], [0.0, 1.0]), [fit], title="warm-up")
    row = SweepRow(
        lr=0.1, iterations=2, coefficients=fit.coefficients, loss=1.0, last_step_loss=1.0, diverged=False
    )
    sweep_figure([row], fit)
