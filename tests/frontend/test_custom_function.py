"""A program's torch.autograd.Function in the explorer: its node drawn with PyTorch's name, and its
step saying that the program's own backward ran and computed what it sent (at a projector's
1280×720 and on a phone)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.custom_functions import exp_class
from tests.frontend.editor_page import paste_and_run
from tests.live import screenshot

pytestmark = pytest.mark.browser

EXP = exp_class() + (
    "\n"
    "\n"
    "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
    "y = Exp.apply(x).sum()\n"
    "y.backward()\n"
    "print(x.grad)\n"
)

# Each drawn node's first two lines: its title and "op · shape".
DRAWN = """() => document.getElementById('graph')._cyreg.cy.nodes()
  .map((n) => (n.data('text') || '').split('\\n').slice(0, 2).join(' | '))"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}])
def test_the_custom_node_is_drawn_and_its_step_names_the_programs_backward(
    page: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    paste_and_run(page, live_server, EXP, viewport)
    expect(page.locator("#printed")).to_contain_text("tensor([2.7183, 7.3891])")
    drawn = page.evaluate(DRAWN)
    assert any("ExpBackward" in text for text in drawn), drawn
    expect(page.locator("#step-label")).to_have_text("start · 0 / 3")
    panel = page.locator("#step-panel")
    page.keyboard.press("ArrowRight")  # the sum's step: PyTorch's own formula
    expect(page.locator("#step-label")).to_have_text("step 1 / 3")
    expect(panel.locator(".step-input .sent")).to_have_text(
        "Sends [1, 1] to z₁'s accumulator (incoming gradient × local derivative)."
    )
    page.keyboard.press("ArrowRight")  # the custom node's
    expect(page.locator("#step-label")).to_have_text("step 2 / 3")
    # What it sent is whatever the program's backward returned, not a product the page could vouch for.
    expect(panel.locator(".step-input .sent")).to_have_text(
        "Sends [2.718, 7.389] to x's accumulator, as Exp.backward computed it."
    )
    expect(panel.locator("h2").first).to_contain_text("(ExpBackward)")
    expect(panel).to_contain_text("the program's own Exp.backward ran", timeout=20_000)
    expect(panel.locator(".step-input .katex").first).to_contain_text("Exp.backward")
    if page.get_attribute("#side-pane", "data-open") != "true":  # a narrow page starts it on its rail
        page.click("#toggle-side")
    expect(panel).to_be_visible()
    screenshot(page, f"explorer-custom-function-exp-step-{viewport['width']}")


def test_the_jacobians_view_says_why_the_custom_nodes_jacobian_is_not_shown(
    page: Any, live_server: Any
) -> None:
    paste_and_run(page, live_server, EXP, {"width": 1280, "height": 720})
    page.click(".view-tabs [data-view='jacobians']")
    view = page.locator("#jacobian-view")
    # the sum's row is computed; the custom node's is not: the program's backward is not run again
    expect(view).to_contain_text("1 of the pass’s 2 local Jacobians shown", timeout=20_000)
    expect(view).to_contain_text("or of the program’s own autograd Function (its backward is not run again)")
    screenshot(page, "explorer-custom-function-exp-jacobians-1280")
