"""A training loop in the explorer (issue 10 §3): loss per iteration, any iteration step by step."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from autograd_explorer.examples import EXAMPLES
from tests.frontend.editor_page import show_editor
from tests.live import RUN_TIMEOUT_MS, LiveServer, screenshot

pytestmark = pytest.mark.browser

SIMPLENN = (Path(__file__).parents[1] / "lang" / "corpus" / "lecture_simplenn_training.py").read_text("utf-8")


def run_program(page: Any, server: Any, source: str) -> None:
    page.goto("about:blank")
    page.goto(f"{server.url}/#ex=none")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    runs = int(page.get_attribute("body", "data-runs") or 0)
    show_editor(page)  # below 1880 px the program panel starts on its rail
    page.fill("#source", source)
    page.click("#run")
    # the hang bound of a run of the shared server (tests/live.py): a training loop runs on it
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1), timeout=RUN_TIMEOUT_MS)


def next_run(page: Any) -> int:
    return int(page.get_attribute("body", "data-runs") or 0) + 1


def test_simplenn_shows_its_loss_per_iteration_and_iteration_20(page: Any, live_server: Any) -> None:
    run_program(page, live_server, SIMPLENN)
    expect(page.locator("#passes-panel")).to_be_visible()
    expect(page.locator("#passes-plot")).to_have_attribute("data-points", "20", timeout=20_000)
    losses = page.evaluate("document.getElementById('passes-plot').data[0].y")
    printed = page.text_content("#printed") or ""
    # the plot's losses are what the program printed (4 decimals), iteration by iteration
    assert [f"{v:.4f}" for v in losses] == [line.split("loss ")[1] for line in printed.splitlines()]
    expect(page.locator("#pass-shown")).to_have_text("iteration 20 of 20")
    steps = int((page.text_content("#step-label") or "").split("/ ")[1])
    assert steps >= 10
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text(f"step 3 / {steps}")
    expect(page.locator("#step-panel")).not_to_be_empty()
    screenshot(page, "explorer-passes-simplenn-iteration-20")

    # "open iteration 5": the server records that pass; the plot marks it
    runs = next_run(page)
    page.fill("#iteration-input", "5")
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs), timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#pass-shown")).to_have_text("iteration 5 of 20")
    expect(page.locator("#step-label")).to_have_text(f"start · 0 / {steps}")
    marked = page.evaluate("document.getElementById('passes-plot').data.at(-1).x")
    assert marked == [5]
    page.click("#step-controls [data-action='last']")
    expect(page.locator("#step-label")).to_have_text(f"step {steps} / {steps}")

    # a copied link reopens iteration 5 (the page asks the server to record it again); a step is
    # written to the URL a moment after it is taken (main.js, once per burst of steps)
    expect(page).to_have_url(re.compile(rf"step={steps}(&|$)"))
    link = page.url
    assert "pass=4" in link
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#pass-shown")).to_have_text("iteration 5 of 20", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_have_text(f"step {steps} / {steps}")

    # a click on the plot's point 12 opens iteration 12
    expect(page.locator("#passes-plot")).to_have_attribute("data-points", "20", timeout=20_000)
    runs = next_run(page)
    page.evaluate(
        "document.getElementById('passes-plot').emit('plotly_click', {points: [{x: 12, curveNumber: 0}]})"
    )
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs), timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#pass-shown")).to_have_text("iteration 12 of 20")


def test_a_program_of_one_pass_shows_no_loss_plot(page: Any, live_server: Any) -> None:
    run_program(page, live_server, "x = torch.tensor(2.0, requires_grad=True)\ny = x * x\ny.backward()\n")
    expect(page.locator("#step-label")).to_have_text("start · 0 / 2")
    expect(page.locator("#passes-panel")).to_be_hidden()
    expect(page.locator("#pass-shown")).to_be_hidden()


def test_the_lecture_loop_plots_every_iteration_and_opens_the_last(page: Any, live_server: Any) -> None:
    # CONTENT.md §8's loop, 400 of its 4000 iterations (the full loop, as the menu opens it, is the
    # next test's, on a server of its own)
    source = (Path(__file__).parents[1] / "lang" / "corpus" / "content_s8_polynomial_autograd.py").read_text()
    run_program(page, live_server, source.replace("range(4000)", "range(400)"))
    expect(page.locator("#passes-plot")).to_have_attribute("data-points", "400", timeout=30_000)
    expect(page.locator("#pass-shown")).to_have_text("iteration 400 of 400")
    page.select_option("#theme-toggle", "dark")
    expect(page.locator("#passes-plot")).to_have_attribute("data-points", "400")
    screenshot(page, "explorer-passes-s8-dark")


def test_the_menus_fit_by_autograd_prints_what_cpython_prints_and_plots_4000_losses(
    page: Any, tmp_path: Path
) -> None:
    """The §8 example as the menu opens it, all 4000 iterations: about 1 s of the 5-second default
    on a quiet machine (bench/lecture_loop_bench.py measures it), so this server of its own gets a
    wall clock a loaded test machine cannot exhaust."""
    example = next(e for e in EXAMPLES if e.id == "lecture-fit-autograd")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(example.source, {"__name__": "__main__"})  # noqa: S102 (trusted test program: the oracle)
    data = tmp_path / "data"
    data.mkdir()
    server = LiveServer(data, env={"AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": "120"})
    server.start()
    try:
        page.goto(f"{server.url}/#ex=lecture-fit-autograd")
        page.wait_for_selector("body[data-ready]", timeout=120_000)
        expect(page.locator("#passes-plot")).to_have_attribute("data-points", "4000", timeout=120_000)
        expect(page.locator("#pass-shown")).to_have_text("iteration 4000 of 4000")
        printed = (page.text_content("#printed") or "").splitlines()
        assert printed == out.getvalue().splitlines()
        # the plot's losses are the printed ones at the iterations printed (4 decimals)
        losses = page.evaluate("document.getElementById('passes-plot').data[0].y")
        for line in printed[:-1]:
            k = int(line.split("|")[0].split()[1])
            assert f"{losses[k]:.4f}" == line.split("Loss: ")[1], k
        screenshot(page, "explorer-passes-s8-example")
    finally:
        # The page first: its idle work (the next step's details, KaTeX) would ask a stopped server,
        # a console error under load (seen once).
        page.goto("about:blank")
        server.stop()
