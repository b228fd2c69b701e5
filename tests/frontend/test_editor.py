"""The explorer's CodeMirror editor, themes, the ? overlay and the language page at 1280×720."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import editor_text, open_explorer, set_editor_text, show_editor
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def projector(browser: Any, expected_console_errors: list[re.Pattern[str]]) -> Iterator[Any]:
    """A fresh page at 1280×720; fails the test on any console error it did not expect."""
    context = browser.new_context(viewport=PROJECTOR)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    unexpected = [e for e in errors if not any(p.search(e) for p in expected_console_errors)]
    assert not unexpected, f"console errors: {unexpected}"


def runs(page: Any) -> int:
    return int(page.get_attribute("body", "data-runs") or 0)


def test_tab_indents_and_ctrl_z_undoes(projector: Any, live_server: Any) -> None:
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.click("#source")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("y = 1")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert editor_text(page) == "x**3 - 3*x\n    y = 1"
    # Tab indented instead of moving the focus away.
    assert page.evaluate("document.activeElement.id") == "source"
    page.keyboard.press("Shift+Tab")
    assert editor_text(page) == "x**3 - 3*x\ny = 1"
    # Undo walks back through the edits (CodeMirror groups quick ones) to the example's text...
    seen = []
    for _ in range(8):
        page.keyboard.press("Control+z")
        seen.append(editor_text(page))
        if seen[-1] == "x**3 - 3*x":
            break
    assert seen[-1] == "x**3 - 3*x", f"undo stopped at {seen[-1]!r}"
    # ...and redo brings the typed line back.
    page.keyboard.press("Control+Shift+z")
    assert "y" in editor_text(page)
    screenshot(page, "editor-01-after-undo-1280")


def test_a_syntax_error_is_a_diagnostic_at_its_line_and_ctrl_enter_runs(
    projector: Any, live_server: Any, expected_console_errors: list[re.Pattern[str]]
) -> None:
    expected_console_errors.append(re.compile(r"status of 400"))
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    set_editor_text(page, "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\nz = y +* 2\n")
    before = runs(page)
    page.click("#source")
    page.keyboard.press("Control+Enter")
    # a run is a round trip to the server: the hang bound of a run, not expect's 5 s default
    expect(page.locator("body")).to_have_attribute("data-runs", str(before + 1), timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#program-error")).to_contain_text("Syntax error at line 3")
    assert page.text_content("#editor .cm-lineNumbers .error-line") == "3"
    # The underline sits on line 3 of the text itself, not on a neighbouring line.
    lines = page.locator("#source .cm-line")
    assert lines.nth(2).locator(".cm-lintRange-error").count() == 1
    assert page.locator("#source .cm-lintRange-error").count() == 1
    screenshot(page, "editor-02-syntax-error-1280")
    # Fixed and run again with Ctrl+Enter: the graph comes back and the diagnostic goes.
    set_editor_text(page, "x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\ny.backward()\n")
    page.click("#source")
    page.keyboard.press("Control+Enter")
    expect(page.locator("body")).to_have_attribute("data-runs", str(before + 2), timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_have_text(re.compile(r"/ \d+$"))
    assert page.locator("#source .cm-lintRange-error").count() == 0
    assert page.is_hidden("#program-error")
    assert "nodes" in (page.text_content("#run-status") or "")  # the finished run's summary stays


def test_the_draft_survives_picking_an_example_and_a_reload(projector: Any, live_server: Any) -> None:
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.evaluate("window.localStorage.clear()")
    open_explorer(page, live_server, "#ex=polynomial")
    draft = "w = torch.tensor(3.0, requires_grad=True)\nloss = w * w\nloss.backward()"
    page.click("#tab-draft")
    page.click("#source")
    page.keyboard.type(draft)  # typed, as a student would (auto-indent and brackets must not alter it)
    assert editor_text(page) == draft
    page.select_option("#examples", "two-ways")
    expect(page.locator("#tab-program")).to_have_attribute("aria-selected", "true")
    assert editor_text(page) != draft
    page.click("#tab-draft")
    assert editor_text(page) == draft
    page.select_option("#examples", "polynomial")
    page.reload()
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    show_editor(page)
    assert editor_text(page) == "x**3 - 3*x"  # the link's example, in its own tab
    page.click("#tab-draft")
    assert editor_text(page) == draft
    screenshot(page, "editor-03-draft-after-reload-1280")


def test_undo_brings_back_the_program_an_example_replaced(projector: Any, live_server: Any) -> None:
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.select_option("#examples", "two-ways")
    assert editor_text(page) != "x**3 - 3*x"
    page.click("#source")
    page.keyboard.press("Control+z")
    assert editor_text(page) == "x**3 - 3*x"


def test_the_theme_toggle_is_remembered_across_pages(projector: Any, live_server: Any) -> None:
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.select_option("#theme-toggle", "dark")
    assert page.get_attribute("html", "data-theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 28)"
    screenshot(page, "editor-04-dark-1280")
    page.goto(f"{live_server.url}/optimize.html")
    assert page.get_attribute("html", "data-theme") == "dark"
    expect(page.locator("#theme-toggle")).to_have_value("dark")
    # Presentation is a switch of its own and keeps the theme: white on black when dark.
    page.click("#present-toggle")
    page.reload()
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.get_attribute("html", "data-present") == "on"
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    page.click("#present-toggle")
    page.select_option("#theme-toggle", "light")
    page.reload()
    assert page.get_attribute("html", "data-theme") is None
    assert page.get_attribute("html", "data-present") is None


def test_question_mark_opens_and_closes_the_shortcut_overlay(projector: Any, live_server: Any) -> None:
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.click("#step-slider")
    page.keyboard.press("?")
    help_box = page.locator("dialog#help")
    expect(help_box).to_be_visible()
    assert "Ctrl+Enter" in (help_box.text_content() or "")
    screenshot(page, "editor-05-help-1280")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    # A ? typed into the program is a character, not a request for help.
    page.click("#source")
    page.keyboard.press("Control+End")
    page.keyboard.type("?")
    expect(help_box).to_be_hidden()
    assert editor_text(page).endswith("?")
    page.goto(f"{live_server.url}/regression.html")
    page.keyboard.press("?")
    expect(page.locator("dialog#help")).to_be_visible()
    page.click("dialog#help .close")
    expect(page.locator("dialog#help")).to_be_hidden()


def test_the_language_page_lists_the_allow_list(projector: Any, live_server: Any) -> None:
    language = httpx.get(f"{live_server.url}/api/language", timeout=10).json()
    page = projector
    page.goto(f"{live_server.url}/language.html")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    text = page.text_content("#sections") or ""
    names = [f["name"] for f in language["functions"]] + [m["name"] for m in language["methods"]]
    names += [a["name"] for a in language["attributes"]] + language["constants"] + language["statements"]
    missing = [name for name in names if name not in text]
    assert not missing, f"not on the page: {missing}"
    assert page.locator("#functions tbody tr").count() == len(language["functions"])
    page.fill("#filter", "backward")
    expect(page.locator("#filter-count")).to_have_text(re.compile(r"^\d+ match"))
    assert "x.backward()" in (page.text_content("#sections") or "")
    assert "torch.sin" not in (page.text_content("#sections") or "")
    screenshot(page, "editor-06-language-1280")


def test_a_program_pasted_over_the_opening_example_is_the_students_and_survives_a_reload(
    projector: Any, live_server: Any
) -> None:
    """A bare page opens on an example, in the example's tab; a student pastes over it. That was
    kept under the example's title and lost on reload; it is now their program."""
    page = projector
    open_explorer(page, live_server, "#ex=polynomial")
    page.evaluate("window.localStorage.clear()")
    open_explorer(page, live_server, "#ex=polynomial")
    show_editor(page)
    expect(page.locator("#tab-program")).to_have_attribute("aria-selected", "true")
    program = "w = torch.tensor(3.0, requires_grad=True)\nw * w"
    set_editor_text(page, program)
    expect(page.locator("#tab-draft")).to_have_attribute("aria-selected", "true")
    assert editor_text(page) == program
    # A new program: the example's input x = 1 is not bound beside it (it stays with the example).
    expect(page.locator(".inputs .input-row")).to_have_count(0)
    page.click("#source")
    page.keyboard.press("Control+z")  # one edit: undone, the example's text is back in the draft
    assert editor_text(page) == "x**3 - 3*x"
    page.keyboard.press("Control+Shift+z")
    assert editor_text(page) == program
    page.click("#tab-program")  # the example's tab still holds the example, and runs with its input
    assert editor_text(page) == "x**3 - 3*x"
    expect(page.locator("#run-status")).to_contain_text("4 nodes", timeout=RUN_TIMEOUT_MS)
    expect(page.locator(".inputs .input-name")).to_have_value("x")
    page.reload()
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    show_editor(page)
    page.click("#tab-draft")
    assert editor_text(page) == program
    expect(page.locator(".inputs .input-row")).to_have_count(0)  # the draft kept none


def test_the_page_opens_and_runs_before_the_editor_arrives(projector: Any, live_server: Any) -> None:
    """CodeMirror is mounted after the first draw (main.js): held back, the page is still ready,
    its menu and Run work, and the editor, once it arrives, shows the program that ran. On a page
    that imported it statically, nothing ran until it came."""
    page = projector
    held: list[Any] = []
    page.route("**/vendor/codemirror/codemirror.js", lambda route: held.append(route))  # answered later
    page.goto(f"{live_server.url}/#ex=polynomial")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    # Asked for once the first frame is painted (a frame and a task after data-ready), so polled:
    # on a loaded machine that frame may come after this line.
    for _ in range(RUN_TIMEOUT_MS // 100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the editor's bundle was asked for after the first draw"
    assert page.get_attribute("body", "data-editor") is None
    expect(page.locator("#step-label")).to_have_text(re.compile(r"^start · 0 / \d+$"))
    # The panel opens (asking for the editor, still held), its menu runs another example, and Run
    # runs again, without the editor.
    page.click("#toggle-editor")
    before = runs(page)
    page.select_option("#examples", "least-squares")
    expect(page.locator("body")).to_have_attribute("data-runs", str(before + 1), timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("body", "data-editor") is None
    page.click("#run")
    expect(page.locator("body")).to_have_attribute("data-runs", str(before + 2), timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-status")).to_contain_text("nodes")
    for route in held:
        route.continue_()
    expect(page.locator("body")).to_have_attribute("data-editor", "ready", timeout=RUN_TIMEOUT_MS)
    examples = httpx.get(f"{live_server.url}/api/examples").json()
    source = next(e for e in examples if e["id"] == "least-squares")
    assert editor_text(page) == source["source"]
    expect(page.locator("#tab-program")).to_have_text("Example: " + source["title"])
