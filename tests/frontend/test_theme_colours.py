"""What scripts draw (the graph's canvas, Plotly) follows the theme: readable in dark, repainted on a switch.

axe checks the DOM's text; it cannot see the canvas the graph is drawn on, nor judge a plot's
lines against its background. So these read the colours the libraries were given (Cytoscape's
computed style, Plotly's full layout and traces) and hold them to WCAG's contrast ratios: 4.5 for
text, 3 for lines and borders (non-text contrast).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.frontend.page_wait import wait_until
from tests.live import LiveServer, screenshot

pytestmark = pytest.mark.browser

TEXT = 4.5
GRAPHICS = 3.0


def rgb(colour: str) -> tuple[float, float, float]:
    """'#1d2027', '#fff' or 'rgb(29, 32, 39)' / 'rgba(…)' as 0–255 channels."""
    colour = colour.strip().lower()
    if colour.startswith("#"):
        hexa = colour[1:]
        if len(hexa) == 3:
            hexa = "".join(c * 2 for c in hexa)
        return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)
    numbers = re.findall(r"[\d.]+", colour)
    assert len(numbers) >= 3, f"not a colour: {colour!r}"
    return float(numbers[0]), float(numbers[1]), float(numbers[2])


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_oracle() -> None:
    assert contrast("#000", "#ffffff") == pytest.approx(21.0)
    assert contrast("rgb(255, 255, 255)", "#fff") == pytest.approx(1.0)
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)  # the well-known AA grey


GRAPH_COLOURS = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const node = cy.nodes('.op').first();
  const edge = cy.edges().first();
  let el = document.getElementById('graph');
  let panel = getComputedStyle(el).backgroundColor;
  while (/rgba\\(0, 0, 0, 0\\)|transparent/.test(panel) && el.parentElement) {
    el = el.parentElement;
    panel = getComputedStyle(el).backgroundColor;
  }
  return { text: node.style('color'), fill: node.style('background-color'),
           border: node.style('border-color'), edge: edge.style('line-color'), panel };
}"""

PLOT_COLOURS = """(selector) => {
  const gd = document.querySelector(selector);
  const lines = gd._fullData.filter((t) => t.type === 'scatter' && t.visible !== false)
    .map((t) => (t.mode.includes('lines') ? t.line.color : t.marker.color))
    .filter((c) => typeof c === 'string');
  return { paper: gd._fullLayout.paper_bgcolor, plot: gd._fullLayout.plot_bgcolor,
           font: gd._fullLayout.font.color, tick: gd._fullLayout.xaxis.tickfont.color, lines };
}"""


def set_look(page: Any, url: str, theme: str, present: bool = False) -> None:
    page.goto(f"{url}/language.html")
    page.evaluate(
        "([theme, on]) => { localStorage.setItem('autograd-explorer:theme', theme);"
        " localStorage.setItem('autograd-explorer:presentation', JSON.stringify({ on, hide: [] })); }",
        [theme, present],
    )


def assert_readable_graph(colours: dict[str, str]) -> None:
    assert contrast(colours["text"], colours["fill"]) >= TEXT, colours
    assert contrast(colours["border"], colours["panel"]) >= GRAPHICS, colours
    assert contrast(colours["edge"], colours["panel"]) >= GRAPHICS, colours


def assert_readable_plot(colours: dict[str, Any], dark: bool) -> None:
    assert (luminance(colours["paper"]) < 0.05) == dark, colours
    assert colours["plot"] == colours["paper"]
    assert contrast(colours["font"], colours["paper"]) >= TEXT, colours
    assert contrast(colours["tick"], colours["paper"]) >= TEXT, colours
    assert colours["lines"], "no line drawn"
    for line in colours["lines"]:
        assert contrast(line, colours["paper"]) >= GRAPHICS, (line, colours)


def test_the_graph_and_the_f_plot_are_readable_in_dark_and_repaint_on_a_switch(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    set_look(page, live_server.url, "dark")
    page.goto(f"{live_server.url}/#ex=polynomial")
    page.wait_for_selector("body[data-ready]", timeout=60_000)
    dark = page.evaluate(GRAPH_COLOURS)
    assert luminance(dark["panel"]) < 0.05  # the graph sits on the dark panel…
    assert_readable_graph(dark)  # …with its labels, borders and edges readable on it
    screenshot(page, "theme-graph-dark-1280x720")

    page.select_option("#theme-toggle", "light")  # no reload: the drawn graph is recoloured
    light = page.evaluate(GRAPH_COLOURS)
    assert luminance(light["panel"]) > 0.9
    assert rgb(light["fill"]) != rgb(dark["fill"])
    assert_readable_graph(light)

    page.select_option("#theme-toggle", "dark")
    page.click(".view-tabs [data-view='plot']")
    page.wait_for_selector("#fx-plot .main-svg", timeout=60_000)
    assert_readable_plot(page.evaluate(PLOT_COLOURS, "#fx-plot"), dark=True)
    screenshot(page, "theme-f-plot-dark-1280x720")

    page.click("#present-toggle")  # presentation: high contrast, white on black
    presenting = page.evaluate(PLOT_COLOURS, "#fx-plot")
    assert contrast(presenting["font"], presenting["paper"]) >= 15
    assert_readable_plot(presenting, dark=True)
    page.click("#present-toggle")


def test_the_lab_plots_are_readable_in_dark(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    set_look(page, live_server.url, "dark")
    page.goto(f"{live_server.url}/optimize.html#")
    page.wait_for_selector("body[data-ready]", timeout=60_000)
    page.select_option("#example", "quadratic-lrs")
    wait_until(page, "document.querySelectorAll('#runs li').length === 4")
    wait_until(page, "document.querySelector('#loss').data?.length === 4")
    assert_readable_plot(page.evaluate(PLOT_COLOURS, "#loss"), dark=True)
    landscape = page.evaluate(PLOT_COLOURS, "#landscape")
    assert luminance(landscape["paper"]) < 0.05
    assert contrast(landscape["font"], landscape["paper"]) >= TEXT
    # The runs list's swatches are the plots' colours.
    swatches = page.eval_on_selector_all(
        "#runs .swatch", "els => els.map((e) => getComputedStyle(e).backgroundColor)"
    )
    loss_lines = page.evaluate(PLOT_COLOURS, "#loss")["lines"]
    assert [rgb(s) for s in swatches] == [rgb(c) for c in loss_lines]
    screenshot(page, "theme-optimize-dark-1280x720")

    page.goto(f"{live_server.url}/regression.html")
    page.wait_for_selector("#fit-plot .main-svg", timeout=60_000)
    # The server's figure (drawn for a white page), recoloured.
    assert_readable_plot(page.evaluate(PLOT_COLOURS, "#fit-plot"), dark=True)
    page.select_option("#theme-toggle", "light")
    assert_readable_plot(page.evaluate(PLOT_COLOURS, "#fit-plot"), dark=False)
