"""Issue 11's "done when", as a student does it: a 20-layer MLP in the lecture's style, run from the
editor, read as its layers, layer 7 opened and stepped through, fc12 found."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from autograd_explorer.trace.compact import decode_compact
from tests.frontend.editor_page import paste_and_run
from tests.lecture_programs import MLP20
from tests.live import screenshot

pytestmark = pytest.mark.browser


def graph_data(page: Any, name: str) -> str:
    return str(page.get_attribute("#graph", f"data-{name}") or "")


def closed_boxes(page: Any) -> dict[str, Any]:
    return {b["label"]: b for b in json.loads(graph_data(page, "boxes-in-view"))}


def test_a_20_layer_mlp_reads_as_layers_opens_steps_and_finds_fc12(page: Any, live_server: Any) -> None:
    paste_and_run(page, live_server, MLP20, {"width": 1920, "height": 1080})
    # The layers as boxes: the model's box open (it holds boxes), each fcK closed, fc1 before fc20.
    assert page.is_checked("#collapse")
    page.click("#fit")
    boxes = closed_boxes(page)
    assert {f"model.fc{k}" for k in range(1, 21)} <= set(boxes), sorted(boxes)
    # In reading order: a long run of boxes wraps as text does (LR: rows downward; TB: columns rightward).
    axes = ("y", "x") if graph_data(page, "orientation") == "LR" else ("x", "y")
    place = {label: tuple(b[a] for a in axes) for label, b in boxes.items()}
    assert place["model.fc1"] < place["model.fc7"] < place["model.fc20"], place
    screenshot(page, "explorer-40-mlp20-layers")

    # Open layer 7: its weight, bias, t and addmm are drawn.
    opened = int(graph_data(page, "open"))
    drawn = int(graph_data(page, "trace-nodes"))
    graph = page.locator("#graph").bounding_box()
    fc7 = boxes["model.fc7"]
    page.mouse.click(graph["x"] + fc7["x"], graph["y"] + fc7["y"])
    expect(page.locator("#graph")).to_have_attribute("data-open", str(opened + 1))
    assert int(graph_data(page, "trace-nodes")) == drawn + 4
    assert "model.fc7" not in closed_boxes(page)

    # Step through layer 7's backward pass: the steps of its nodes, in the engine's order (the oracle:
    # the same program's compact trace, decoded by the package).
    body = {"source": MLP20, "format": "compact"}
    trace = decode_compact(httpx.post(live_server.url + "/api/trace", json=body, timeout=120).json())
    steps = trace["passes"][-1]["steps"]
    in_fc7 = [k + 1 for k, s in enumerate(steps) if trace["nodes"][s["node"]]["module"] == "model.fc7"]
    assert len(in_fc7) == 4, in_fc7  # addmm, t, and the two AccumulateGrads
    # The open box offers its steps (test_box_steps.py): the cursor goes just before the first.
    expect(page.locator("#box-steps-go")).to_contain_text(
        f"Step through model.fc7's backward: steps {in_fc7[0]}"
    )
    page.click("#box-steps-go")
    expect(page.locator("#step-label")).to_contain_text(f"step {in_fc7[0] - 1} /")
    for position in range(in_fc7[0], in_fc7[-1] + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {position} /")
        assert graph_data(page, "current-in-view") == "true", f"step {position}"
        assert "model.fc7" not in closed_boxes(page)
    node = trace["nodes"][steps[in_fc7[-1] - 1]["node"]]
    expect(page.locator("#step-panel h2")).to_contain_text(node["name"] or node["label"])
    screenshot(page, "explorer-41-mlp20-layer7-step")

    # Find fc12: the first match opens in the inspector and its box opens around it.
    opened = int(graph_data(page, "open"))
    page.fill("#search", "fc12")
    page.press("#search", "Enter")
    expect(page.locator("#inspector h2")).to_contain_text("model.fc12.")
    expect(page.locator("#graph")).to_have_attribute("data-open", str(opened + 1))
    assert "model.fc12" not in closed_boxes(page)
    assert float(graph_data(page, "label-px")) >= 14
    screenshot(page, "explorer-42-mlp20-find-fc12")
