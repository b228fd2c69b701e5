"""A library call's internal nodes in the explorer: the bmm that torch.einsum made is drawn as
`bmm in torch.einsum(…)`, hovering it lights the einsum in the editor, and its inspector names the
call; the einsum's own text still names the einsum's result (at a projector's 1280×720 and on a phone)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import char_centre, paste_and_run, show_editor
from tests.live import screenshot

pytestmark = pytest.mark.browser

EINSUM_ATTENTION = (Path(__file__).parents[1] / "lang" / "corpus" / "pytorch_attention_einsum.py").read_text()
SCORES = 'torch.einsum("bid,bjd->bij", q, k)'
SHOTS = Path("/tmp/wt73shots")
CY = "document.getElementById('graph')._cyreg.cy"

# The drawn node whose first line (its title) holds `text`: its Cytoscape id, or null.
DRAWN_ID = """(text) => {
  const node = document.getElementById('graph')._cyreg.cy.nodes()
    .find((n) => (n.data('text') || '').split('\\n')[0].includes(text));
  return node ? node.id() : null;
}"""


def shot(page: Any, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}])
def test_an_einsums_internal_node_names_and_lights_its_call(
    page: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    paste_and_run(page, live_server, EINSUM_ATTENTION, viewport)
    bmm = page.evaluate(DRAWN_ID, "bmm in torch.einsum(…)")
    assert bmm is not None, page.evaluate(DRAWN_ID, "bmm")
    page.evaluate(f"{CY}.$id({json.dumps(bmm)}).emit('mouseover')")
    show_editor(page)
    expect(page.locator("#source mark.linked")).to_have_text(SCORES)
    page.evaluate(f"(() => {{ const cy = {CY}; cy.center(cy.$id({json.dumps(bmm)})); }})()")
    shot(page, f"explorer-einsum-internal-node-hover-{viewport['width']}")
    # the einsum's own text names its result, not one of the nodes it made (they share its span)
    page.mouse.move(*char_centre(page, EINSUM_ATTENTION.index(SCORES) + 3))
    expect(page.locator("#source")).to_have_attribute("title", re.compile(f"^z[₀-₉]+ = {re.escape(SCORES)}$"))
    page.evaluate(f"{CY}.$id({json.dumps(bmm)}).emit('tap')")
    inspector = page.locator("#inspector")
    if page.get_attribute("#side-pane", "data-open") != "true":  # a narrow page starts it on its rail
        page.click("#toggle-side")
    title = re.compile(r"^Inspector: z[₀-₉]+ = bmm in torch\.einsum\(…\)$")
    expect(inspector.locator("h2")).to_have_text(title)
    expect(inspector).to_contain_text(f"BmmBackward0: an internal node of {SCORES} (line 12)")
    expect(inspector).to_contain_text("line 12, columns 10–43")
    # its value, read back from the einsum's last view of it, is drawn, and the note says so
    expect(inspector).to_contain_text("shown as what a view of it shows, reshaped back")
    text = page.evaluate(f"{CY}.$id({json.dumps(bmm)}).data('text')")
    assert "value 2×3×3" in text and "value (internal)" not in text
    shot(page, f"explorer-einsum-internal-node-{viewport['width']}")
