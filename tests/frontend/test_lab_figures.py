"""The labs' Plotly figures on a phone (390×844) and a projector (1280×720), after a run: the mode bar
covers neither a title nor a plot, no axis title runs into a plot or the legend
(frontend/js/shared/plot-frame.js).

Found on a phone: the mode bar (shown while the pointer is over a figure, and after any tap) lay over
the titles of the regression figure and the optimization lab's loss plot, and the regression figure's
"MSE" axis title lay over its left subplot, and the loss plots' x axis title over their legend."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.frontend.page_wait import TIMEOUT, wait_until
from tests.frontend.test_layout import PLOTS_FILL_THEIR_BOXES
from tests.live import LiveServer, screenshot

pytestmark = pytest.mark.browser

Box = dict[str, float]


def traces(selector: str, count: str) -> str:
    """A JS test: the Plotly figure at `selector` has `count` traces (e.g. '>= 3'): Plotly drew it."""
    return f"document.querySelector('{selector}').data?.length {count}"


# Each page, what shows its run drawn by Plotly (not its sketch), and the figures it draws.
LABS = {
    "regression": ("/regression.html", traces("#fit-plot", ">= 3"), ["#fit-plot"]),
    "optimize": ("/optimize.html", traces("#paths", "=== 4"), ["#landscape", "#loss"]),
    "pitfall": ("/pitfall.html", traces("#pitfall-loss", "=== 2"), ["#pitfall-loss"]),
}

# Viewport boxes of a figure's parts: its mode bar, title, subplot titles, axis titles and plot areas
# (Plotly's drag rectangle over each subplot, `data-subplot` naming its axes, e.g. 'x2y2').
FIGURE_PARTS = """(figure) => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const all = (selector) => [...figure.querySelectorAll(selector)]
    .map((e) => ({ name: e.textContent, ...box(e) }));
  const bar = figure.querySelector('.modebar');
  return {
    figure: box(figure),
    modebar: bar && getComputedStyle(bar).opacity === '1' ? box(bar) : null,
    titles: [...all('.gtitle'), ...all('.annotation-text')],
    axisTitles: [...figure.querySelectorAll('text[class$="title"]')]
      .filter((e) => /^[xy]\\d*title$/.test(e.getAttribute('class')))
      .map((e) => ({ name: e.textContent, ...box(e) })),
    plotAreas: [...figure.querySelectorAll('rect.nsewdrag')]
      .map((e) => ({ name: e.dataset.subplot, ...box(e) })),
    legends: [...figure.querySelectorAll('g.legend')].map((e) => ({ name: 'legend', ...box(e) })),
  };
}"""


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share some area (edges that touch do not count)."""
    across = a["left"] < b["right"] and b["left"] < a["right"]
    return across and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def open_after_a_run(page: Any, server: LiveServer, lab: str) -> list[str]:
    path, drawn, figures = LABS[lab]
    page.goto(f"{server.url}{path}")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    if lab == "optimize":  # the lab opens on the function's map: its loss plot has a run once Run is clicked
        page.click("#run")
    wait_until(page, drawn)
    wait_until(page, PLOTS_FILL_THEIR_BOXES)
    return figures


def parts_with_the_mode_bar_shown(page: Any, figure: str) -> dict[str, Any]:
    page.hover(figure)  # a tap on a phone shows it the same way
    wait_until(page, f"getComputedStyle(document.querySelector('{figure} .modebar')).opacity === '1'")
    parts: dict[str, Any] = page.eval_on_selector(figure, FIGURE_PARTS)
    return parts


@pytest.mark.parametrize("lab", list(LABS))
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 720)])
def test_lab_figures_mode_bar_covers_no_title_and_no_plot(
    live_server: LiveServer, page: Any, lab: str, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    for figure in open_after_a_run(page, live_server, lab):
        parts = parts_with_the_mode_bar_shown(page, figure)
        assert parts["modebar"] is not None, f"{figure}: no mode bar on hover"
        assert parts["titles"] and parts["plotAreas"], f"{figure}: nothing measured"
        covered = [p["name"] for p in parts["titles"] + parts["plotAreas"] if overlap(parts["modebar"], p)]
        assert covered == [], f"{figure} at {width}px: the mode bar covers {covered}"
    screenshot(page, f"lab-figures-{lab}-{width}x{height}")


@pytest.mark.parametrize("lab", list(LABS))
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 720)])
def test_lab_figures_axis_titles_stay_off_every_plot(
    live_server: LiveServer, page: Any, lab: str, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    for figure in open_after_a_run(page, live_server, lab):
        parts: dict[str, Any] = page.eval_on_selector(figure, FIGURE_PARTS)
        assert parts["axisTitles"], f"{figure}: no axis title measured"
        # Titles too: a subplot's over the plot it names, not over the one above it.
        for kind in ("axisTitles", "titles"):
            clashes = [
                (t["name"], a["name"]) for t in parts[kind] for a in parts["plotAreas"] if overlap(t, a)
            ]
            assert clashes == [], f"{figure} at {width}px: {kind} over plots {clashes}"
        # A legend below the plot comes under the x axis title, not over it ("step" on a phone).
        clashes = [t["name"] for t in parts["axisTitles"] for g in parts["legends"] if overlap(t, g)]
        assert clashes == [], f"{figure} at {width}px: the legend covers the axis titles {clashes}"


def test_regression_figure_stacks_its_subplots_when_its_box_narrows(
    live_server: LiveServer, page: Any
) -> None:
    # A phone turned or a window narrowed: Plotly's own resize keeps the layout, side by side or stacked.
    domains = "['xaxis', 'xaxis2'].map((k) => document.querySelector('#fit-plot').layout[k].domain.join())"
    page.set_viewport_size({"width": 1280, "height": 720})
    open_after_a_run(page, live_server, "regression")
    assert page.evaluate(domains) == ["0,0.45", "0.55,1"]
    page.set_viewport_size({"width": 390, "height": 844})
    wait_until(page, f"{domains}.join(' ') === '0,1 0,1'")
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_until(page, f"{domains}.join(' ') === '0,0.45 0.55,1'")


def test_the_optimization_labs_loss_plot_says_what_to_do_until_a_run(
    page: Any, live_server: LiveServer
) -> None:
    # Before any run it drew a log axis from 0.1 to 10⁴ over steps −1 to 6: read as data.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/optimize.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    wait_until(page, "document.querySelector('#loss .annotation-text')?.textContent.startsWith('Press Run')")
    assert page.locator("#loss .ytick").count() == 0
    page.click("#run")
    wait_until(page, traces("#paths", "=== 4"))
    wait_until(
        page, "!document.querySelector('#loss .annotation-text') && !!document.querySelector('#loss .ytick')"
    )


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 720)])
def test_a_legend_of_many_rows_stays_below_the_axis_title_and_inside_its_figure(
    live_server: LiveServer, page: Any, width: int, height: int
) -> None:
    """Seven learning rates compared are seven legend rows (one per line at either width): the
    legend was placed as if two rows tall, and on a phone it lay over the x axis title "step" with
    the plot squeezed to 74 px. It is measured once drawn and the figure grows by its extra rows."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/optimize.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    page.fill("#lrs", "1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2")
    page.click("#compare")
    wait_until(page, traces("#loss", "=== 7"))
    wait_until(page, "document.querySelectorAll('#loss g.legend g.traces').length === 7")
    # Framed for the legend it drew (legend-room.js), the second drawing done.
    wait_until(
        page,
        "(() => { const div = document.querySelector('#loss');"
        " const drawn = div.querySelector('g.legend rect.bg').getAttribute('height');"
        " return Number(div.dataset.legendPx) === Number(drawn); })()",
    )
    wait_until(page, PLOTS_FILL_THEIR_BOXES)
    parts: dict[str, Any] = page.eval_on_selector("#loss", FIGURE_PARTS)
    figure = page.eval_on_selector("#loss", "e => e.getBoundingClientRect().bottom")
    screenshot(page, f"lab-figures-optimize-seven-runs-{width}x{height}")
    [legend] = parts["legends"]
    [plot] = parts["plotAreas"]
    clashes = [t["name"] for t in parts["axisTitles"] + parts["plotAreas"] if overlap(t, legend)]
    assert clashes == [], f"at {width}px the legend covers {clashes}"
    step = next(t for t in parts["axisTitles"] if t["name"] == "step")
    assert plot["bottom"] < step["top"] and step["bottom"] <= legend["top"], (plot, step, legend)
    assert legend["bottom"] <= figure, (legend, figure)
    assert plot["bottom"] - plot["top"] >= 140, plot  # the plot is not squeezed to make room


# Every tick label of a figure's log axes, with the value its place stands for: [label, log10 of the
# value]. Plotly keeps each tick's datum on its group: `x` is the place on the axis (log10 on a log
# axis) and `text` the label's HTML ("10<sup>−3</sup>", "0.2", "2x10<sup>−3</sup>", or a bare digit).
LOG_TICK_LABELS = """(figure) => Object.values(figure._fullLayout)
  .filter((axis) => axis && axis.type === 'log' && axis._id)
  .flatMap((axis) => [...figure.querySelectorAll(`g.${axis._id}tick`)]
    .map((g) => [g.__data__.text, g.__data__.x]))
  .filter(([text]) => text !== '')"""

SI = {"n": 1e-9, "μ": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}


def label_value(label: str) -> float:
    """The number a log axis's tick label reads as: "0.2", "20k", "10<sup>−3</sup>", "2x10<sup>−3</sup>"."""
    text = label.replace("−", "-").replace("<sup>", "^").replace("</sup>", "")
    head, _, power = text.partition("^")
    if head.endswith("10") and (power or "x" in head or head == "10"):
        digit = float(head[: -len("x10")]) if "x" in head else 1.0
        return digit * 10 ** int(power or "1")
    if head[-1] in SI:
        return float(head[:-1]) * SI[head[-1]]
    return float(head)


@pytest.mark.parametrize(
    ("lab", "steps"), [("regression", None), ("optimize", None), ("optimize", "3"), ("pitfall", None)]
)
def test_a_log_axis_labels_every_tick_with_the_number_it_stands_for(
    live_server: LiveServer, page: Any, lab: str, steps: str | None
) -> None:
    """Plotly's default labels the ticks between powers of ten with a bare digit: the regression's MSE
    axis read "1 9 8 7 6 5 4 3 2 0.1 9 8", a "9" standing for 0.9 and one for 0.09 (log-axes.js)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    figures = open_after_a_run(page, live_server, lab)
    # Three steps of the lab's run: a loss axis within one power of ten (Plotly's own 'L' ticks).
    if steps is not None:
        page.fill("#steps", steps)
        page.click("#run")
        wait_until(page, f"document.querySelector('#loss').data?.[0]?.x?.length === {int(steps)}")
        wait_until(page, PLOTS_FILL_THEIR_BOXES)
    labels = [label for figure in figures for label in page.eval_on_selector(figure, LOG_TICK_LABELS)]
    assert len(labels) >= 2, f"{lab}: fewer than two labelled log ticks: {labels}"
    wrong = [text for text, at in labels if abs(math.log10(label_value(text)) - at) > 1e-6]
    assert wrong == [], f"{lab}: log tick labels that do not read as their value: {wrong} of {labels}"
