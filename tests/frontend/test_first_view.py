"""The default view after Run on a 20-layer module program (issue 11's done-when, issue 13's readable
labels): at 1280×720 the model's first layers are on screen as boxes with labels of at least 14 px,
with the program panel open, with it closed and in presentation mode. Before, the view was the output
end (the loss, the squeeze, the bottom of the model's box) and no layer was on screen."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import set_editor_text, show_editor
from tests.frontend.page_wait import wait_until
from tests.lecture_programs import MLP20
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser

# The layer boxes the first view holds at least, per layout: the graph's room decides (measured at
# 1280×720: 495×339 px beside the program, 835×440 px without it, 480×238 px in presentation mode).
LAYOUTS = {"program-open": 2, "program-closed": 4, "presentation": 1}


def run_mlp20(page: Any, live_server: Any, layout: str) -> None:
    """Paste the 20-layer program at 1280×720 and run it from the layout named."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=none")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    if layout == "presentation":
        page.click("#present-toggle")
    show_editor(page)
    set_editor_text(page, MLP20)
    runs = int(page.get_attribute("body", "data-runs") or 0)
    if layout == "program-closed":
        page.click("#toggle-editor")
        expect(page.locator("#source")).to_be_hidden()
        page.keyboard.press("Control+Enter")
    else:
        page.click("#run")
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1), timeout=RUN_TIMEOUT_MS)


def layer(label: str) -> int:
    return int(label.removeprefix("model.fc"))


def boxes_in_view(page: Any) -> dict[str, Any]:
    return {b["label"]: b for b in json.loads(page.get_attribute("#graph", "data-boxes-in-view") or "[]")}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_run_shows_the_first_layers_as_readable_boxes(page: Any, live_server: Any, layout: str) -> None:
    run_mlp20(page, live_server, layout)
    graph = page.locator("#graph")
    assert float(graph.get_attribute("data-label-px") or 0) >= 14
    boxes = [b["label"] for b in json.loads(graph.get_attribute("data-boxes-in-view") or "[]")]
    screenshot(page, f"explorer-first-view-mlp20-{layout}")
    # The first layers, in the order the model runs them: fc1, fc2, … as many as the room holds.
    wanted = LAYOUTS[layout]
    assert boxes[:wanted] == [f"model.fc{k}" for k in range(1, wanted + 1)], boxes
    assert boxes == [f"model.fc{k}" for k in range(1, len(boxes) + 1)], boxes


def drag_to_later_layers(page: Any) -> None:
    """Drag the open model box 400 px left and wait for the view to move."""
    raw = page.get_attribute("#graph", "data-boxes-in-view") or ""
    before = boxes_in_view(page)
    graph = page.locator("#graph").bounding_box()
    # Between the third and fourth columns (fc4's and fc6's): the open box's background, no box on it.
    x = graph["x"] + (before["model.fc4"]["x"] + before["model.fc6"]["x"]) / 2
    y = graph["y"] + before["model.fc4"]["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 400, y, steps=8)
    page.mouse.up()
    expect(page.locator("#graph")).not_to_have_attribute("data-boxes-in-view", raw)


def test_dragging_the_open_model_box_pans_to_the_next_layers(page: Any, live_server: Any) -> None:
    """The open model box fills the view of its layers: a drag on it pans (before, it moved the box
    off its contents and the view stayed, so the student could not get to fc7 at readable size)."""
    run_mlp20(page, live_server, "program-closed")
    assert page.get_attribute("#graph", "data-orientation") == "TB"  # the layers wrap into columns
    before = boxes_in_view(page)
    drag_to_later_layers(page)
    after = boxes_in_view(page)
    assert "model.fc1" not in after, after
    assert max(map(layer, after)) > max(map(layer, before)), (before, after)
    assert after["model.fc6"]["x"] < before["model.fc6"]["x"] - 350
    assert float(page.get_attribute("#graph", "data-label-px") or 0) >= 14


def test_a_view_the_student_moved_stays_when_the_program_panel_opens(page: Any, live_server: Any) -> None:
    """Opening the program panel narrows the graph: the view the student dragged to later layers keeps
    its zoom and its centre. Before, any resize re-placed the default view: back to fc1."""
    run_mlp20(page, live_server, "program-closed")
    graph = page.locator("#graph").bounding_box()
    drag_to_later_layers(page)
    raw = page.get_attribute("#graph", "data-boxes-in-view") or ""
    dragged = boxes_in_view(page)
    zoom = page.get_attribute("#graph", "data-zoom")
    width = graph["width"]
    centre = min(dragged.values(), key=lambda b: abs(b["x"] - width / 2))["label"]

    page.click("#toggle-editor")
    expect(page.locator("#source")).to_be_visible()
    expect(page.locator("#graph")).not_to_have_attribute("data-boxes-in-view", raw)
    assert page.locator("#graph").bounding_box()["width"] < width - 100  # the graph did narrow
    after = boxes_in_view(page)
    assert page.get_attribute("#graph", "data-zoom") == zoom
    assert "model.fc1" not in after, after
    assert centre in after, (centre, after)


def graph_view(page: Any) -> dict[str, Any]:
    names = ("label-px", "current-in-view", "graph-in-view")
    return {name: page.get_attribute("#graph", f"data-{name}") for name in names}


@pytest.mark.parametrize(("example_id", "steps_panel"), [("polynomial", True), ("vector-output", False)])
def test_a_small_graph_opened_at_a_step_is_shown_whole(
    page: Any, live_server: Any, example_id: str, steps_panel: bool
) -> None:
    """A link to step 3 of a small graph that fits at readable size (x³ − 3x beside the step panel;
    the 6-node vector output with the step panel closed, 1,139 px wide: it fits at 14 px with ~10 px
    to spare) opens on the whole graph, every node's box on screen, the current node marked in it.
    Centred on the current node instead, the graph's ends ran off the sides."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex={example_id}&step=3")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_contain_text("step 3 /")
    if not steps_panel:
        width = page.locator("#graph").bounding_box()["width"]
        page.click("#toggle-side")
        page.wait_for_function(f"() => document.getElementById('graph').clientWidth > {width} + 200")
    expect(page.locator("#graph")).to_have_attribute("data-graph-in-view", "true")
    view = graph_view(page)
    screenshot(page, f"explorer-first-view-{example_id}-step3")
    assert view["current-in-view"] == "true", view
    assert float(view["label-px"] or 0) >= 14, view


CUT_NODES = """() => {
  const cy = document.querySelector('#graph')._cyreg.cy;
  const [w, h] = [cy.width(), cy.height()];
  const shape = { includeLabels: false, includeOverlays: false };
  // an open box longer than the view (SimpleNN's train_model(…) around the whole graph) cannot be
  // wholly in it: cut, it still holds what is in view
  const cut = (lo, hi, size) => hi - lo <= size && ((lo < 0 && hi > 0) || (lo < size && hi > size));
  return cy.nodes().filter((n) => {
    const b = n.renderedBoundingBox(shape);
    const level = { x: b.y1 < h && b.y2 > 0, y: b.x1 < w && b.x2 > 0 };
    return (level.x && cut(b.x1, b.x2, w)) || (level.y && cut(b.y1, b.y2, h));
  }).map((n) => n.data('text').split('\\n')[0]);
}"""


OUTPUT_IN_VIEW = """() => {
  const cy = document.querySelector('#graph')._cyreg.cy;
  const b = cy.nodes('.output').renderedBoundingBox({ includeLabels: false, includeOverlays: false });
  return b.x1 >= 0 && b.y1 >= 0 && b.x2 <= cy.width() && b.y2 <= cy.height();
}"""


def test_a_first_view_that_cannot_hold_the_graph_cuts_no_node_in_two(page: Any, live_server: Any) -> None:
    """The vector output at 1280×720 did not fit at 14 px: centred on its output, the view showed a
    sliver of input a's ellipse at its left edge. The view moves the least that leaves every node
    wholly in or wholly out, the output still in it (graph-first-view.js, uncutShift). The vector
    output and the second derivative now fit in rows; the lecture's own spelling of §1 does not."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-first")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#graph")).to_have_attribute("data-graph-in-view", "false")
    screenshot(page, "explorer-first-view-lecture-first")
    view = graph_view(page)
    assert float(view["label-px"] or 0) >= 14, view
    assert page.evaluate(CUT_NODES) == []
    assert page.evaluate(OUTPUT_IN_VIEW), "the output, where the backward pass starts, is wholly in view"


def test_the_second_derivative_fits_in_rows_with_x_beside_what_it_feeds(page: Any, live_server: Any) -> None:
    """§2's second derivative at 1280×720 showed z₄, z₅ and df with x, z₁, z₂ and z₃ off the panel's
    left: its rows were 516 units tall where 479 fit at 14 px, because x, an ellipse feeding three
    stacked nodes, stood at their top and above the row. Centred on them (graph-layout.js,
    centreSources), the rows fit, through the pass's last step."""
    page.set_viewport_size({"width": 1280, "height": 720})
    for step in (0, 5):
        page.goto("about:blank")
        page.goto(f"{live_server.url}/#ex=second-derivative&step={step}")
        page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
        graph = page.locator("#graph")
        expect(graph).to_have_attribute("data-graph-in-view", "true")
        expect(graph).to_have_attribute("data-wrapped", "true")
        assert float(graph_view(page)["label-px"] or 0) >= 14
        x = page.evaluate(
            """() => { const cy = document.querySelector('#graph')._cyreg.cy;
              const y = (n) => n.position('y');
              const x = cy.nodes().filter((n) => n.data('text').startsWith('x\\n'))[0];
              const fed = x.outgoers('node').map(y);
              return { x: y(x), low: Math.min(...fed), high: Math.max(...fed) }; }"""
        )
        assert x["low"] < x["x"] < x["high"], x  # level with the middle of what it feeds, not their top
    screenshot(page, "explorer-first-view-second-derivative")


CARRYING_IN_VIEW = """() => {
  const cy = document.querySelector('#graph')._cyreg.cy;
  const [w, h] = [cy.width(), cy.height()];
  const shape = { includeLabels: false, includeOverlays: false };
  const label = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
  const inside = (b) => b.x1 >= 0 && b.y1 >= 0 && b.x2 <= w && b.y2 <= h;
  return cy.edges('.carrying').map((e) => ({
    label: inside(e.renderedBoundingBox(label)),
    ends: inside(e.source().renderedBoundingBox(shape)) && inside(e.target().renderedBoundingBox(shape)),
  }));
}"""


def test_a_step_opened_by_a_link_shows_the_gradient_on_its_way(page: Any, live_server: Any) -> None:
    """SimpleNN opened at step 3 (1280×720, beside the console and the loss plot: a 350 px graph)
    was centred on z₅: the gradient's label was cut at the view's top and model.fc2, where it goes,
    was out of view. The view holds the current node with the nodes it sends to when they fit
    together, and cuts no node in two."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=lecture-simple-nn&step=3")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_contain_text("step 3 /")
    wait_until(page, "document.querySelector('#graph')._cyreg.cy.edges('.carrying').length > 0")
    screenshot(page, "explorer-first-view-simple-nn-step3")
    assert page.evaluate(CARRYING_IN_VIEW) == [{"label": True, "ends": True}]
    assert page.evaluate(CUT_NODES) == []


def test_a_large_graph_opened_at_a_step_centres_the_current_node(page: Any, live_server: Any) -> None:
    """The 20-layer MLP opened at its step 30 does not fit readably: the view is the current node's at
    14 px, not the whole graph at 5 px."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#src={quote_plus(MLP20)}&step=30")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_contain_text("step 30 /", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#graph")).to_have_attribute("data-current-in-view", "true")
    view = graph_view(page)
    screenshot(page, "explorer-first-view-mlp20-step30")
    assert view["graph-in-view"] == "false", view
    assert float(view["label-px"] or 0) >= 14, view


# Each open box's title (in its header) against the graph, rendered px: [text, top, bottom, height, left,
# right, width, the box's left edge, zoom].
OPEN_TITLES = """() => {
  const cy = document.querySelector('#graph')._cyreg.cy;
  const around = {includeNodes: false, includeEdges: false, includeLabels: true};
  return cy.nodes('.group.open').map((n) => {
    const b = n.renderedBoundingBox(around);
    const frame = n.renderedBoundingBox({includeLabels: false, includeOverlays: false});
    return [n.data('text'), b.y1, b.y2, cy.height(), b.x1, b.x2, cy.width(), frame.x1, cy.zoom()];
  });
}"""


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_an_open_boxs_title_is_shown_whole_or_not_at_all(
    page: Any, live_server: Any, size: tuple[int, int]
) -> None:
    """The deep sigmoid network's first view at 1280×720 centred its closed layers inside the open
    "model" box, whose title ("model · 44 nodes (click to close)") sat half above the graph's top
    edge, its letters cut through. The view now takes the title in when it fits with the layers, and
    otherwise starts at the layers with the title wholly above (graph-first-view.js, withHeaders).
    On a phone it fits, and is at the box's top left corner: centred on the box, three views wide, it
    was off the screen's right edge."""
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/#ex=lecture-vanishing")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    screenshot(page, f"explorer-first-view-open-title-{width}")
    titles = page.evaluate(OPEN_TITLES)
    assert [t[0] for t in titles] == ["model · 44 nodes (click to close)"]
    assert boxes_in_view(page), "the first view shows closed layers"
    for _, top, bottom, room, left, right, across, frame_left, zoom in titles:
        assert bottom <= 0 or (top >= 0 and bottom <= room), titles
        if width < 600:  # a phone's first view takes the title in, at the box's top left corner
            assert top >= 0 and left >= 0 and right <= across, titles
        # In from the frame by the box's padding (16 units), as its contents are: measured, not guessed.
        assert 12 * zoom <= left - frame_left <= 22 * zoom, titles
