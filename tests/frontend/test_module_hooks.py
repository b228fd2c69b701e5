"""A module's backward hook in a real chromium (the examples menu's §2 entry): the graph draws the
identity nodes PyTorch runs the hook from, and at the step of the one at model[2]'s input the step
panel says the hook ran and what it was given, and the editor lights the hook's registration and
the call that ran the node; the console shows what the hooks printed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import open_explorer
from tests.live import screenshot

pytestmark = pytest.mark.browser

# The drawn node whose first line (its title) holds `text`: its Cytoscape id, or null.
DRAWN_ID = """(text) => {
  const node = document.getElementById('graph')._cyreg.cy.nodes()
    .find((n) => (n.data('text') || '').split('\\n')[0].includes(text));
  return node ? node.id() : null;
}"""
NODE_LABELS = """() => document.querySelector('#graph')._cyreg.cy.nodes()
  .map((n) => n.data('text') || '')"""


def test_the_hooks_step_and_console(page: Any, live_server: Any) -> None:
    example = httpx.get(f"{live_server.url}/api/examples/module-hooks", timeout=30).json()
    trace = httpx.post(
        live_server.url + "/api/trace", json={"source": example["source"], "output": "loss"}, timeout=120
    ).json()
    (hook,) = trace["passes"][0]["hooks"]
    page.set_viewport_size({"width": 1280, "height": 720})
    open_explorer(page, live_server, f"#ex=module-hooks&step={hook['step'] + 1}")
    expect(page.locator("#step-label")).to_contain_text(f"step {hook['step'] + 1} /")
    expect(page.locator("#step-panel .narration")).to_contain_text(
        "Then the module's full backward hook ran, model[2].register_full_backward_hook(show) (line 12)"
    )
    labels = page.evaluate(NODE_LABELS)
    assert any("hooks in model.2" in label for label in labels), labels
    # the editor lights the hook's registration, and the call that ran the node (made inside
    # nn.Sequential, it has no code of its own)
    expect(page.locator(".editor .step-hook")).to_have_text("model[2].register_full_backward_hook(show)")
    expect(page.locator(".editor .step-call")).to_have_text("model(x)")
    expect(page.locator(".editor .step-call")).to_be_in_viewport()  # line 14: the editor scrolled to it
    expect(page.locator(".editor .step-span")).to_have_count(0)
    # hovering a layer's node lights the call that ran it too
    layer = page.evaluate(DRAWN_ID, "= model.1")  # the Tanh layer
    assert layer is not None, labels
    page.evaluate(f"document.getElementById('graph')._cyreg.cy.$id({json.dumps(layer)}).emit('mouseover')")
    expect(page.locator("#source mark.linked")).to_have_text("model(x)")
    console = page.locator("#console")
    for line in trace["printed"]:
        expect(console).to_contain_text(line)
    screenshot(page, "explorer-38-module-hooks")
