"""The lab pages' first view without Plotly (js/shared/first-plot.js, sketch-plot.js), in a browser.

Issue 13: a cold browser spent ~450 ms of each lab page's opening compiling Plotly and running its
first newPlot. The pages now say ready once their plots are on screen as sketches of the same
traces and layout (SVG), run Plotly after that and let it draw over them. These tests catch the
page at its ready moment (an observer registered before the page's scripts): the content is there
(the function's heatmap with its axes, the fit and its data, the loss curves), Plotly is not, and
Plotly's plot then replaces the sketch in the same place. On the old pages nothing was sketched:
the at-ready checks fail there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.frontend.page_wait import wait_until
from tests.live import LiveServer

pytestmark = pytest.mark.browser

# Runs before the page's scripts: records each plot's state in the task that sets body[data-ready].
AT_READY = """
window.__atReady = null;
new MutationObserver((records, observer) => {
  if (!document.body || !document.body.dataset.ready) return;
  observer.disconnect();
  const shot = (div) => {
    const svg = div.querySelector(':scope > svg.sketch');
    if (!svg) return null;
    const area = svg.querySelector('clipPath rect');
    return {
      images: svg.querySelectorAll('image').length,
      texts: [...svg.querySelectorAll('text')].map((t) => t.textContent),
      lines: [...svg.querySelectorAll('g[clip-path] path')]
        .filter((p) => p.getAttribute('fill') === 'none').length,
      dots: svg.querySelectorAll('g[clip-path] circle').length,
      area: ['x', 'y', 'width', 'height'].map((k) => Number(area.getAttribute(k))),
    };
  };
  window.__atReady = {
    plotly: typeof window.Plotly,
    plots: Object.fromEntries([...document.querySelectorAll('.plot')].map((div) => [div.id, shot(div)])),
  };
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
"""

# Plotly's plot area of the first subplot, in the same box as the sketch's (inside the div's border).
PLOTLY_AREA = """(div) => {
  const box = div.getBoundingClientRect();
  const r = div.querySelector('.nsewdrag').getBoundingClientRect();
  return [r.left - box.left - div.clientLeft, r.top - box.top - div.clientTop, r.width, r.height];
}"""


def open_at_ready(page: Any, url: str) -> dict[str, Any]:
    page.add_init_script(AT_READY)
    page.goto(url)
    wait_until(page, "!!window.__atReady")
    snapshot: dict[str, Any] = page.evaluate("window.__atReady")
    return snapshot


def replaced_in_place(page: Any, selector: str, traces: int, sketch_area: list[float]) -> None:
    """Plotly draws the div (its traces there, the sketch gone) with the plot area where the sketch had it."""
    wait_until(
        page,
        f"(document.querySelector('{selector}').data?.length || 0) >= {traces}"
        f" && !document.querySelector('{selector} > svg.sketch')",
    )
    area = page.eval_on_selector(selector, PLOTLY_AREA)
    # Within a few pixels: the sketch estimates Plotly's legend and margins, it does not run Plotly.
    assert area == pytest.approx(sketch_area, abs=8), (area, sketch_area)


def test_the_lab_is_ready_with_its_heatmap_sketched_and_plotly_draws_over_it(
    live_server: LiveServer, page: Any
) -> None:
    at_ready = open_at_ready(page, f"{live_server.url}/optimize.html")
    assert at_ready["plotly"] == "undefined"  # Plotly runs after the first view, not before it
    landscape = at_ready["plots"]["landscape"]
    assert landscape is not None, "no sketch at ready"
    assert landscape["images"] == 2  # the function's heatmap and its colour bar
    texts = landscape["texts"]
    assert "Path over the function (○ start, × end)" in texts
    assert {"u", "v", "−4", "4", "log(1+f−min)"} <= set(texts)  # axes with ticks, the colour bar's title
    assert at_ready["plots"]["loss"] is not None  # the loss plot's empty axes
    replaced_in_place(page, "#landscape", 1, landscape["area"])
    wait_until(page, "performance.getEntriesByName('optimize:contour-lines-drawn').length === 1")


def test_a_click_on_the_sketched_map_sets_the_start_before_plotly_has_loaded(
    live_server: LiveServer, page: Any, expected_console_errors: list[Any]
) -> None:
    page.route("**/plotly-cartesian.min.js", lambda route: route.abort())  # the sketch stays
    expected_console_errors.extend([re.compile("ERR_FAILED"), re.compile("Plotly could not be loaded")])
    at_ready = open_at_ready(page, f"{live_server.url}/optimize.html")
    x, y, width, height = at_ready["plots"]["landscape"]["area"]
    box = page.locator("#landscape").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 1 + x + width * 0.25, box["y"] + 1 + y + height * 0.75)
    u, v = (float(part.split("=")[1]) for part in page.input_value("#start").split(","))
    # A quarter from the left and from the bottom of [-5, 5]²: the nearest grid point to (−2.5, −2.5).
    assert u == pytest.approx(-2.5, abs=0.1) and v == pytest.approx(-2.5, abs=0.1)
    assert "Start set to" in page.inner_text("#status")


def test_the_regression_page_is_ready_with_its_fit_sketched_and_plotly_draws_over_it(
    live_server: LiveServer, page: Any
) -> None:
    at_ready = open_at_ready(page, f"{live_server.url}/regression.html")
    assert at_ready["plotly"] == "undefined"
    fit = at_ready["plots"]["fit-plot"]
    assert fit is not None, "no sketch at ready"
    assert fit["dots"] >= 50  # §8's data points
    assert fit["lines"] >= 3  # the gradient-descent fit, the closed form, the loss curve
    assert {"data and fits", "loss (log scale)", "autograd lr=0.01", "closed form"} <= set(fit["texts"])
    replaced_in_place(page, "#fit-plot", 3, fit["area"])


def test_the_pitfall_page_is_ready_with_both_curves_sketched_and_plotly_draws_over_them(
    live_server: LiveServer, page: Any
) -> None:
    at_ready = open_at_ready(page, f"{live_server.url}/pitfall.html")
    assert at_ready["plotly"] == "undefined"
    curves = at_ready["plots"]["pitfall-loss"]
    assert curves is not None, "no sketch at ready"
    assert curves["lines"] == 2
    title = "Loss per step, both runs (log scale)"
    assert {title, "without clearing", "with clearing", "step", "loss"} <= set(curves["texts"])
    replaced_in_place(page, "#pitfall-loss", 2, curves["area"])
