"""What a lab page shows between a click and its drawn answer (js/optimize/feedback.js drawing(),
js/shared/reveal.js), in a browser.

A Run clicked as the page became ready was answered while Plotly (held back until then, then
loaded and run for 0.3-0.6 s) had not drawn yet: the status went blank, or said the run was done,
while the page waited for Plotly. The tests hold Plotly's bundle back, click, and see the progress
bar stay up until Plotly has drawn the answer. On a phone the results lie below the form: a click
brings them into view.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.frontend.page_wait import TIMEOUT, wait_until
from tests.live import LiveServer

pytestmark = pytest.mark.browser

PLOTLY = "**/plotly-cartesian.min.js"

# Runs before the page's scripts: what the plots held whenever the status line changed.
STATUS_LOG = """
window.__statusLog = [];
new MutationObserver(() => {
  const status = document.getElementById('status');
  if (!status) return;
  const plots = Object.fromEntries([...document.querySelectorAll('.plot')].map((div) => [div.id, {
    names: (div.data || []).map((t) => t.name || ''),
    sketched: !!div.querySelector(':scope > svg.sketch'),
  }]));
  window.__statusLog.push({ text: status.textContent, bar: !!status.querySelector('progress'), plots });
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def hold_plotly(page: Any) -> list[Any]:
    """Hold Plotly's bundle back until the test continues the returned routes."""
    held: list[Any] = []
    page.route(PLOTLY, lambda route: held.append(route))
    page.add_init_script(STATUS_LOG)
    return held


def release(page: Any, held: list[Any]) -> None:
    # The route's handler runs when Playwright next hears from the browser, which may be after the
    # page already says it waits for Plotly: wait for the request before answering it.
    for _ in range(TIMEOUT // 100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "Plotly's bundle was asked for"
    for route in held:
        route.continue_()


def test_a_fit_shows_its_progress_until_plotly_has_drawn_it(live_server: LiveServer, page: Any) -> None:
    held = hold_plotly(page)
    page.goto(f"{live_server.url}/regression.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    page.fill("#lr", "0.05")
    page.click("#fit")
    # Answered and sketched, Plotly not there yet: the bar says so, and Fit stays usable.
    expect(page.locator("#coefficients")).to_contain_text("lr 0.05", timeout=TIMEOUT)
    assert page.locator("#fit-plot > svg.sketch").count() == 1
    expect(page.locator("#status")).to_have_text("Drawing the fit…")
    assert page.locator("#status progress").count() == 1
    assert page.is_enabled("#fit")
    release(page, held)
    wait_until(page, "!document.querySelector('#status progress')")
    # The bar went away in the task in which Plotly drew the new fit, not before.
    bar_ends = "window.__statusLog.filter((s, i, log) => i > 0 && log[i - 1].bar && !s.bar)"
    last_bar = page.evaluate(f"{bar_ends}.pop()")
    fit = last_bar["plots"]["fit-plot"]
    assert "autograd lr=0.05" in fit["names"] and not fit["sketched"], last_bar


def test_a_run_says_it_ran_once_plotly_has_drawn_its_path(live_server: LiveServer, page: Any) -> None:
    held = hold_plotly(page)
    page.goto(f"{live_server.url}/optimize.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    page.click("#run")
    expect(page.locator("#runs li")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("#status")).to_have_text("Drawing the paths…")
    assert page.locator("#status progress").count() == 1
    release(page, held)
    expect(page.locator("#status")).to_have_text(re.compile(r"^ran 1 run in \d+ ms$"), timeout=TIMEOUT)
    said = page.evaluate("window.__statusLog.find((s) => s.text.startsWith('ran 1 run'))")
    assert said["plots"]["paths"]["names"] and not said["plots"]["paths"]["sketched"], said


@pytest.mark.parametrize(
    ("path", "button", "result"),
    [
        ("/regression.html", "#fit", "#fit-plot"),
        ("/optimize.html", "#run", "#landscape"),
        ("/pitfall.html", "#run", "#without"),
    ],
)
def test_on_a_phone_a_click_brings_the_results_into_view(
    live_server: LiveServer, page: Any, path: str, button: str, result: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    in_view = f"(() => {{ const r = document.querySelector('{result}').getBoundingClientRect();"
    in_view += " return r.top >= 0 && r.top < innerHeight / 2; })()"
    page.locator(button).scroll_into_view_if_needed()
    assert not page.evaluate(in_view), "the results are below the form: out of view before the click"
    page.click(button)
    wait_until(page, in_view, timeout_ms=5000)


@pytest.mark.parametrize(
    ("path", "said"), [("/regression.html", "(closed form"), ("/pitfall.html", "without clearing")]
)
def test_on_a_phone_the_status_says_what_ran_in_one_whole_line(
    live_server: LiveServer, page: Any, path: str, said: str
) -> None:
    # The line beside the buttons says what a run reached once it is drawn; on a phone it is one line
    # (labs.css), so what it says must fit there, not end in "…".
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    expect(page.locator("#status")).to_contain_text(said, timeout=TIMEOUT)
    span = page.locator("#status > span")
    assert span.evaluate("s => s.scrollWidth <= s.clientWidth"), span.inner_text()
    line = span.bounding_box()
    assert line is not None and line["height"] < 40, line  # one line


def test_at_a_desktop_width_a_click_leaves_the_page_where_it_is(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/regression.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    page.evaluate("scrollTo(0, 60)")  # the student scrolled a little
    scrolled = page.evaluate("scrollY")
    assert scrolled > 0
    page.click("#fit")
    wait_until(page, "!document.querySelector('#status progress')")
    assert page.evaluate("scrollY") == scrolled  # the plot is beside the form: nothing to bring into view


def test_on_a_phone_the_sketched_fit_leaves_the_table_uncovered(live_server: LiveServer, page: Any) -> None:
    """The figure is 480 px high (768 px on a phone, its subplots stacked) and a phone's plot box 368 px:
    the sketch lay over the coefficients until Plotly, drawing in the flow, made the box as tall."""
    held = hold_plotly(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/regression.html")
    page.wait_for_selector("body[data-ready]", timeout=TIMEOUT)
    sketch = page.locator("#fit-plot > svg.sketch").bounding_box()
    table = page.locator("#coefficients").bounding_box()
    assert sketch is not None and table is not None
    assert sketch["height"] > 368
    assert sketch["y"] + sketch["height"] <= table["y"], (sketch, table)
    release(page, held)
    wait_until(page, "!document.querySelector('#fit-plot > svg.sketch')")
    assert page.locator("#fit-plot .main-svg").first.bounding_box()["height"] == sketch["height"]
    assert page.locator("#coefficients").bounding_box() == pytest.approx(table, abs=4)  # nothing jumped
