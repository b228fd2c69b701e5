"""The saved HTML opens from disk in chromium, asks the network for nothing, and steps backward."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import autograd_explorer as ax

# skipped where Playwright is not installed (scripts/check-torch-range.sh's library-only virtualenv)
expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.browser


def _saved_page(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = torch.randn(6, 3), torch.randn(6, 1)
    with ax.record() as rec:
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
    return rec.save_html(tmp_path / "trace.html"), rec.to_dict()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_standalone_page_offline(browser: object, tmp_path: Path, theme: str) -> None:
    path, payload = _saved_page(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    if theme == "dark":
        context.add_init_script("localStorage.setItem('autograd-explorer:theme', 'dark')")
    page = context.new_page()
    attempted: list[str] = []
    errors: list[str] = []

    def block(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            attempted.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", block)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_function("Number(document.getElementById('graph').dataset.nodes) > 0")
    # The nodes carry module paths: the model starts as boxes, "grouped" ticked, as on the explorer
    # page (every box was drawn open, their titles cut by the first view).
    assert page.is_enabled("#collapse") and page.is_checked("#collapse")
    # The boxes are the model's modules: the nodes an nn.Sequential's layers made each had the span
    # of the call `model(x)`, and nodes at one span were taken for the turns of a "loop at line 23".
    boxes = page.evaluate(
        "document.getElementById('graph')._cyreg.cy.nodes('.group')"
        ".map((n) => n.data('text').split(/\\n| · /)[0])"  # "model.0\\n2 nodes · click to open"
    )
    assert sorted(boxes) == ["model", "model.0", "model.2"], boxes
    # The explorer's graph markup (js/explorer/graph-markup.js) with the viewer's own parts only.
    assert page.get_attribute("#search", "placeholder") == "find node: loss, linear, Addmm…"
    assert page.locator("#grad-colour, #grad-legend").count() == 0
    steps = len(payload["passes"][-1]["steps"])  # type: ignore[index]
    assert page.text_content("#step-label") is not None
    page.click("[data-action='next']")
    page.click("[data-action='next']")
    assert page.input_value("#step-slider") == "2"
    assert page.get_attribute("#step-slider", "max") == str(steps)
    assert "2" in (page.text_content("#step-label") or "")
    # The step panel shows the step's node, its narration and formula: the details came with the
    # page (there is no server to fetch them from).
    panel = page.locator("#step-panel")
    narration = payload["passes"][-1]["steps"][1]["narration"]  # type: ignore[index]
    assert narration and panel.locator(".narration").inner_text().strip() == narration
    assert "Fetching" not in panel.inner_text()
    # record() takes Jacobians of one-row nodes by default (the loss's row comes free from the
    # engine): step 2's Addmm (6 rows) has none, step 1's MSE loss has its 1×6 row, on the page too.
    first_inputs = payload["passes"][-1]["steps"][0]["inputs"]  # type: ignore[index]
    assert first_inputs[0]["jacobian"]["shape"] == [1, 6]
    page.click("[data-action='prev']")
    expect(panel).to_contain_text("Local Jacobian")
    page.click("[data-action='next']")
    # Only the current step's module box is open: the other module's nodes hide in its closed box.
    shown = int(page.evaluate("document.getElementById('graph').dataset.traceNodes"))
    assert 0 < shown < len(payload["nodes"])  # type: ignore[arg-type]
    page.screenshot(path=str(tmp_path / f"standalone-{theme}-grouped.png"))
    # Unticked, every node is drawn.
    page.uncheck("#collapse")
    every = len(payload["nodes"])  # type: ignore[arg-type]
    page.wait_for_function(f"Number(document.getElementById('graph').dataset.nodes) >= {every}")
    page.screenshot(path=str(tmp_path / f"standalone-{theme}.png"))
    if theme == "dark":
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    context.close()
    assert attempted == []
    assert errors == []


def test_a_split_nodes_step_shows_each_outputs_gradient(browser: object, tmp_path: Path) -> None:
    """`a, b = x.split([4, 2])`: the split node's step lists what each output received (2a, then 3s),
    not only the first output's gradient."""
    x = (torch.arange(6.0) * 0.5).requires_grad_()
    with ax.record() as rec:
        a, b = x.split([4, 2])
        loss = (a * a).sum() + (b * 3).sum()
        loss.backward()
    steps = rec.to_dict()["passes"][-1]["steps"]
    (position,) = [k + 1 for k, s in enumerate(steps) if "grad_outputs" in s]
    path = rec.save_html(tmp_path / "split.html")
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        for _ in range(position):
            page.click("[data-action='next']")
        items = page.locator("#step-panel .grad-outputs li")
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_contain_text("output 0 (4)")
        expect(items.nth(1)).to_contain_text("output 1 (2)")
        expect(items.nth(1)).to_contain_text("3")
        page.screenshot(path=str(tmp_path / "split-step.png"))
    finally:
        page.close()


def test_a_backward_the_engine_stopped_shows_where_on_the_saved_page(browser: object, tmp_path: Path) -> None:
    """A block whose backward() PyTorch stopped ("modified by an inplace operation"): the saved page
    names the node it could not run above the steps and draws it red and dashed."""
    x = torch.tensor(4.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="inplace operation"), ax.record() as rec:
        y = torch.sqrt(x)
        y.add_(1)
        (3 * y).backward()
    path = rec.save_html(tmp_path / "stopped.html")
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        note = page.locator("#warnings li.stopped")
        expect(note).to_contain_text("the engine ran 2 nodes of this graph, then could not run")
        expect(note).to_contain_text("(SqrtBackward0), red and dashed")
        page.screenshot(path=str(tmp_path / "stopped.png"))
    finally:
        page.close()


HELPERS = "import torch\n\n\ndef layer(x, w):\n    h = x @ w\n    return torch.tanh(h)\n"


def test_a_function_of_another_file_is_a_call_box_and_says_its_file(
    browser: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block calling a function defined elsewhere (an earlier cell, a module): each call is a box
    named as the web page names a call of the program's function, not two turns of a "loop at line 5"
    of lines the block does not have, and the inspector says which file a node's line is in."""
    helpers_path = tmp_path / "ax_page_helpers.py"
    helpers_path.write_text(HELPERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers = __import__("ax_page_helpers")
    x = torch.ones(1, 2)
    w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    with ax.record() as rec:
        line = sys._getframe().f_lineno + 1
        a = helpers.layer(x, w)
        loss = helpers.layer(a, w).sum()
        loss.backward()
    path = rec.save_html(tmp_path / "calls.html")
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        page.wait_for_function("Number(document.getElementById('graph').dataset.nodes) > 0")
        boxes = page.evaluate(
            "document.getElementById('graph')._cyreg.cy.nodes('.group')"
            ".map((n) => n.data('text').split(/\\n| · /)[0])"
        )
        calls = [f"helpers.layer(x, w) at line {line}", f"helpers.layer(a, w) at line {line + 1}"]
        assert sorted(boxes) == sorted(calls), boxes
        page.fill("#search", "tanh")
        page.press("#search", "Enter")
        source = HELPERS.splitlines()
        (tanh_line,) = [k + 1 for k, text in enumerate(source) if "torch.tanh(h)" in text]
        column = source[tanh_line - 1].index("torch.tanh(h)")
        expect(page.locator("#inspector")).to_contain_text(
            f"line {tanh_line} of {helpers_path}, columns {column + 1}–{column + len('torch.tanh(h)')}"
        )
        page.screenshot(path=str(tmp_path / "calls.png"))
    finally:
        page.close()
