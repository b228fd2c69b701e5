"""Every page at a projector (1280×720), a laptop (1440×900) and a phone (390×844): nothing runs off
the right edge, the explorer's inspector and step controls are on screen, panels resize, collapse
and stay so after a reload, presentation mode, and the small fixes of issue 13."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import show_editor
from tests.frontend.graph_geometry import drawn_graph_text, edges_through_nodes
from tests.frontend.page_wait import TIMEOUT, wait_until
from tests.lang.test_tutorial_ops import MAKEMORE_BACKPROP
from tests.live import RUN_TIMEOUT_MS, LiveServer, screenshot

pytestmark = pytest.mark.browser

VIEWPORTS = [(1280, 720), (1440, 900), (390, 844)]
PAGES = {
    "explorer": ("/#ex=polynomial&step=3", "!!document.body.dataset.ready"),
    "optimize": ("/optimize.html", "!!document.body.dataset.ready"),
    "regression": ("/regression.html", "!!document.querySelector('#coefficients table')"),
    "pitfall": ("/pitfall.html", "!!document.querySelector('#with table.step-table')"),
    "models": ("/models.html", "document.querySelector('#status').textContent.length > 0"),
    "language": ("/language.html", "!!document.body.dataset.ready"),
}


def open_page(page: Any, server: LiveServer, name: str) -> None:
    path, ready = PAGES[name]
    page.goto("about:blank")
    page.goto(f"{server.url}{path}")
    wait_until(page, ready)
    wait_until(page, PLOTS_FILL_THEIR_BOXES)  # Plotly's responsive resize, where a box changed size


# Every Plotly figure drawn at its box's width inside the box's border (`responsive: true` redraws one
# whose box changed).
PLOTS_FILL_THEIR_BOXES = """[...document.querySelectorAll('.js-plotly-plot')].every((plot) => {
  const svg = plot.querySelector('.main-svg');
  return !svg || Math.abs(svg.getBoundingClientRect().width - plot.clientWidth) <= 1;
})"""


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not displayed"
    return dict(found)


def overflowing(page: Any) -> list[str]:
    """Elements reaching past the right edge of the page (none inside their own scrolling box)."""
    return list(
        page.evaluate(
            """() => document.documentElement.scrollWidth > innerWidth
              ? [...document.querySelectorAll('body *')]
                  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
                  .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className)
              : []"""
        )
    )


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_every_page_fits_the_width(
    live_server: LiveServer, page: Any, name: str, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, live_server, name)
    assert overflowing(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"layout-{name}-{width}x{height}")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS[:2])
def test_explorer_keeps_the_inspector_and_the_step_controls_on_screen(
    live_server: LiveServer, page: Any, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, live_server, "explorer")
    inspector, controls = box(page, "#inspector"), box(page, "#step-controls")
    assert inspector["y"] + 60 < height, inspector  # its heading and first lines without scrolling
    assert controls["y"] + controls["height"] <= height, controls
    # The view tabs, the toolbar and the legend each stay on one row.
    row = box(page, "#fit")["height"]
    for selector in [".view-tabs", "#graph-toolbar", "#graph-legend"]:
        assert box(page, selector)["height"] < 1.8 * row, selector


@pytest.mark.parametrize(("width", "height", "program_open"), [(1600, 1000, False), (1920, 1080, True)])
def test_the_default_layout_gives_the_graph_room(
    live_server: LiveServer, page: Any, width: int, height: int, program_open: bool
) -> None:
    # At 1600 px the open program panel (60 columns) beside the inspector left the graph 430 px.
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/language.html")
    page.evaluate("localStorage.removeItem('autograd-explorer:layout')")  # the default, not a remembered one
    open_page(page, live_server, "explorer")
    assert page.get_attribute("#editor-pane", "data-open") == str(program_open).lower()
    assert box(page, "#graph")["width"] >= 700
    assert box(page, "#inspector")["width"] >= 300
    screenshot(page, f"layout-explorer-default-{width}x{height}")


def test_the_program_panel_opens_at_60_columns_resizes_and_is_remembered(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, live_server, "explorer")
    assert page.get_attribute("#editor-pane", "data-open") == "false"  # 1280: the graph first
    side = box(page, "#side-pane")["width"]
    page.focus("#split-side")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wider = box(page, "#side-pane")["width"]
    assert wider == pytest.approx(side + 80, abs=2)

    page.click("#toggle-editor")
    expect(page.locator("#editor .cm-content")).to_be_visible()
    columns = page.evaluate(
        """() => {
          const content = document.querySelector('#editor .cm-content');
          const scroller = document.querySelector('#editor .cm-scroller');
          const gutter = document.querySelector('#editor .cm-gutters');
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = getComputedStyle(content).font;
          return (scroller.clientWidth - gutter.offsetWidth - 8) / ctx.measureText('0').width;
        }"""
    )
    assert columns >= 60, columns
    # 680 px of program beside the steps' 300 left the graph a 220 px strip: the steps yield to their
    # rail, the graph keeps its minimum (panels.js CENTRE_MIN, 420 px), and the program box does not
    # run over the inputs below it (squeezed by its scrolling pane, it did).
    assert page.get_attribute("#side-pane", "data-open") == "false"
    assert box(page, "#graph")["width"] >= 400
    editor_box, inputs_box = box(page, "#editor .cm-editor"), box(page, "fieldset.inputs")
    assert editor_box["y"] + editor_box["height"] <= inputs_box["y"]

    page.reload()
    wait_until(page, PAGES["explorer"][1])
    assert page.get_attribute("#editor-pane", "data-open") == "true"
    assert page.get_attribute("#side-pane", "data-open") == "false"
    page.click("#toggle-editor")  # the program closed: the steps it sent away come back, as wide as asked
    expect(page.locator("#inspector")).to_be_visible()
    assert box(page, "#side-pane")["width"] == pytest.approx(wider, abs=2)
    assert box(page, "#inspector")["y"] < 720  # the inspector did not fall below the fold

    page.click("#toggle-side")
    expect(page.locator("#inspector")).to_be_hidden()
    graph_before = box(page, "#graph")["width"]
    page.reload()
    wait_until(page, PAGES["explorer"][1])
    expect(page.locator("#inspector")).to_be_hidden()
    assert box(page, "#graph")["width"] == pytest.approx(graph_before, abs=4)
    page.click("#toggle-editor")  # closed by hand, the steps are not reopened when the program closes
    page.click("#toggle-editor")
    expect(page.locator("#inspector")).to_be_hidden()
    page.click("#toggle-side")
    expect(page.locator("#inspector")).to_be_visible()
    screenshot(page, "layout-explorer-panels-1280x720")


def test_presentation_mode_enlarges_type_hides_chosen_panels_and_survives_a_reload(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, live_server, "explorer")
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#present-toggle")  # the one switch, in every page's top bar
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    page.click("#present-menu summary")
    page.check("#present-menu [data-hide='legend']")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > normal
    # High contrast too: black on white in the light theme (the theme itself stays light).
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.get_attribute("html", "data-theme") is None
    expect(page.locator("#graph-legend")).to_be_hidden()
    # The program panel waits on its rail, one click from pasting (it was hidden, found only in
    # the "Panels" menu); opening it at 1280 sends the steps to theirs, so the graph keeps its room.
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "false")
    assert box(page, "#editor-pane")["width"] <= 60
    expect(page.locator("#inspector")).to_be_visible()
    page.click("#toggle-editor")
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "true")
    expect(page.locator("#editor-pane .cm-content")).to_be_visible()
    assert box(page, "#graph")["width"] >= 400
    # the toolbar takes a second row in that narrow column rather than run under the steps' rail
    search, graph = box(page, "#graph-toolbar input[type='search']"), box(page, "#graph")
    assert search["x"] + search["width"] <= graph["x"] + graph["width"] + 1
    page.click("#toggle-editor")
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "false")
    expect(page.locator("#inspector")).to_be_visible()
    page.check("#present-menu [data-hide='editor']")  # the lecturer may still hide it altogether
    expect(page.locator("#editor-pane")).to_be_hidden()

    page.reload()
    wait_until(page, PAGES["explorer"][1])
    assert page.evaluate("document.documentElement.dataset.present") == "on"
    expect(page.locator("#graph-legend")).to_be_hidden()
    controls = box(page, "#step-controls")
    assert controls["y"] + controls["height"] <= 720
    assert overflowing(page) == []
    assert box(page, ".view-tabs")["height"] < 1.8 * box(page, "#fit")["height"]
    help_button = box(page, "#help-button")
    assert help_button["x"] + help_button["width"] <= 1280  # the top bar's last tool stays on screen
    screenshot(page, "layout-explorer-presentation-1280x720")

    open_page(page, live_server, "optimize")  # the lab pages present in large type too
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > normal
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    page.click("#present-toggle")  # switched off from another page: off everywhere
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == normal
    page.goto(f"{live_server.url}/")
    wait_until(page, PAGES["explorer"][1])
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#editor-pane")).to_be_visible()
    expect(page.locator("#graph-legend")).to_be_visible()


STEP_ROW = ["[data-action='first']", "[data-action='last']", "#step-slider", "#step-label", "#speed"]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_presentation_keeps_the_step_controls_on_one_row_at_1280_and_usable_on_a_phone(
    live_server: LiveServer, page: Any, width: int, height: int
) -> None:
    # In 22 px type the speed wrapped under the step buttons at 1280 px, alone on a second row that
    # took the graph's height: the speed is now its select alone ("1×"), named by its title.
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, live_server, "explorer")
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#speed")).to_have_accessible_name("Play speed")
    buttons = box(page, "#step-controls [data-action='next']")
    if width == 1280:
        for selector in STEP_ROW:
            top = box(page, f"#step-controls {selector}")["y"]
            assert buttons["y"] <= top < buttons["y"] + buttons["height"], (selector, top, buttons)
        controls = box(page, "#step-controls")
        assert controls["y"] + controls["height"] <= height
    else:  # a phone may wrap them, each on screen
        for selector in STEP_ROW:
            found = box(page, f"#step-controls {selector}")
            assert found["x"] >= 0 and found["x"] + found["width"] <= width, (selector, found)
    assert overflowing(page) == []
    page.select_option("#speed", "400")  # usable: it changes the speed of play
    page.click("#step-controls [data-action='play']")
    expect(page.locator("#step-label")).to_have_text("step 4 / 4", timeout=5_000)
    screenshot(page, f"layout-explorer-presentation-step-controls-{width}x{height}")
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


PASS_ROW = ["#passes-panel > summary", "#pass-shown", "#iteration-input"]


def tops_within_row(page: Any, row: str, selectors: list[str]) -> None:
    """Each selector's top inside the row of `row`'s box (one row, not wrapped under it)."""
    line = box(page, row)
    for selector in selectors:
        top = box(page, selector)["y"]
        assert line["y"] - 4 <= top < line["y"] + line["height"], (selector, top, line)


def step_controls_on_one_row(page: Any) -> None:
    """The step controls one row high, each on the step buttons' row, above the screen's bottom."""
    button = "#step-controls [data-action='next']"
    tops_within_row(page, button, [f"#step-controls {selector}" for selector in STEP_ROW])
    controls = box(page, "#step-controls")
    assert controls["height"] < 1.8 * box(page, button)["height"], controls
    assert controls["y"] + controls["height"] <= page.viewport_size["height"], controls


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_presentation_keeps_a_training_loops_controls_on_one_row_at_1280_and_usable_on_a_phone(
    live_server: LiveServer, page: Any, width: int, height: int
) -> None:
    # The lecture's 4000-iteration loop: "iteration k of n" and "open iteration" wrapped the step
    # controls onto a second row at 1280 px in 22 px type (a third with the backward-call menu), under
    # a loss summary of two lines, taking the graph's height. They sit on the loss plot's row now.
    page.set_viewport_size({"width": width, "height": height})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=lecture-fit-autograd")
    wait_until(page, PAGES["explorer"][1], RUN_TIMEOUT_MS)
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#pass-shown")).to_have_text("iteration 4000 of 4000")
    expect(page.locator("#iteration-input")).to_have_accessible_name(re.compile(r"^Open iteration"))
    if width == 1280:
        step_controls_on_one_row(page)
        tops_within_row(page, "#passes-panel", PASS_ROW)
        assert box(page, "#passes-row")["height"] < 1.8 * box(page, "#passes-panel > summary")["height"]
    else:  # a phone may wrap them, each on screen (the pass row by scrolling, above the sticky steps)
        page.locator("#pass-bar").scroll_into_view_if_needed()
        for selector in [*STEP_ROW, *PASS_ROW]:
            found = box(page, selector if selector in PASS_ROW else f"#step-controls {selector}")
            assert found["x"] >= 0 and found["x"] + found["width"] <= width, (selector, found)
        bar, controls = box(page, "#pass-bar"), box(page, "#step-controls")
        assert bar["y"] >= 0 and bar["y"] + bar["height"] <= controls["y"], (bar, controls)
    assert overflowing(page) == []
    screenshot(page, f"layout-explorer-presentation-pass-controls-{width}x{height}")
    runs = page.evaluate("document.body.dataset.runs")
    page.fill("#iteration-input", "2000")  # usable: the server records iteration 2000, shown
    page.press("#iteration-input", "Enter")
    wait_until(page, f"document.body.dataset.runs !== '{runs}'", RUN_TIMEOUT_MS)
    expect(page.locator("#pass-shown")).to_have_text("iteration 2000 of 4000", timeout=RUN_TIMEOUT_MS)
    page.click("#step-controls [data-action='next']")
    expect(page.locator("#step-label")).to_have_text(re.compile(r"^step 1 / "))
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


def test_presentation_puts_the_backward_call_menu_beside_the_loss_plot_at_1280(
    live_server: LiveServer, page: Any
) -> None:
    # Three backward calls: the menu alone picks the pass (the number box would say it again), its
    # word gone in 22 px type as the speed's ("3: backward (line 4)" says it).
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=pitfall-accumulation")
    wait_until(page, PAGES["explorer"][1])
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#pass-picker")).to_have_accessible_name("Backward call")
    expect(page.locator("#iteration-input")).to_be_hidden()
    step_controls_on_one_row(page)
    tops_within_row(page, "#passes-panel", ["#pass-shown", "#pass-picker"])
    page.select_option("#pass-picker", "0")
    expect(page.locator("#pass-shown")).to_have_text("iteration 1 of 3")
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


def test_the_f_and_fprime_plot_keeps_its_axis_labels_and_legend_at_1280(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=polynomial&view=plot")
    page.wait_for_selector("#fx-plot .main-svg", timeout=TIMEOUT)
    plot = box(page, "#fx-plot")
    title = box(page, "#fx-plot .xtitle")
    assert title["y"] + title["height"] <= min(plot["y"] + plot["height"], 720) + 1, (title, plot)
    ticks = page.locator("#fx-plot .xtick text").all()
    assert ticks and all(t.bounding_box()["y"] < 720 for t in ticks)
    assert page.locator("#fx-plot .legend .traces").count() >= 2
    screenshot(page, "layout-explorer-plot-1280x720")


def test_an_example_from_the_lecture_notes_opens_in_the_graph(live_server: LiveServer, page: Any) -> None:
    page.goto(f"{live_server.url}/#ex=polynomial&view=lecture")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    runs = page.evaluate("document.body.dataset.runs")
    page.locator("#lecture-view .example-list button").nth(1).click()
    wait_until(page, f"document.body.dataset.runs !== '{runs}'")
    assert page.get_attribute("#explorer", "data-view") == "graph"
    expect(page.locator("#graph")).to_be_visible()


def test_the_lab_says_what_ran_and_that_a_blown_up_run_diverged(live_server: LiveServer, page: Any) -> None:
    page.goto(f"{live_server.url}/optimize.html")
    wait_until(page, PAGES["optimize"][1])
    page.click("#run")
    expect(page.locator("#status")).to_have_text(re.compile(r"ran 1 run in \d+ ms"), timeout=TIMEOUT)
    page.click("#add")
    added = re.compile(r"added run 2 \(only it was computed\)")
    expect(page.locator("#status")).to_have_text(added, timeout=TIMEOUT)
    expect(page.locator("#runs li")).to_have_count(2)

    page.select_option("#example", "quadratic-lrs")  # lr 0.21 on κ = 10: |1 − 0.21·10| > 1
    expect(page.locator("#runs li")).to_have_count(4, timeout=TIMEOUT)
    runs = page.locator("#runs li")
    assert "diverged: the loss grew from" in runs.nth(3).inner_text()
    assert "diverged" not in runs.nth(0).inner_text()  # lr 0.05 converges


def test_the_status_beside_run_says_what_the_run_did(live_server: LiveServer, page: Any) -> None:
    page.goto(f"{live_server.url}/#ex=polynomial")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    show_editor(page)  # Run is in the program panel, on its rail below 1880 px
    expect(page.locator("#run-status")).to_have_text(re.compile(r"^4 nodes, 4 steps · traced in \d+ ms"))
    runs = page.evaluate("document.body.dataset.runs")
    page.click("#run")
    wait_until(page, f"document.body.dataset.runs !== '{runs}'")
    expect(page.locator("#run-status")).to_have_text(re.compile(r"^4 nodes, 4 steps"))


NODES_ON_SCREEN = """() => {
  const graph = document.getElementById('graph');
  const cy = graph._cyreg.cy;
  const { width, height } = graph.getBoundingClientRect();
  return cy.nodes().map((n) => {
    const b = n.renderedBoundingBox();
    const inside = b.x1 >= 0 && b.y1 >= 0 && b.x2 <= width && b.y2 <= height;
    return { label: n.data('text').split('\\n')[0], inside };
  });
}"""


@pytest.mark.parametrize(("width", "height", "label_px"), [(1280, 720, 14), (390, 844, 11)])
def test_the_first_example_shows_its_whole_graph(
    live_server: LiveServer, page: Any, width: int, height: int, label_px: float
) -> None:
    """A graph that fits the view at the readable zoom is shown whole: centred on its output, the
    first example's input x was cut off at the left with a third of the view empty on the right.
    A phone, read at arm's length, may draw labels at 11 px: at 14 its middle nodes ran off both sides."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/#ex=polynomial")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    assert float(page.get_attribute("#graph", "data-label-px") or 0) >= label_px
    nodes = page.evaluate(NODES_ON_SCREEN)
    assert len(nodes) == 4 and [n["label"] for n in nodes if not n["inside"]] == [], nodes
    # Nothing covers it: on a phone the step controls stick to the screen's bottom edge, and at 55vh
    # the graph ran 65 px under them (the output node half hidden).
    graph_bottom, controls_top = page.evaluate(
        "[document.getElementById('graph').getBoundingClientRect().bottom,"
        " document.getElementById('step-controls').getBoundingClientRect().top]"
    )
    assert graph_bottom <= controls_top + 1, (graph_bottom, controls_top)


EDGES_SHOWN = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  return cy.edges().map((e) => {
    const [a, b] = [e.sourceEndpoint(), e.targetEndpoint()];
    return [e.source().data('text').split('\\n')[0], Math.round(Math.hypot(b.x - a.x, b.y - a.y))];
  });
}"""

# Each gradient label (its drawn box, background included) that another edge's drawn path runs
# through, as "label over edge": the path is sampled every 2 units, so this shares no geometry code
# with the page's own placement.
LABELS_OVER_EDGES = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const hits = [];
  for (const e of cy.edges('.carrying')) {
    const r = e.boundingBox({ includeEdges: false, includeLabels: true, includeOverlays: false });
    for (const o of cy.edges().not(e).filter((o) => o.visible())) {
      const pts = [o.sourceEndpoint(), ...(o.segmentPoints() || o.controlPoints() || []), o.targetEndpoint()];
      const through = pts.slice(1).some((q, i) => {
        const p = pts[i];
        const n = Math.ceil(Math.hypot(q.x - p.x, q.y - p.y) / 2);
        return Array.from({ length: n + 1 }, (_, k) => k / n)
          .map((f) => [p.x + (q.x - p.x) * f, p.y + (q.y - p.y) * f])
          .some(([x, y]) => x > r.x1 && x < r.x2 && y > r.y1 && y < r.y2);
      });
      const title = (n) => n.data('text').split('\\n')[0];
      if (through) hits.push(`${e.data('flow')} over ${title(o.source())} → ${title(o.target())}`);
    }
  }
  return hits;
}"""


# Pairs of a step's gradient labels whose drawn boxes (background included) overlap.
def open_at_step(
    page: Any, server: LiveServer, example: str, step: int, size: tuple[int, int], carrying: int = 2
) -> None:
    """An example opened from a link at a step that sends gradient along `carrying` edges or more."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{server.url}/#ex={example}&step={step}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-controls")).to_have_attribute("data-position", str(step))
    wait_until(page, f"document.getElementById('graph')._cyreg.cy.edges('.carrying').length >= {carrying}")


LABELS_OVERLAPPING = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const boxes = cy.edges('.carrying').map((e) => [e.data('flow'),
    e.boundingBox({ includeEdges: false, includeLabels: true, includeOverlays: false })]);
  return boxes.flatMap(([a, r], i) => boxes.slice(i + 1)
    .filter(([, q]) => r.x1 < q.x2 && q.x1 < r.x2 && r.y1 < q.y2 && q.y1 < r.y2).map(([b]) => `${a} / ${b}`));
}"""


@pytest.mark.parametrize(
    ("example", "step", "width", "height"),
    [
        ("lecture-vanishing", 7, 1280, 720),
        ("lecture-simple-nn", 4, 1280, 720),
        ("lecture-fit-autograd", 7, 390, 844),
    ],
)
def test_a_steps_gradient_labels_never_cover_each_other(
    live_server: LiveServer, page: Any, example: str, step: int, width: int, height: int
) -> None:
    """A step that sends several gradients labels each edge: each label is placed clear of the ones
    placed before it. The deep sigmoid network's step 7 set "← [0.004148, −0.001192, …]" (to the bias)
    and "← 64×16, mean 1.99e−6" over each other, above the same node; SimpleNN's step 4 and the
    quadratic fit's step 7 on a phone too."""
    open_at_step(page, live_server, example, step, (width, height))
    assert page.evaluate(LABELS_OVERLAPPING) == []
    screenshot(page, f"layout-labels-apart-{example}-{width}")


# The nodes the current step sends gradient to (the sources of the edges carrying it), and whether
# each is wholly on screen.
RECEIVERS_IN_VIEW = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const view = cy.extent();
  return cy.edges('.carrying').sources().map((n) => {
    const b = n.boundingBox({ includeLabels: false, includeOverlays: false });
    return [n.id(), b.x1 >= view.x1 && b.y1 >= view.y1 && b.x2 <= view.x2 && b.y2 <= view.y2];
  });
}"""


def test_a_step_whose_receivers_cannot_all_be_shown_shows_the_nearest(
    live_server: LiveServer, page: Any
) -> None:
    """SimpleNN's step 4 at 1280×720 sends gradient to three nodes above z₄ (fc2's bias, its weight's
    t, and h); the graph is too short for all of them with z₄ and the labels, and the view showed none,
    only the arrows leaving its top. It shows those that fit, the nearest first."""
    open_at_step(page, live_server, "lecture-simple-nn", 4, (1280, 720), carrying=3)
    receivers = dict(page.evaluate(RECEIVERS_IN_VIEW))
    assert len(receivers) >= 2 and not all(receivers.values()), receivers  # the case: not all fit
    assert any(receivers.values()), receivers
    assert page.get_attribute("#graph", "data-current-in-view") == "true"
    screenshot(page, "layout-nearest-receiver-simple-nn-step4")


LABELS_IN_VIEW = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const view = cy.extent();
  return cy.edges('.carrying').map((e) => {
    const b = e.boundingBox({ includeEdges: false, includeLabels: true, includeOverlays: false });
    return [e.data('flow'), b.x1 >= view.x1 && b.y1 >= view.y1 && b.x2 <= view.x2 && b.y2 <= view.y2];
  });
}"""


def test_a_step_opened_from_a_link_on_a_phone_shows_its_gradients_labels(
    live_server: LiveServer, page: Any
) -> None:
    """SimpleNN's step 4 sends three gradients along edges that come from far left of z₄: each label
    sat at its edge's middle, off a phone's screen, and the stretch on screen was too short to hold
    it, so the page showed z₄ and no label at all (stepping there from step 3 showed them). The node
    now goes to the screen's right edge, and the labels slide along what is then on screen."""
    open_at_step(page, live_server, "lecture-simple-nn", 4, (390, 844), carrying=3)
    labels = dict(page.evaluate(LABELS_IN_VIEW))
    assert len(labels) == 3 and all(labels.values()), labels
    assert page.get_attribute("#graph", "data-current-in-view") == "true"
    screenshot(page, "layout-phone-labels-simple-nn-step4")


@pytest.mark.parametrize(
    ("example", "steps", "width", "height", "label_px"),
    [
        ("least-squares", 5, 1280, 720, 14),
        ("pitfall-inplace-fixed", 4, 1280, 720, 14),
        ("one-layer", 7, 1280, 720, 14),
        ("vector-output", 6, 1280, 720, 14),
        ("pitfall-inplace-fixed", 4, 390, 844, 11),
    ],
)
def test_a_chain_too_long_for_the_panel_wraps_into_rows_shown_whole(
    live_server: LiveServer, page: Any, example: str, steps: int, width: int, height: int, label_px: float
) -> None:
    """Lecture 4's least squares is five nodes in a row: at 1280×720 the readable zoom showed the output
    end, w and z₃ = X @ w off the panel's left edge (the pitfall's fixed version lost x). The nodes now
    wrap into rows, left to right in each, and the whole graph is shown at the readable zoom. Each keeps
    room for what it gains while stepping: w, an ellipse that gains two lines, grew over its arrow.
    The one-layer example's w and b, stacked in its first layer, made rows too tall (2 of its 7 nodes
    were in view); each input now sits just before its first consumer. An edge to the next row returns
    into the gap between the rows: straight, z → z₂ ran under b. On a phone the rows are judged with
    every node at its largest: laid out two to a row, x and y grew past the view as the pass ended.
    A gradient's label is never set on another edge's line."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/#ex={example}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#graph")).to_have_attribute("data-wrapped", "true")
    assert float(page.get_attribute("#graph", "data-label-px") or 0) >= label_px
    for position in range(steps + 1):
        if position:
            page.keyboard.press("ArrowRight")
            expect(page.locator("#step-controls")).to_have_attribute("data-position", str(position))
        nodes = page.evaluate(NODES_ON_SCREEN)
        assert len(nodes) == steps and [n["label"] for n in nodes if not n["inside"]] == [], (position, nodes)
        assert page.evaluate(NODE_OVERLAPS) == [], position
        # Every arrow stays visible between its two nodes.
        assert [edge for edge in page.evaluate(EDGES_SHOWN) if edge[1] < 30] == [], position
        # No gradient's label lies on another edge, where it reads as that edge's: set above both nodes,
        # the one-layer example's "← [[6]]" lay on the line of z → z₂ returning to the next row.
        assert page.evaluate(LABELS_OVER_EDGES) == [], position
        assert page.evaluate(LABELS_OVERLAPPING) == [], position  # one-layer's step 4 sends [[6]] twice
    # At the pass's end, every node at its largest, no edge runs through a node.
    assert [path for path, _ in edges_through_nodes(drawn_graph_text(page))] == []
    screenshot(page, f"layout-rows-{example}-{width}-end")
    # A link to a step lays it out as the start does: at step 2 z₃ is wider by its accumulator, and the
    # rows, sized for the nodes as they were at that step, were too wide and fell back to one.
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex={example}&step=2")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-controls")).to_have_attribute("data-position", "2")
    expect(page.locator("#graph")).to_have_attribute("data-wrapped", "true")
    assert [n["label"] for n in page.evaluate(NODES_ON_SCREEN) if not n["inside"]] == []


LAYOUT = """() => {
  const graph = document.getElementById('graph');
  const cy = graph._cyreg.cy;
  const round = (p) => [Math.round(p.x), Math.round(p.y)];
  return { orientation: graph.dataset.orientation, wrapped: graph.dataset.wrapped,
           positions: Object.fromEntries(cy.nodes().map((n) => [n.id(), round(n.position())])) };
}"""


def test_a_small_graph_is_laid_out_again_for_a_resized_panel(live_server: LiveServer, page: Any) -> None:
    """A small graph is laid out for its panel's width when drawn. In a narrower window least squares
    does not fit at 14 px even in rows; widened, the page kept that layout, w and z₃ = X @ w off the
    panel's edge, where a page opened at the new size shows it whole in rows. It is now laid out again
    for the panel as it is, as a fresh page at that size lays it out (the oracle), the step kept."""
    page.set_viewport_size({"width": 1150, "height": 720})  # a 705 px graph panel
    page.goto(f"{live_server.url}/#ex=least-squares&step=2")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#graph")).to_have_attribute("data-wrapped", "false")
    narrow = page.evaluate(LAYOUT)
    page.set_viewport_size({"width": 1280, "height": 720})  # 835 px
    wait_until(page, "document.getElementById('graph').clientWidth > 800")
    expect(page.locator("#graph")).to_have_attribute("data-wrapped", "true")
    expect(page.locator("#step-controls")).to_have_attribute("data-position", "2")
    resized = page.evaluate(LAYOUT)
    assert [n["label"] for n in page.evaluate(NODES_ON_SCREEN) if not n["inside"]] == []
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=least-squares&step=2")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    fresh = page.evaluate(LAYOUT)
    assert resized == fresh and resized != narrow, (narrow, resized, fresh)


def test_presentation_keeps_every_pitfall_column_in_view_at_1280(live_server: LiveServer, page: Any) -> None:
    # Side by side in 22 px type, each 6-column table hid grad a and grad b behind its scrollbar.
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, live_server, "pitfall")
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    for wrap in ("#without", "#with"):
        assert page.locator(wrap).evaluate("w => w.scrollWidth <= w.clientWidth + 1"), wrap
    screenshot(page, "layout-pitfall-presentation-1280x720")
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


def test_presentation_wraps_a_step_title_that_quotes_long_source(live_server: LiveServer, page: Any) -> None:
    # SimpleNN's step 2 is titled `z6 = model(X_train).squeeze() (SqueezeBackward0)`: in 22 px type
    # the panel cut it at its right edge (a run with no break point), the op's name unseen.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn")
    wait_until(page, PAGES["explorer"][1])
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    title = page.locator("#step-panel h2")
    expect(title).to_contain_text("squeeze()")
    assert page.locator("#step-panel").evaluate("p => p.scrollWidth <= p.clientWidth + 1")
    right = page.locator("#step-panel").evaluate("p => p.getBoundingClientRect().right")
    text_right = title.evaluate(
        "h => { const r = document.createRange(); r.selectNodeContents(h);"
        " return r.getBoundingClientRect().right; }"
    )
    assert text_right <= right + 1, (text_right, right)
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


def test_a_long_node_title_takes_two_lines_of_the_accumulators(live_server: LiveServer, page: Any) -> None:
    # SimpleNN's loss is titled `loss = criterion(model(X_train).squeeze(), …)` (it was `loss =
    # binarycrossentropy (criterion(…)…)`): its 90 px cell broke it into five lines of letters and
    # pushed the other accumulators out of view.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn")
    wait_until(page, PAGES["explorer"][1])
    cell = page.locator("#accumulators td.name").first
    expect(cell).to_have_attribute("title", "loss = criterion(model(X_train).squeeze(), …)")
    # one evaluation that finds the cell itself: the table is redrawn when the step details land,
    # and a cell located first could be measured once detached (no style: NaN)
    lines = page.evaluate(
        "() => { const c = document.querySelector('#accumulators td.name');"
        " const s = c.querySelector('.clamp') || c; const style = getComputedStyle(s);"
        " const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;"
        " return s.getBoundingClientRect().height / line; }"
    )
    assert 1.5 < lines <= 2.05, lines  # two lines, the rest cut (the title holds it)
    screenshot(page, "layout-accumulator-long-title-1280x720")


def test_a_cut_matrix_in_the_accumulators_reads_as_shape_and_mean(live_server: LiveServer, page: Any) -> None:
    # The vanishing-gradient example's `t` nodes hold 16×1 gradients: listed in the 90 px column
    # they broke into a line per bracket and comma ("[[0.0677]", ",", "[0.05885]", ",", …).
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-vanishing&step=3")
    wait_until(page, PAGES["explorer"][1])
    # (a Linear's `t` is named by the call that made it: the last layer's, reached by step 3, is
    # "z₂₅ = t in model(X)", the model's own output; the others "t in model.14", …)
    transposes = page.locator("td.name", has_text=re.compile(r"= t in model\(X\)$"))
    row = page.locator("#accumulators tr", has=transposes).first
    expect(row.locator("td.acc")).to_have_text(re.compile(r"^16×1, mean \S+$"))
    lines = row.locator("td.acc").evaluate(
        "c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; }"
    )
    assert lines <= 3, lines  # as the summarized 64×1 row above it; the list took nine


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_the_pitfall_start_field_sits_under_its_label(
    live_server: LiveServer, page: Any, width: int, height: int
) -> None:
    # In the band of controls above the tables the label sat on the title's row and its input at
    # the bottom of the note's, three lines of text between them.
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, live_server, "pitfall")
    label, field = box(page, "label[for=start]"), box(page, "#start")
    assert 0 <= field["y"] - (label["y"] + label["height"]) <= 6, (label, field)
    if width > 700:  # one band: the three inputs on one line
        for other in ("#lr", "#steps"):
            assert abs(field["y"] - box(page, other)["y"]) <= 1, other
    screenshot(page, f"layout-pitfall-start-{width}x{height}")


def test_an_empty_inspector_leaves_the_side_column_to_the_steps(live_server: LiveServer, page: Any) -> None:
    # At 1280x720 the empty inspector (its title and a hint) held 45 % of the column while the step
    # panel's accumulators scrolled in the rest; picked, a node's details get their share again.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn&step=5")
    wait_until(page, PAGES["explorer"][1])
    expect(page.locator("#inspector")).to_have_attribute("data-empty", "true")

    def heights() -> tuple[float, float, float]:
        return tuple(  # type: ignore[return-value]
            page.evaluate(
                "() => ['#step-panel', '#inspector', '#inspector > p'].map("
                "s => document.querySelector(s)?.getBoundingClientRect().height ?? 0)"
            )
        )

    steps, inspector, hint = heights()
    assert inspector < hint + 80, (inspector, hint)  # its title and hint, padding: nothing more
    assert steps > 2.5 * inspector, (steps, inspector)
    page.fill("#search", "fc1")
    page.press("#search", "Enter")
    expect(page.locator("#inspector h2")).to_contain_text("Inspector: ")
    expect(page.locator("#inspector")).to_have_attribute("data-empty", "false")
    steps, inspector, _ = heights()
    assert inspector >= 128, inspector  # 8rem at least: the node's value is in view
    screenshot(page, "layout-inspector-empty-then-picked-1280x720")


# The width a canvas gives a character in the step controls' font, against a private-use character's:
# a character no installed font has is drawn as the same empty box (⏸, U+23F8, was: no font here has it).
DRAWN_GLYPHS = """() => {
  const context = document.createElement('canvas').getContext('2d');
  context.font = getComputedStyle(document.querySelector('#step-controls button')).font;
  const missing = context.measureText('\\ue000').width;
  return [...document.querySelectorAll('#step-controls button')]
    .map((button) => [...button.textContent.trim()][0])
    .filter((glyph) => context.measureText(glyph).width === missing);
}"""


def test_every_step_control_glyph_is_drawn_by_a_font(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, live_server, "explorer")
    assert page.evaluate(DRAWN_GLYPHS) == []
    page.keyboard.press("Space")  # playing: the play button shows its pause glyph
    expect(page.locator("#step-controls [data-action='play']")).to_have_attribute("aria-label", "Pause")
    assert page.evaluate(DRAWN_GLYPHS) == []
    page.keyboard.press("Space")


def test_presentation_gives_a_module_programs_graph_the_room_at_1280(
    live_server: LiveServer, page: Any
) -> None:
    # lecture-vanishing (nn.Sequential, 9 printed lines) at 1280×720 in 22 px type: its sixth view
    # tab (‖∇‖) put "Panels" on a second row, and six lines of console took 180 px: the graph had 240
    # of the 720 px. The tabs are one row now, the console four lines high, the graph 340 px.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=lecture-vanishing")
    wait_until(page, PAGES["explorer"][1], RUN_TIMEOUT_MS)
    page.click("#present-toggle")
    expect(page.locator("#present-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".view-tabs [data-view='gradnorms']")).to_be_visible()
    tabs = [".view-tabs [data-view='graph']", ".view-tabs [data-view='gradnorms']", "#present-menu > summary"]
    tops_within_row(page, ".view-tabs [data-view='graph']", tabs)
    expect(page.locator("#console")).to_have_js_property("open", True)
    assert box(page, "#graph")["height"] >= 320, box(page, "#graph")
    step_controls_on_one_row(page)
    assert overflowing(page) == []
    screenshot(page, "layout-explorer-presentation-module-program-1280x720")
    page.click("#present-toggle")  # off again: the stored setting must not leak into other tests' pages


ACTIVE_NODE = """() => {
  const graph = document.getElementById('graph');
  const cy = graph._cyreg.cy;
  const b = cy.nodes('.active').renderedBoundingBox({ includeLabels: false, includeOverlays: false });
  return { text: cy.nodes('.active').data('text'), left: b.x1, right: b.x2, width: graph.clientWidth };
}"""


@pytest.mark.parametrize("layout", ["phone", "program-open"])
def test_a_node_with_a_long_title_fits_the_graphs_width(
    live_server: LiveServer, page: Any, layout: str
) -> None:
    """SimpleNN's loss, then "loss = binarycrossentropy (criterion(model(X_train).squeeze…)", was one
    line of 61 characters: at step 1 its node was 405 px wide on a 390 px phone and wider than the graph
    beside an open program panel at 1280×720, cut at both sides. The title takes two lines: "loss ="
    over the call as the code spells it (broken after its comma, "…)" alone would be the second)."""
    page.set_viewport_size(
        {"width": 390, "height": 844} if layout == "phone" else {"width": 1280, "height": 720}
    )
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn")
    wait_until(page, PAGES["explorer"][1])
    if layout == "program-open":
        show_editor(page)
    page.keyboard.press("ArrowRight")
    wait_until(page, "document.getElementById('graph')._cyreg.cy.nodes('.active').length === 1")
    wait_until(page, "document.getElementById('graph').dataset.currentInView === 'true'")
    screenshot(page, f"layout-long-title-{layout}")
    node = page.evaluate(ACTIVE_NODE)
    assert node["text"].startswith("loss =\ncriterion(model(X_train).squeeze(), …)\n"), node
    assert node["left"] >= 0 and node["right"] <= node["width"], node


NODE_OVERLAPS = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const shape = { includeLabels: false, includeOverlays: false };
  const boxes = cy.nodes().map((n) => [n.id(), n.boundingBox(shape)]);
  const pairs = [];
  for (const [i, [a, p]] of boxes.entries()) {
    for (const [b, q] of boxes.slice(i + 1)) {
      if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) pairs.push([a, b]);
    }
  }
  return pairs;
}"""


BOXED_OVERLAPS = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const shape = { includeLabels: false, includeOverlays: false };
  // the nodes and closed boxes (an open box is a frame round others), each pair once
  const title = (n) => n.data('text').split('\\n')[0];
  const drawn = cy.nodes().filter((n) => !n.hasClass('open')).map((n) => [title(n), n.boundingBox(shape)]);
  const pairs = [];
  for (const [i, [a, p]] of drawn.entries()) {
    for (const [b, q] of drawn.slice(i + 1)) {
      if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) pairs.push([a, b]);
    }
  }
  return pairs;
}"""


def test_a_boxed_graphs_nodes_keep_room_for_their_lines_at_the_passs_end(
    live_server: LiveServer, page: Any
) -> None:
    """The deep sigmoid network drawn as boxes: at the pass's end its first layer's leaves show
    ".grad [1.619e−9, 2.583e−10, …]" and "this pass adds …", wider than the room a boxed node kept
    (24 characters): model.0.bias grew over model.0.weight and out of its box. A leaf is laid out
    with room for its lines at the end of the pass shown, as a small graph's nodes are. An
    operation's "accumulator 64×16, mean 6.06e−12" is wider than its room too (neighbouring sigmoids
    overlapped): it is broken in two, into the spare line kept."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-vanishing")
    wait_until(page, PAGES["explorer"][1])
    page.keyboard.press("End")
    expect(page.locator("#step-controls")).to_have_attribute(
        "data-position", page.locator("#step-slider").get_attribute("max") or ""
    )
    wait_until(page, "document.getElementById('graph')._cyreg.cy.nodes('.active').length === 1")
    drawn = page.evaluate(
        "() => document.getElementById('graph')._cyreg.cy.nodes().map((n) => n.data('text').split('\\n')[0])"
    )
    assert "model.0.bias" in drawn and "model.0.weight" in drawn, drawn
    assert page.evaluate(BOXED_OVERLAPS) == []
    texts = page.evaluate(
        "() => document.getElementById('graph')._cyreg.cy.nodes().map((n) => n.data('text'))"
    )
    assert any("accumulator 64×16,\nmean " in text for text in texts), texts


def test_a_node_that_gains_lines_while_stepping_grows_into_room_kept_for_it(
    live_server: LiveServer, page: Any
) -> None:
    """On a phone the vector output is laid out top to bottom, b (an ellipse) beside z₁ in one row.
    Laid out for their labels at the start, b grew an accumulator line at step 2 (wider, and an
    ellipse grows √2 times its text) and covered z₁'s right edge. Each node is now laid out for its
    label at the pass's end too: at no step do two nodes overlap."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/#ex=vector-output")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#graph")).to_have_attribute("data-orientation", "TB")
    steps = int(page.locator("#step-slider").get_attribute("max") or 0)
    assert steps == 6
    for position in range(steps + 1):
        if position:
            page.keyboard.press("ArrowRight")
        expect(page.locator("#step-controls")).to_have_attribute("data-position", str(position))
        assert page.evaluate(NODE_OVERLAPS) == [], position
    screenshot(page, "layout-vector-output-phone-end")


CARRIED_LABELS = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const shape = { includeLabels: false, includeOverlays: false };
  const meet = (p, q) => p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2;
  return cy.edges('.carrying').map((e) => {
    const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
    const label = e.boundingBox(only);
    const ends = [e.source(), e.target()].filter((n) => meet(label, n.boundingBox(shape)));
    const titles = ends.map((n) => n.data('text').split('\\n')[0]);
    return { label: e.data('flow'), height: label.h, covers: titles };
  });
}"""


LABELS_OVER_NODES = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const shape = { includeLabels: false, includeOverlays: false };
  const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
  // 4 units of slack: a label's background patch may touch a node's border
  const meet = (p, q) => p.x1 + 4 < q.x2 && q.x1 + 4 < p.x2 && p.y1 + 4 < q.y2 && q.y1 + 4 < p.y2;
  return cy.edges('.carrying').flatMap((e) => {
    const label = e.boundingBox(only);
    const covered = cy.nodes().filter((n) => meet(label, n.boundingBox(shape)));
    return covered.map((n) => `${e.data('flow')} over ${n.data('text').split('\\n')[0]}`);
  });
}"""


# The carrying edges whose midpoint is on screen and whose label is not wholly on screen.
LABELS_OUT_OF_VIEW = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const view = cy.extent();
  const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
  const inside = (x, y) => view.x1 <= x && x <= view.x2 && view.y1 <= y && y <= view.y2;
  // A quarter of the edge's drawn path on screen (41 points along its segments, by length).
  const shown = (e) => {
    const bends = e.hasClass('routed') ? e.segmentPoints() || [] : [];
    const path = [e.sourceEndpoint(), ...bends, e.targetEndpoint()];
    const lengths = path.slice(1).map((q, i) => Math.hypot(q.x - path[i].x, q.y - path[i].y));
    const total = lengths.reduce((a, b) => a + b, 0);
    let seen = 0;
    for (let k = 0; k <= 40; k += 1) {
      let along = (k / 40) * total;
      let i = 0;
      while (i < lengths.length - 1 && along > lengths[i]) along -= lengths[i++];
      const f = lengths[i] ? along / lengths[i] : 0;
      const [p, q] = [path[i], path[i + 1]];
      if (inside(p.x + f * (q.x - p.x), p.y + f * (q.y - p.y))) seen += 1;
    }
    return seen >= 10;
  };
  const middleShown = (e) => inside(e.midpoint().x, e.midpoint().y);
  return cy.edges('.carrying').filter((e) => middleShown(e) || shown(e)).flatMap((e) => {
    const b = e.boundingBox(only);
    return inside(b.x1, b.y1) && inside(b.x2, b.y2) ? [] : [e.data('flow')];
  });
}"""


# What to know when a label is found off screen (a failure seen in 2 of 4 full runs, never alone): the
# view, the graph's box, the window, and each carrying edge's label box and ends.
VIEW_STATE = """() => {
  const graph = document.getElementById('graph');
  const cy = graph._cyreg.cy;
  const r = graph.getBoundingClientRect();
  const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
  const box = (b) => [b.x1, b.y1, b.x2, b.y2].map(Math.round);
  return {
    extent: box(cy.extent()), zoom: cy.zoom(), pan: cy.pan(), graphBox: [r.x, r.y, r.width, r.height],
    window: [innerWidth, innerHeight], data: { ...graph.dataset },
    labels: cy.edges('.carrying').map((e) => ({ flow: e.data('flow'), label: box(e.boundingBox(only)),
      from: e.sourceEndpoint(), to: e.targetEndpoint(), routed: e.hasClass('routed') })),
  };
}"""


def labels_out_of_view(page: Any, settle_ms: int = 10_000) -> list[str]:
    """LABELS_OUT_OF_VIEW once the page has settled: polled until empty or `settle_ms` has passed, and
    the last answer returned. The graph's box may change size just after a step (in full runs, the
    loss-per-iteration row drawn by Plotly meanwhile); the page places the step's labels again in the
    ResizeObserver's next frame, and a check in between saw the labels placed for the old box."""
    deadline = time.monotonic() + settle_ms / 1000
    while True:
        out: list[str] = page.evaluate(LABELS_OUT_OF_VIEW)
        if not out or time.monotonic() > deadline:
            return out
        page.wait_for_timeout(100)


def each_step(page: Any, live_server: LiveServer, program: str, width: int, height: int) -> Iterator[int]:
    """Opens `program` (makemore's exercise, or an example's id) at width × height and steps through
    its backward pass, yielding each position once the page shows it."""
    page.set_viewport_size({"width": width, "height": height})
    if program == "makemore-backprop":
        page.goto(f"{live_server.url}/#src={quote_plus(MAKEMORE_BACKPROP)}")
    else:
        page.goto(f"{live_server.url}/#ex={program}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    steps = int(page.locator("#step-slider").get_attribute("max") or 0)
    assert steps >= 6
    for position in range(1, steps + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-controls")).to_have_attribute("data-position", str(position))
        yield position


@pytest.mark.parametrize(
    ("program", "width", "height"), [("makemore-backprop", 1280, 720), ("vector-output", 390, 844)]
)
def test_no_gradient_label_covers_a_node_at_any_step(
    live_server: LiveServer, page: Any, program: str, width: int, height: int
) -> None:
    """A top-to-bottom graph's ranks are 50 units apart, less once its nodes grow, and a gradient's
    label sat lifted above its edge's midpoint: in makemore's backprop exercise 24 labels over 35 steps
    lay on a node ("← 32×1, mean −0.359" over counts_sum_inv's last line). A label on a downward edge
    goes beside it, or beside both nodes, on a side that covers none."""
    for position in each_step(page, live_server, program, width, height):
        if position == 1:
            expect(page.locator("#graph")).to_have_attribute("data-orientation", "TB")
        assert page.evaluate(LABELS_OVER_NODES) == [], position


@pytest.mark.parametrize(
    ("program", "width", "height"),
    [("vector-output", 390, 844), ("lecture-simple-nn", 390, 844), ("makemore-backprop", 1280, 720)],
)
def test_a_gradients_label_is_on_screen_at_every_step(
    live_server: LiveServer, page: Any, program: str, width: int, height: int
) -> None:
    """A label has two sides that may cover no node: the one on screen is taken (on a phone the vector
    output's "← [−12, −8]", set right of b → z₃, ran off the screen's right edge). Where no side is
    both free and on screen, the view moves the least that shows the label with the current node:
    SimpleNN on a phone at step 2 had "← 16×1, mean 0.0246", above both its nodes, cut by the view's
    top and left edges; makemore's exercise at 1280×720, 380 units tall beside the console, had
    "← 64×27, mean 5.17e−11" above z₆ and W2, off the top, at step 13. A label whose edge's middle is
    off screen, a quarter of the edge on it, slides along the edge to that stretch: SimpleNN's step 3
    on a phone sends "← 16×1, mean 0.0056" down and left to model.fc2, and it sat off the left edge."""
    for position in each_step(page, live_server, program, width, height):
        out = labels_out_of_view(page)
        if out:  # kept for whoever reads the failure: the picture and the numbers behind it
            screenshot(page, f"FAILED-layout-labels-off-screen-{program}-step-{position}")
        assert out == [], (position, out, page.evaluate(VIEW_STATE))
        expect(page.locator("#graph")).to_have_attribute("data-current-in-view", "true")
    screenshot(page, f"layout-labels-on-screen-{program}")


def test_a_gradients_label_stays_on_screen_when_the_graph_is_resized(
    live_server: LiveServer, page: Any
) -> None:
    """A resize places the view again (the default view, when the student has not moved it): the
    step's labels stayed where they were placed for the view before. In a full test run SimpleNN's
    step 3 on a phone had "← 16×1, mean 0.0056" off the left edge after the graph grew (Plotly's
    loss-per-iteration row drawn meanwhile); a taller window does the same."""
    for position in each_step(page, live_server, "lecture-simple-nn", 390, 844):
        if position == 3:
            break
    assert page.evaluate(LABELS_OUT_OF_VIEW) == []
    page.set_viewport_size({"width": 390, "height": 900})
    # Cytoscape resized to the graph's new height (the ResizeObserver's frame has run)
    resized = """(() => {
      const g = document.getElementById('graph');
      const cy = g._cyreg.cy;
      const e = cy.extent();
      return Math.abs((e.y2 - e.y1) * cy.zoom() - g.clientHeight) < 2;
    })()"""
    wait_until(page, resized)
    assert page.evaluate(LABELS_OUT_OF_VIEW) == []
    expect(page.locator("#graph")).to_have_attribute("data-current-in-view", "true")


# The nodes the carrying edges send gradient to (an edge's source, in the forward graph's direction)
# that are not wholly on screen, by their first line.
RECEIVERS_CUT = """() => {
  const cy = document.getElementById('graph')._cyreg.cy;
  const view = cy.extent();
  const shape = { includeLabels: false, includeOverlays: false };
  return cy.edges('.carrying').sources().filter((n) => {
    const b = n.boundingBox(shape);
    return b.x1 < view.x1 || b.x2 > view.x2 || b.y1 < view.y1 || b.y2 > view.y2;
  }).map((n) => n.data('text').split('\\n')[0]);
}"""


def test_a_step_shows_where_its_gradient_goes(live_server: LiveServer, page: Any) -> None:
    """The deep sigmoid network at 1280×720, step 4: z₂₅ (a transpose) sends its gradient up to
    model.16.weight, which the view cut at the top with its name out of view. A step moves the view the
    least that shows the current node, its labels and the nodes it sends to, where they all fit."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-vanishing")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    for position in range(1, 5):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-controls")).to_have_attribute("data-position", str(position))
    expect(page.locator("#step-panel")).to_contain_text("to model.16.weight's accumulator")
    assert page.evaluate(RECEIVERS_CUT) == []
    screenshot(page, "layout-step-shows-where-the-gradient-goes")


def test_a_gradients_label_on_a_short_edge_clears_both_nodes(live_server: LiveServer, page: Any) -> None:
    """SimpleNN's first step sends "← [−0.1024, 0.09036, …]" from the loss to the squeeze, two boxes
    48 units apart in a row of the grouped layout: centred on that edge the label was drawn across
    both nodes' titles. It goes above both now (flowLift in graph-view.js), as in the SVG export."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn")
    wait_until(page, PAGES["explorer"][1])
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-controls")).to_have_attribute("data-position", "1")
    wait_until(page, "document.getElementById('graph')._cyreg.cy.edges('.carrying').length === 1")
    screenshot(page, "layout-simple-nn-step-1-label")
    [carried] = page.evaluate(CARRIED_LABELS)
    assert carried["label"].startswith("← [−0.1024") and carried["height"] > 0, carried
    assert carried["covers"] == [], carried
