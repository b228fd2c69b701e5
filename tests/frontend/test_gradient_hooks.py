"""A program's gradient hook in a real chromium: at the step of the hooked tensor's node, the step
panel says the hook changed what the contributions summed to, and the node says what it received
after the hook (before, y read "accumulator [6, 12]" while it sent x three times [12, 24])."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import open_explorer
from tests.frontend.test_explorer_modules import open_source
from tests.live import screenshot

pytestmark = pytest.mark.browser

HOOKED = """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
h = y.register_hook(lambda g: g * 2)
z = (y * y).sum()
z.backward()
print(x.grad)
"""

NODE_TEXT = """(name) => document.querySelector('#graph')._cyreg.cy.nodes()
  .filter((n) => n.data('text').split('\\n')[0] === name)[0].data('text')"""


def test_the_hooked_step_says_what_the_hook_did(page: Any, live_server: Any) -> None:
    open_source(page, live_server, HOOKED, width=1280, height=720)
    trace = httpx.post(live_server.url + "/api/trace", json={"source": HOOKED}, timeout=120).json()
    (hook,) = trace["passes"][0]["hooks"]
    span = hook["span"]
    line = HOOKED.splitlines()[span["line"] - 1]
    assert line[span["column"] : span["end_column"]] == "y.register_hook(lambda g: g * 2)"
    if page.locator("#toggle-side[aria-expanded='false']").count():
        page.click("#toggle-side")
    for k in range(1, hook["step"] + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {k} /")
        text = page.evaluate(NODE_TEXT, "y = x * 3")
        assert "after hook" not in text, (k, text)  # not before its node has run
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text(f"step {hook['step'] + 1} /")
    narration = page.locator("#step-panel .narration")
    expect(narration).to_contain_text(
        "A hook changed the gradient here: the contributions summed to [6, 12]; "
        "y.register_hook(lambda g: g * 2) (line 4) returned [12, 24]."
    )
    lines = page.evaluate(NODE_TEXT, "y = x * 3").split("\n")
    assert "accumulator [6, 12]" in lines and "after hook [12, 24]" in lines, lines
    screenshot(page, "explorer-37-gradient-hook")


def test_the_editor_lights_each_steps_code_and_the_hooks_that_ran_in_it(page: Any, live_server: Any) -> None:
    """The menu's §2 example, y = x**2, z = 3 * y: step 2 is y's node, where print ran; step 3 is x's,
    where the clamp ran. The editor marks the code that made the step's node and the hook's call."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_explorer(page, live_server, "#ex=gradient-hook&step=2")
    expect(page.locator(".editor .step-span")).to_have_text("x**2")
    expect(page.locator(".editor .step-hook")).to_have_text("y.register_hook(print)")
    open_explorer(page, live_server, "#ex=gradient-hook&step=3")
    expect(page.locator(".editor .step-span")).to_have_text("torch.tensor(2.0, requires_grad=True)")
    expect(page.locator(".editor .step-hook")).to_have_text("x.register_hook(lambda g: g.clamp(-5, 5))")
    open_explorer(page, live_server, "#ex=gradient-hook&step=1")
    expect(page.locator(".editor .step-span")).to_have_text("3 * y")
    expect(page.locator(".editor .step-hook")).to_have_count(0)
    page.keyboard.press("ArrowRight")  # stepping moves the marks with it
    expect(page.locator("#step-label")).to_contain_text("step 2 /")
    expect(page.locator(".editor .step-span")).to_have_text("x**2")
    open_explorer(page, live_server, "#ex=gradient-hook&step=0")
    expect(page.locator(".editor .step-span")).to_have_count(0)  # nothing has run yet
