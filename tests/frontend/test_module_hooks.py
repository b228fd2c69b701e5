"""A module's backward hook in a real chromium (the examples menu's §2 entry): the graph draws the
identity nodes PyTorch runs the hook from, and at the step of the one at model[2]'s input the step
panel says the hook ran and what it was given, and the editor lights the hook's registration; the
console shows what the hooks printed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import open_explorer
from tests.live import screenshot

pytestmark = pytest.mark.browser

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
    # the editor lights the hook's registration (the node, made inside nn.Sequential, has no code of its own)
    expect(page.locator(".editor .step-hook")).to_have_text("model[2].register_full_backward_hook(show)")
    console = page.locator("#console")
    for line in trace["printed"]:
        expect(console).to_contain_text(line)
    screenshot(page, "explorer-38-module-hooks")
