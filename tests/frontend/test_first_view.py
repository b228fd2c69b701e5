"""The default view after Run on a 20-layer module program (issue 11's done-when, issue 13's readable
labels): at 1280×720 the model's first layers are on screen as boxes with labels of at least 14 px,
with the program panel open, with it closed and in presentation mode. Before, the view was the output
end (the loss, the squeeze, the bottom of the model's box) and no layer was on screen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import set_editor_text, show_editor
from tests.lecture_programs import MLP20
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser

# The layer boxes the first view holds at least, per layout: the graph's room decides (measured at
# 1280×720: 495×339 px beside the program, 835×440 px without it, 480×238 px in presentation mode).
LAYOUTS = {"program-open": 2, "program-closed": 4, "presentation": 1}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_run_shows_the_first_layers_as_readable_boxes(page: Any, live_server: Any, layout: str) -> None:
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
    graph = page.locator("#graph")
    assert float(graph.get_attribute("data-label-px") or 0) >= 14
    boxes = [b["label"] for b in json.loads(graph.get_attribute("data-boxes-in-view") or "[]")]
    screenshot(page, f"explorer-first-view-mlp20-{layout}")
    # The first layers, in the order the model runs them: fc1, fc2, … as many as the room holds.
    wanted = LAYOUTS[layout]
    assert boxes[:wanted] == [f"model.fc{k}" for k in range(1, wanted + 1)], boxes
    assert boxes == [f"model.fc{k}" for k in range(1, len(boxes) + 1)], boxes
