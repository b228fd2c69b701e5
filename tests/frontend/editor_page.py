"""Reading and writing the explorer's CodeMirror editor from a Playwright page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.live import RUN_TIMEOUT_MS

# EditorView.findFromDOM is CodeMirror's public way from a DOM node to its view; the vendored
# bundle is one ES module, so this import shares the page's own instance.
# The editor is mounted after the page's first draw (main.js): wait for it (10 s at most).
_VIEW = (
    "for (let i = 0; i < 200 && !document.querySelector('#editor .cm-editor'); i++)"
    " await new Promise((done) => setTimeout(done, 50));"
    "const { EditorView } = await import('/vendor/codemirror/codemirror.js');"
    "const view = EditorView.findFromDOM(document.querySelector('#editor .cm-editor'));"
)


def editor_text(page: Any) -> str:
    """The program in the editor's active tab."""
    return str(page.evaluate(f"async () => {{ {_VIEW} return view.state.doc.toString(); }}"))


def set_editor_text(page: Any, text: str) -> None:
    """Replace the program as if typed (one user edit, so it is the draft when the draft tab is open)."""
    page.evaluate(
        f"async (text) => {{ {_VIEW} view.dispatch({{"
        " changes: { from: 0, to: view.state.doc.length, insert: text }, userEvent: 'input.paste' }); }",
        text,
    )


def char_centre(page: Any, offset: int) -> tuple[float, float]:
    """Page coordinates of the middle of the character at `offset` in the program."""
    box = page.evaluate(
        f"async (at) => {{ {_VIEW} const a = view.coordsAtPos(at, 1); const b = view.coordsAtPos(at + 1, -1);"
        " return [(a.left + b.right) / 2, (a.top + a.bottom) / 2]; }",
        offset,
    )
    return float(box[0]), float(box[1])


def show_editor(page: Any) -> None:
    """Open the program panel if the layout started it closed (a narrow screen does)."""
    if not page.is_visible("#source") and page.locator("#toggle-editor").count():
        page.click("#toggle-editor")
    page.wait_for_selector("#source", state="visible", timeout=5_000)


def pick_example(page: Any, example_id: str, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Pick an example from the menu and wait for the run it starts (not a run already on screen).

    A page opened on `#ex=none` shows the first example (an unknown id opens the first), so
    picking that one again re-runs it: a test that went on at the old trace's step label saw the
    new trace land under its mouse and clear the hover (the CI flake of 2026-12-02).
    """
    runs = int(page.get_attribute("body", "data-runs") or 0)
    page.select_option("#examples", example_id)
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1), timeout=timeout)


def open_explorer(page: Any, server: Any, hash_: str = "") -> None:
    """Open the explorer at `hash_` as a new document and show its program panel."""
    page.goto("about:blank")  # a new document each time, not a hash change of the old one
    page.goto(f"{server.url}/{hash_}")
    # data-ready is set once the first run is shown, and a link may open the lecture's 4000-iteration loop
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    show_editor(page)  # below 1880 px the program panel starts on its rail


def paste_and_run(page: Any, server: Any, source: str, viewport: dict[str, int]) -> None:
    """Open the explorer at `viewport`, paste `source` as a student does, press Run and wait for it."""
    page.set_viewport_size(viewport)
    page.goto(f"{server.url}/#ex=none")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    show_editor(page)
    set_editor_text(page, source)
    runs = int(page.get_attribute("body", "data-runs") or 0)
    page.click("#run")
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1), timeout=RUN_TIMEOUT_MS)
