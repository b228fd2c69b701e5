"""The graph explorer in a real chromium against a live uvicorn: the lecture's walk-through."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import pytest
from playwright.sync_api import expect

from autograd_explorer.examples import get_example
from tests.frontend.editor_page import char_centre, editor_text, open_explorer, pick_example, show_editor
from tests.frontend.graph_geometry import drawn, drawn_graph_text, edges_through_nodes
from tests.frontend.page_wait import wait_until
from tests.frontend.pixels import differing_pixels, settled_screenshot
from tests.lang.test_tutorial_ops import MAKEMORE_BACKPROP
from tests.lecture_programs import simple_nn_update_without_no_grad
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser

BAD_REQUEST = re.compile(r"status of 400")


# Every wait on the server running the program (a page's first run, the inspector's full values, the
# f and f′ plot, torchviz) is a run's hang bound, RUN_TIMEOUT_MS (tests/live.py).
def step_label(page: Any) -> str:
    return str(page.text_content("#step-label"))


def test_polynomial_backward_with_the_keyboard(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=none")
    pick_example(page, "polynomial")
    expect(page.locator("#step-label")).to_have_text("start · 0 / 4")
    assert editor_text(page) == "x**3 - 3*x"
    # The output typeset as every step's narration writes it, not as the source spells it (x**3 - 3*x).
    start = "Start: the output f = x³ − 3x holds ∂f/∂f = 1 (the seed gradient); every other accumulator is 0."
    press = "Press → to let PyTorch's engine run the first node."
    expect(page.locator("#step-panel .narration")).to_have_text(f"{start} {press}")
    # Hovering the source names the node built there (the graph marks it too).
    page.mouse.move(*char_centre(page, 8))  # over the "x" of "3*x"
    expect(page.locator("#source")).to_have_attribute("title", "z₂ = 3*x")
    expect(page.locator("#source mark.linked")).to_have_text("3*x")
    screenshot(page, "explorer-01-polynomial-start")
    runs = int(page.get_attribute("body", "data-runs") or 0)
    page.click("#run")  # Run again by hand: the same trace comes back
    expect(page.locator("body")).to_have_attribute("data-runs", str(runs + 1))
    expect(page.locator("#step-label")).to_have_text("start · 0 / 4")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert step_label(page) == "step 4 / 4"
    x_row = page.locator("#accumulators tr[data-node='0']")
    assert x_row.locator(".acc").text_content() == "0"
    contributions = x_row.locator(".contribs").text_content() or ""
    assert sorted(contributions.split(" + ")) == sorted(["\u22123", "3"])
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert step_label(page) == "step 2 / 4"
    # After the multiply node only −3 has arrived at x, and that row is marked as the one that changed.
    assert x_row.locator(".acc").text_content() == "\u22123"
    assert "changed" in (x_row.get_attribute("class") or "")
    # KaTeX loads after the page is ready (formula.js): the formula is typeset once it is here
    expect(page.locator(".step-panel .katex").first).to_be_visible()
    screenshot(page, "explorer-02-polynomial-step2")
    page.keyboard.press("End")
    page.select_option("#node-picker", "0")
    assert "AccumulateGrad" in (page.text_content("#inspector") or "")
    assert "is_leaf" in (page.text_content("#inspector") or "")
    screenshot(page, "explorer-03-polynomial-end-inspector")
    with page.expect_download() as svg:
        page.click("#export-svg")
    assert svg.value.suggested_filename == "polynomial-step4.svg"
    assert Path(svg.value.path()).read_text().startswith("<svg")
    with page.expect_download() as png:
        page.click("#export-png")
    assert Path(png.value.path()).read_bytes()[:4] == b"\x89PNG"
    with page.expect_download() as trace:
        page.click("#export-json")
    assert json.loads(Path(trace.value.path()).read_text())["stats"]["nodes"] == 4


def test_syntax_error_is_shown_at_its_line(
    page: Any, live_server: Any, expected_console_errors: list[re.Pattern[str]]
) -> None:
    expected_console_errors.append(BAD_REQUEST)
    open_explorer(page, live_server, "#ex=polynomial")
    page.fill("#source", "x = torch.tensor(1.0, requires_grad=True)\ny = (x +\nz = y * 2\n")
    page.press("#source", "Control+Enter")
    page.wait_for_selector("#program-error:not([hidden])")
    error = page.text_content("#program-error") or ""
    assert "Syntax error at line 2" in error
    assert page.text_content("#editor .cm-lineNumbers .error-line") == "2"
    screenshot(page, "explorer-04-syntax-error")


def test_the_graph_is_drawn_before_the_steps_are_explained(
    page: Any, live_server: Any, expected_console_errors: list[re.Pattern[str]]
) -> None:
    """A small trace's step details (formulas, narration) are asked for with the trace but the graph
    does not wait for them: with the details endpoint failing, the page still draws the graph and
    its steps (before, a failed details request blanked the page with an error); the step that
    needs them says they are missing, and KaTeX is not fetched before the page is ready."""
    katex_before_ready: list[str] = []
    page.on(
        "request",
        lambda r: (
            "katex.mjs" in r.url
            and page.evaluate("!document.body.dataset.ready")
            and katex_before_ready.append(r.url)
        ),
    )
    expected_console_errors.append(re.compile(r"net::ERR_FAILED"))  # the aborted details requests
    page.route("**/api/trace/details", lambda route: route.abort())
    open_explorer(page, live_server, "#ex=polynomial")
    expect(page.locator("#graph")).to_have_attribute("data-nodes", "4")  # x, x³, 3x, f
    expect(page.locator("#step-label")).to_have_text("start · 0 / 4")
    expect(page.locator("#program-error")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 1 / 4")
    # the step's numbers are the compact trace's own; the missing explanation is said, not spun on
    expect(page.locator(".step-panel .narration")).to_contain_text("could not be fetched")
    expect(page.locator(".step-panel")).to_contain_text("Incoming gradient")
    assert katex_before_ready == []


def test_shared_url_reopens_the_same_step(page: Any, live_server: Any, browser: Any) -> None:
    open_explorer(page, live_server, "#ex=least-squares")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The URL is written once the step is painted: the heading is read from that step.
    expect(page).to_have_url(re.compile(r"step=3"))
    heading = page.text_content(".step-panel h2")
    shared = page.url
    other = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        other.goto(shared)
        other.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
        assert step_label(other) == "step 3 / 5"
        assert other.text_content(".step-panel h2") == heading
        # Least squares shows each local Jacobian with its shape.
        assert "Local Jacobian" in (other.text_content("#step-panel") or "")
        assert "5×5" in (other.text_content("#step-panel") or "")
        screenshot(other, "explorer-05-least-squares-step3")
    finally:
        other.close()


def test_a_links_program_is_traced_by_one_request(page: Any, live_server: Any) -> None:
    # early-trace.js sends it before the page's modules load; main.js's run takes that answer
    # rather than asking again.
    traced: list[str] = []
    page.on("request", lambda r: traced.append(r.url) if r.url.endswith("/api/trace") else None)
    page.goto("about:blank")
    source = "x = torch.tensor(2.0, requires_grad=True)\nx**3 - 3*x"
    page.goto(f"{live_server.url}/#" + urlencode({"src": source}))
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#step-label")).to_have_text(re.compile(r"start · 0 / \d+"))
    assert len(traced) == 1, traced
    show_editor(page)
    page.click("#run")  # a run by hand asks the server again
    expect(page.locator("body")).to_have_attribute("data-runs", "2", timeout=RUN_TIMEOUT_MS)
    assert len(traced) == 2, traced


def test_an_example_link_asks_for_its_trace_once_not_for_the_examples(page: Any, live_server: Any) -> None:
    # The examples menu comes written into the page (api/explorer_page.py); early-trace.js asks for
    # the example's trace before the page's modules load and main.js takes that answer: a body that
    # differed from main.js's would be traced twice. Before, the menu was a request of its own.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("/api/")[-1]) if "/api/" in r.url else None)
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=second-derivative")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    assert page.input_value("#examples") == "second-derivative"
    assert asked.count("examples") == 0 and asked.count("trace") == 1, asked
    assert page.locator("#examples option").count() > 10  # the whole menu, from the page


def test_a_cold_open_asks_for_plotly_only_once_its_modules_have_run(page: Any, live_server: Any) -> None:
    # Issue 13: the explorer's graph needs no Plotly; its 1.5 MB bundle (0.45 s to run) is not in
    # <head> or the module graph, but asked for by main.js in idle time: after the ready mark, or
    # while a trace slower than 300 ms is computed (docs/explorer.md). Either is after main.js ran.
    page.goto(f"{live_server.url}/#ex=polynomial")  # a fresh context: nothing cached
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    times = page.evaluate(
        """() => new Promise((resolve) => {
          const look = () => {
            const asked = performance.getEntriesByType('resource')
              .filter((e) => e.name.includes('/vendor/plotly'));
            if (!asked.length) return setTimeout(look, 50);
            const [ran, ready] = ['modules-evaluated', 'ready']
              .map((name) => performance.getEntriesByName(`explorer:${name}`)[0].startTime);
            resolve({ plotly: asked.map((e) => e.startTime), ran, ready });
          };
          look();
        })"""
    )
    assert len(times["plotly"]) == 1, times  # the cartesian bundle, once
    assert times["plotly"][0] > times["ran"], times
    # The examples' trace is answered from memory (the start-up answers): the quick path, after ready.
    assert times["plotly"][0] > times["ready"] or times["ready"] - times["ran"] > 300, times


def test_inplace_pitfall_shows_pytorchs_message(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=pitfall-inplace")
    page.wait_for_selector("#program-error:not([hidden])")
    error = page.text_content("#program-error") or ""
    assert "modified by an inplace operation" in error
    assert "line 5" in error
    assert "saved its output" in (page.text_content("#explanation") or "")
    screenshot(page, "explorer-06-pitfall-inplace")


def open_stopped(page: Any, live_server: Any, hash_: str) -> Any:
    """Open a program that stops with an error at 1280×720 and wait for its run; the note above the
    steps that says where it stopped."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#{hash_}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    return page.locator("#warnings li.stopped")


def test_a_failed_backward_shows_the_graph_it_was_called_on(page: Any, live_server: Any) -> None:
    """The in-place pitfall's z.backward() fails. The page said "No graph: the program stopped" beside
    PyTorch's message (while the torchviz tab drew the graph): now it draws the graph the call was made
    on, the node the engine stopped at red and dashed, and steps through what the engine ran first."""
    note = open_stopped(page, live_server, "ex=pitfall-inplace")
    expect(page.locator("#graph-empty")).to_be_hidden()
    assert page.get_attribute("#graph", "data-nodes") == "4"
    expect(note).to_contain_text(
        "stopped at line 5, in backward(): the engine ran 2 nodes of this graph, then could not run "
        "y = torch.sqrt(x) (SqrtBackward0), red and dashed"
    )
    expect(note).to_contain_text("modified by an inplace operation")
    expect(note).to_be_in_viewport()
    expect(page.locator("#graph-legend .stopped")).to_have_text("engine stopped here")
    expect(page.locator("#graph-legend .stopped")).to_be_visible()
    assert step_label(page) == "start · 0 / 2"
    page.keyboard.press("End")
    assert step_label(page) == "step 2 / 2"
    panel = page.locator("#step-panel")
    expect(panel).to_contain_text("Then the engine stopped at y = torch.sqrt(x) (SqrtBackward0)")
    expect(panel).to_contain_text("x.grad after this call: None")  # as CPython leaves it
    page.select_option("#node-picker", "1")  # sqrt: why it lists nothing saved
    expect(page.locator("#inspector")).to_contain_text("PyTorch refuses to hand out what this node saved")
    screenshot(page, "explorer-06b-pitfall-inplace-graph-1280x720")
    with page.expect_download() as svg:
        page.click("#export-svg")
    drawing = Path(svg.value.path()).read_text()
    assert drawing.count('stroke-dasharray="8 5"') == 1  # one node drawn where the engine stopped
    # The code panel still marks the line, with PyTorch's message.
    show_editor(page)
    expect(page.locator("#program-error")).to_contain_text("line 5")


MARKED_NODES = "() => document.getElementById('graph')._cyreg.cy.nodes('node.stopped').map((n) => n.id())"


def test_a_nan_anomaly_mode_found_marks_the_node_that_sent_it(page: Any, live_server: Any) -> None:
    """Inside detect_anomaly(), sqrt's backward at x = -1 sends NaN and PyTorch stops the pass. No node
    was marked (the engine ran sqrt's, so no saved value was refused), and had one been, the page would
    have said the engine "could not run" it: now sqrt's node is red and dashed, the last step run."""
    program = (
        "x = torch.tensor([4.0, -1.0], requires_grad=True)\nwith torch.autograd.detect_anomaly():\n"
        "    y = torch.sqrt(x * 1.0)\n    z = (y * 2).sum()\n    z.backward()\n"
    )
    note = open_stopped(page, live_server, urlencode({"src": program}))
    expect(note).to_contain_text(
        "stopped at line 5, in backward(): the engine ran 3 nodes of this graph, and the last, "
        "y = torch.sqrt(x * 1.0) (SqrtBackward0), red and dashed, sent NaN on, so anomaly detection "
        "stopped the pass after it. PyTorch's error: Function 'SqrtBackward0' returned nan values in its "
        "0th output."
    )
    expect(note).not_to_contain_text("could not run")
    expect(page.locator("#graph-legend .stopped")).to_be_visible()
    # sqrt's node (id 2: x, x * 1.0, sqrt, y * 2, the sum), and it alone, drawn red and dashed
    assert page.evaluate(MARKED_NODES) == ["n2"]
    screenshot(page, "explorer-06f-nan-stopped-1280x720")
    page.keyboard.press("End")
    assert step_label(page) == "step 3 / 3"
    panel = page.locator("#step-panel")
    expect(panel).to_contain_text("local gradient 1/(2√y)")
    expect(panel).to_contain_text(
        "Then anomaly detection stopped the engine after y = torch.sqrt(x * 1.0) (SqrtBackward0), which "
        "sent NaN on"
    )
    page.select_option("#node-picker", "2")  # sqrt's: it ran, so its saved result is listed
    inspector = page.locator("#inspector")
    expect(inspector).to_contain_text("The engine ran this node, and what it sent on holds NaN")
    expect(inspector).not_to_contain_text("PyTorch refuses to hand out")


# How many of the drawn nodes a selector picks are wholly inside the graph's area, by selector.
NODES_WHOLLY_IN_VIEW = """() => {
  const graph = document.getElementById('graph');
  const cy = graph._cyreg.cy;
  const inside = (b) => b.x1 >= 0 && b.y1 >= 0 && b.x2 <= graph.clientWidth && b.y2 <= graph.clientHeight;
  const shown = (n) => inside(n.renderedBoundingBox({ includeLabels: false }));
  const count = (selector) => cy.nodes(selector).filter(shown).length;
  return { 'node.stopped': count('node.stopped'), 'node.output': count('node.output') };
}"""


def test_a_backward_stopped_before_any_step_says_so(page: Any, live_server: Any) -> None:
    # A vector output without gradient=: PyTorch cannot make the seed, so no node runs. The step panel
    # said "This program ran no backward pass" under "stopped in backward()".
    program = "a = torch.tensor([2.0, 3.0], requires_grad=True)\nQ = 3 * a**3\nQ.backward()\n"
    note = open_stopped(page, live_server, urlencode({"src": program}))
    expect(note).to_contain_text(
        "stopped at line 3, in backward(), before the engine ran any node of this graph. "
        "PyTorch's error: grad can be implicitly created only for scalar outputs"
    )
    expect(page.locator("#step-panel")).to_contain_text("stopped before PyTorch's engine ran any node")
    expect(page.locator("#step-panel")).not_to_contain_text("ran no backward pass")
    expect(page.locator("#graph-legend .stopped")).to_be_hidden()  # no node is marked
    # What to write instead; and no seed PyTorch never made: Q's accumulator is 0, not the ones of
    # gradient=torch.ones_like(Q).
    expect(note).to_contain_text("Q.backward(gradient=torch.ones_like(Q))")
    drawing = drawn_graph_text(page)
    assert "accumulator [0, 0]" in drawing and "accumulator [1, 1]" not in drawing


def test_an_update_outside_no_grad_shows_the_backward_before_it_and_the_leaf_it_changed(
    page: Any, live_server: Any
) -> None:
    """PyTorch refuses `w -= 0.1 * w.grad` outside torch.no_grad(). The page said "No graph: the
    program stopped": now the loss's graph and its backward pass, which ran whole, with w red and dashed
    and a note that says what to write instead."""
    # CONTENT.md §5's loop, as first written
    note = open_stopped(page, live_server, "ex=pitfall-update-no-grad")
    expect(page.locator("#graph-empty")).to_be_hidden()
    assert page.get_attribute("#graph", "data-nodes") == "6"
    expect(note).to_contain_text(
        "The program stopped at line 9, changing w in place (red and dashed), after 1 backward pass. "
        "The error: a leaf Variable that requires grad is being used in an in-place operation."
    )
    expect(note).to_contain_text("inside a with torch.no_grad() block")
    expect(note).to_be_in_viewport()
    expect(page.locator("#graph-legend .stopped")).to_have_text("in-place change refused")
    # Before any step the view holds w. Centred on the loss, where the backward pass starts, the six
    # nodes in a row (too long for one view at a readable zoom) left w, the tensor the note names, off
    # the screen's left edge. At 1280×720 they now wrap into two rows, the whole graph in view; on a
    # phone, top to bottom, they still do not fit, and the view holds w there.
    assert page.evaluate(NODES_WHOLLY_IN_VIEW) == {"node.stopped": 1, "node.output": 1}
    expect(page.locator("#graph")).to_have_attribute("data-wrapped", "true")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    assert page.evaluate(NODES_WHOLLY_IN_VIEW) == {"node.stopped": 1, "node.output": 0}
    page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("End")
    assert step_label(page) == "step 6 / 6"
    panel = page.locator("#step-panel")
    expect(panel).to_contain_text("w.grad after this call: [−1.045, 0.3579]")  # as by hand: −Xᵀy/n at w = 0
    expect(panel).not_to_contain_text("the engine stopped")
    page.select_option("#node-picker", "0")
    inspector = page.locator("#inspector")
    expect(inspector).to_contain_text("The program stopped at line 9, changing this tensor in place")
    screenshot(page, "explorer-06e-update-without-no-grad-1280x720")
    show_editor(page)
    expect(page.locator("#program-error")).to_contain_text("line 9")


def test_the_parameter_an_update_was_changing_is_drawn_in_its_open_box(page: Any, live_server: Any) -> None:
    # §6's SimpleNN loop without its torch.no_grad(): the note names model.fc1.weight, which sat in
    # model.fc1's closed box, where nothing red and dashed could be seen.
    note = open_stopped(page, live_server, urlencode({"src": simple_nn_update_without_no_grad()}))
    # where, as Python's traceback says it (the calls once, not a second line of PyTorch's message)
    expect(note).to_contain_text(
        "stopped at line 22, in train_model() called on line 32, changing model.fc1.weight in place"
    )
    expect(note).not_to_contain_text("(line 22:")
    with page.expect_download() as svg:
        page.click("#export-svg")
    drawing = Path(svg.value.path()).read_text()
    assert drawing.count('stroke-dasharray="8 5"') == 1, "the marked parameter is not drawn"


def test_the_first_view_of_a_stopped_update_shows_the_parameter_under_its_boxes_titles(
    page: Any, live_server: Any
) -> None:
    # A small model updated outside torch.no_grad(): model.0.weight is marked, and the view holds it
    # with the titles of the open boxes around it (their top left corners), not only frame lines.
    source = (
        "torch.manual_seed(0)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))\n"
        "x = torch.randn(4, 2)\nloss = model(x).pow(2).mean()\nloss.backward()\n"
        "for p in model.parameters():\n    p -= 0.1 * p.grad\n"
    )
    note = open_stopped(page, live_server, urlencode({"src": source}))
    expect(note).to_contain_text("changing model.0.weight in place")
    assert page.evaluate(NODES_WHOLLY_IN_VIEW)["node.stopped"] == 1
    titles = page.evaluate(
        """() => {
          const graph = document.getElementById('graph');
          const [width, height] = [graph.clientWidth, graph.clientHeight];
          const inside = (b) => b.x1 >= 0 && b.y1 >= 0 && b.x1 < width && b.y1 < height;
          return graph._cyreg.cy.nodes('.group.open').filter((n) => inside(n.renderedBoundingBox()))
            .map((n) => n.data('text').split(' · ')[0]);
        }"""
    )
    assert {"model", "model.0"} <= set(titles), titles


def test_a_stopped_program_shows_its_error_on_the_graph_with_the_code_on_its_rail(
    page: Any, live_server: Any, expected_console_errors: list[re.Pattern[str]]
) -> None:
    # On a 1280 px projector the program panel starts on its rail: the graph said "the error shown
    # beside the code" and the step panel "Pick an example", with neither the code nor the error
    # in sight. A program that stops before any graph is drawn (a name never defined) shows its error
    # where the graph would be. (A program that made a tensor before its error shows the graph up to it.)
    expected_console_errors.append(BAD_REQUEST)
    program = "x = 4.0\ny = x ** 0.5\nz = 3 * y + w\nx = torch.tensor(z, requires_grad=True)\n"
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#{urlencode({'src': program})}")
    empty = page.locator("#graph-empty")
    expect(empty).to_contain_text("Runtime error at line 3, column 13:")
    expect(empty).to_contain_text("name 'w' is not defined")
    expect(page.locator("#step-panel")).to_contain_text("the program stopped before it")
    expect(page.locator("#inspector")).to_be_hidden()  # no node to click: the step panel has the column
    assert page.get_attribute("#editor-pane", "data-open") == "false"
    page.click("#graph-empty .show-code")
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "true")
    expect(page.locator("#program-error")).to_contain_text("line 3")
    expect(page.locator("#graph-empty .show-code")).to_have_count(0)  # the code is in view now
    screenshot(page, "explorer-06c-stopped-program-1280x720")
    # Closed and opened again by the panel's own toggle, the button comes and goes with it.
    page.click("#toggle-editor")
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "false")
    expect(page.locator("#graph-empty .show-code")).to_have_count(1)
    page.click("#toggle-editor")
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "true")
    expect(page.locator("#graph-empty .show-code")).to_have_count(0)
    # On a phone the whole message scrolls inside the graph's area, clear of the legend below it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#{urlencode({'src': program})}")
    expect(empty).to_contain_text("at line 3, column 13:")
    message, legend = empty.bounding_box(), page.locator("#graph-legend").bounding_box()
    assert message is not None and legend is not None
    assert message["y"] + message["height"] <= legend["y"] + 1, (message, legend)
    assert empty.evaluate("p => p.scrollWidth <= p.clientWidth + 1")  # no word cut at the side
    screenshot(page, "explorer-06d-stopped-program-390x844")


@pytest.mark.parametrize(
    ("example", "lesson"),
    [
        ("pitfall-no-grad", "computed under torch.no_grad()"),
        ("pitfall-detach", "cut by `y.detach()` on line 3"),
    ],
)
def test_a_pitfalls_warning_is_in_view_on_a_projector(
    page: Any, live_server: Any, example: str, lesson: str
) -> None:
    # The lesson of these pitfalls is their warning, which sat in the program panel: on its rail at 1280 px.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex={example}")
    warning = page.locator("#warnings li")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text(lesson)
    assert page.get_attribute("#editor-pane", "data-open") == "false"
    box = warning.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720, box  # on screen
    if example == "pitfall-no-grad":
        expect(page.locator("#step-panel")).to_contain_text("no backward pass (the warning above says why)")
    screenshot(page, f"explorer-12b-{example}-1280x720")


@pytest.mark.parametrize("example", ["pitfall-detach", "pitfall-inplace", "pitfall-no-grad"])
def test_the_examples_lesson_is_beside_the_graph_at_the_start_on_a_projector(
    page: Any, live_server: Any, example: str, expected_console_errors: list[re.Pattern[str]]
) -> None:
    # The explanation sits in the program panel, on its rail at 1280 px: the graph and the step
    # panel said nothing of what the example teaches. At the start (or when the program stopped,
    # the in-place pitfall, or ran no pass, the no_grad one) the step panel holds it while the panel
    # is on its rail.
    expected_console_errors.append(BAD_REQUEST)
    explanation = next(e for e in httpx.get(f"{live_server.url}/api/examples").json() if e["id"] == example)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex={example}&step=0")
    about = page.locator("#step-panel .about-example")
    expect(about).to_have_count(1)
    expect(about.locator("summary")).to_have_text(f"About this example: {explanation['title']}")
    expect(about.locator("p")).to_have_text(explanation["explanation"])
    expect(about.locator("summary")).to_be_in_viewport()  # on screen, not below the fold
    screenshot(page, f"explorer-12c-{example}-about-1280x720")
    page.click("#toggle-editor")  # the program panel, explanation and all, is in view: said once
    expect(page.locator("#explanation")).to_contain_text(explanation["explanation"])
    expect(about).to_have_count(0)
    page.click("#toggle-editor")
    expect(about).to_have_count(1)
    if example == "pitfall-detach":
        # In presentation type, below the warning, the lesson still starts on screen (it came after
        # the start's sentence and was under the panel's fold), then the sentence.
        page.click("#present-toggle")
        expect(page.locator("html")).to_have_attribute("data-present", "on")
        expect(about.locator("summary")).to_be_in_viewport()
        assert about.evaluate(  # the lesson, then the start's sentence
            "a => Boolean(a.compareDocumentPosition(document.querySelector('#step-panel .narration'))"
            " & Node.DOCUMENT_POSITION_FOLLOWING)"
        )
        screenshot(page, "explorer-12d-pitfall-detach-about-presenting-1280x720")
        page.click("#present-toggle")
        page.keyboard.press("ArrowRight")  # a step shows the step, not the lesson
        expect(page.locator("#step-label")).to_have_text("step 1 / 2")
        expect(about).to_have_count(0)


def test_the_lecture_notes_open_at_the_examples_explanation(page: Any, live_server: Any) -> None:
    # The explanation sits in the program panel, on its rail at 1280 px; the notes opened at §1,
    # with the pitfalls' entries a long scroll below.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex=pitfall-detach&view=lecture")
    entry = page.locator("#lecture-view li.current")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("detach() breaks the graph")
    expect(entry).to_have_attribute("aria-current", "true")
    in_view = (
        "(() => { const r = document.querySelector('#lecture-view li.current').getBoundingClientRect();"
        " const v = document.querySelector('#lecture-view').getBoundingClientRect();"
        " return r.top >= v.top && r.bottom <= v.bottom; })()"
    )
    wait_until(page, in_view)
    assert page.locator("#lecture-view").evaluate("v => v.scrollTop") > 0


def test_inspector_heatmap_of_a_summarized_matrix(page: Any, live_server: Any) -> None:
    source = (
        "torch.manual_seed(0)\nW = torch.randn(12, 12, requires_grad=True)\n"
        "h = torch.tanh(W @ W)\nloss = (h * h).mean()\nloss.backward()\n"
    )
    open_explorer(page, live_server, "#" + urlencode({"src": source, "step": 2}))
    page.fill("#search", "W")
    page.press("#search", "Enter")  # the first match opens in the inspector, no mouse needed
    expect(page.locator("#inspector h2")).to_have_text("Inspector: W")
    assert "12×12: min" in (page.text_content("#inspector") or "")  # summarized by the server
    page.click("#inspector button")
    page.wait_for_selector("#inspector .heatmap .main-svg", timeout=RUN_TIMEOUT_MS)
    screenshot(page, "explorer-13-inspector-heatmap")


def test_each_view_renders(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=polynomial")
    page.click(".view-tabs [data-view='plot']")
    page.wait_for_selector("#fx-plot .main-svg", timeout=RUN_TIMEOUT_MS)
    assert "Largest difference" in (page.text_content("#plot-view") or "")
    screenshot(page, "explorer-07-view-plot")
    page.click(".view-tabs [data-view='torchviz']")
    page.wait_for_selector("#torchviz-view img", timeout=RUN_TIMEOUT_MS)
    screenshot(page, "explorer-08-view-torchviz")
    page.click(".view-tabs [data-view='lecture']")
    assert "O(n)" in (page.text_content("#lecture-view") or "")
    screenshot(page, "explorer-09-view-lecture")
    page.click(".view-tabs [data-view='jacobians']")
    expect(page).to_have_url(re.compile(r"view=jacobians"))
    open_explorer(page, live_server, "#ex=least-squares&step=5&view=jacobians")
    assert "Xᵀ(Xw − y)" in (page.text_content("#jacobian-view") or "")
    # Each local Jacobian (a tensor value [outputs, inputs]) is drawn as its matrix, shape and all.
    page.wait_for_selector("#jacobian-view .factor table.matrix", timeout=20_000)
    assert page.locator("#jacobian-view .factor table.matrix").count() >= 2
    screenshot(page, "explorer-10-view-jacobians")
    open_explorer(page, live_server, "#ex=pitfall-detach")
    assert "y.detach()" in (page.text_content("#warnings") or "")
    assert page.text_content("#editor .cm-lineNumbers .warn-line") == "3"
    screenshot(page, "explorer-12-pitfall-detach")
    open_explorer(page, live_server, "#ex=pitfall-accumulation")
    assert "2 → 4 → 6" in (page.text_content("#step-panel") or "")
    screenshot(page, "explorer-11-pitfall-accumulation")
    # A common projector, this browser's layout left with both panels open at 1600 px: the graph
    # and the steps are shown, the program waits on its rail (between them the graph had 230 px).
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=polynomial&step=3")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    assert page.locator("#accumulators tr[data-node='0']").is_visible()
    assert page.get_attribute("#editor-pane", "data-open") == "false"
    assert page.locator("#graph").bounding_box()["width"] >= 400
    screenshot(page, "explorer-14-projector-1280x720")
    page.set_viewport_size({"width": 1600, "height": 900})  # wider again: the stored layout, both open
    expect(page.locator("#editor-pane")).to_have_attribute("data-open", "true")
    assert page.locator("#accumulators tr[data-node='0']").is_visible()


def test_the_jacobian_chain_says_how_many_of_the_pass_it_shows(page: Any, live_server: Any) -> None:
    """A deep sigmoid network's chain showed two matrices of a 45-step pass and nothing of the rest.
    Oracle: the readable trace of the same program, whose steps carry every Jacobian computed."""
    example = get_example("lecture-vanishing")
    body = {"source": example.source, "output": example.output}
    readable = httpx.post(live_server.url + "/api/trace", json=body, timeout=120).json()
    inputs = [i for step in readable["passes"][-1]["steps"] for i in step["inputs"]]
    computed = sum(1 for i in inputs if i["jacobian"] is not None)
    assert 0 < computed < len(inputs)
    open_explorer(page, live_server, "#ex=lecture-vanishing&view=jacobians")
    expect(page.locator("#jacobian-count")).to_contain_text(
        f"{computed} of the pass’s {len(inputs)} local Jacobians shown. {len(inputs) - computed} not computed"
    )
    assert page.locator("#jacobian-view .factor").count() == computed
    assert "least-squares example" in (page.text_content("#jacobian-view") or "")  # named as an example


def test_accumulation_shows_the_real_dot_grad_and_what_the_pass_adds(page: Any, live_server: Any) -> None:
    # Found in QA: after the third backward call the inspector and the graph said x.grad = 2.
    open_explorer(page, live_server, "#ex=pitfall-accumulation")
    page.keyboard.press("End")
    expect(page.locator("#step-label")).to_have_text("step 2 / 2")
    assert "x.grad after this call: 6" in (page.text_content("#step-panel") or "")
    drawn = drawn_graph_text(page)
    assert ".grad 6" in drawn and "this pass adds 2" in drawn
    assert ".grad 2" not in drawn
    page.select_option("#node-picker", "0")
    inspector = page.locator("#inspector")
    expect(inspector.locator("h2")).to_have_text("Inspector: x")
    headings = inspector.locator("h3").all_text_contents()
    grad_at = headings.index(".grad after the program ran")
    adds_at = next(i for i, h in enumerate(headings) if h.startswith("What this pass adds to .grad"))
    # Each heading is followed by its value: the real .grad 6, and this pass's accumulator 2.
    values = [v.removesuffix("scalar") for v in inspector.locator("h3 + *").all_text_contents()]
    assert values[grad_at] == "6" and values[adds_at] == "2"
    # The first call's end: .grad was 2 then, and that call added 2.
    page.select_option("#pass-picker", "0")
    page.keyboard.press("End")
    drawn = drawn_graph_text(page)
    assert ".grad 2" in drawn and "this pass adds 2" in drawn
    screenshot(page, "explorer-15-accumulation-real-grad")


REBOUND = """w = torch.tensor(1.0, requires_grad=True)
a = w * 2
w = torch.tensor(3.0, requires_grad=True)
b = a + w * 5
b.backward()
"""


def test_two_leaves_of_one_name_each_show_their_own_grad(page: Any, live_server: Any) -> None:
    # The page read a node's .grad by variable name: both `w` nodes said .grad 5, the second's.
    # By hand: ∂b/∂(first w) = 2, ∂b/∂(second w) = 5.
    open_explorer(page, live_server, f"#src={quote_plus(REBOUND)}")
    page.keyboard.press("End")
    expect(page.locator("#step-label")).to_have_text(re.compile(r"step (\d+) / \1"))
    drawn = drawn_graph_text(page)
    assert ".grad 2" in drawn and ".grad 5" in drawn
    assert "w.grad after this call: 5" in (page.text_content("#step-panel") or "")  # the variable's


SKIP = """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
a = x * 2
b = a.exp()
c = b.sum()
d = c * a
loss = d.mean()
"""


@pytest.mark.parametrize("program", ["skip", "makemore-backprop", "lecture-vanishing", "lecture-simple-nn"])
def test_no_edge_is_drawn_through_a_node_between_its_ends(page: Any, live_server: Any, program: str) -> None:
    # An edge that skips ranks (`a` feeding `d` past b and c; makemore's counts → probs past
    # counts_sum_inv) ran straight through the nodes between and read as joining them. It bends
    # round them now, for every node at its largest: checked at the pass's end, every label grown.
    # In a boxed graph too: the deep sigmoid network's edge from one column's foot to the next
    # column's head crossed two sigmoids; SimpleNN's model.fc1.bias → addmm crossed the weight.
    sources = {"skip": SKIP, "makemore-backprop": MAKEMORE_BACKPROP}
    fragment = f"#src={quote_plus(sources[program])}" if program in sources else f"#ex={program}"
    open_explorer(page, live_server, fragment)
    page.keyboard.press("End")
    expect(page.locator("#step-label")).to_have_text(re.compile(r"step (\d+) / \1"))
    svg = drawn_graph_text(page)
    boxes, paths = drawn(svg)
    assert len(boxes) >= 6 and len(paths) >= 6
    assert [path for path, _ in edges_through_nodes(svg)] == []
    assert any(len(path) > 2 for path in paths)  # some edge bent round a node
    if program == "makemore-backprop":
        screenshot(page, "explorer-edges-round-nodes")


def test_torchviz_draws_a_program_that_called_backward(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=one-layer&view=torchviz")
    page.wait_for_selector("#torchviz-view img", timeout=RUN_TIMEOUT_MS)
    assert "make_dot" in (page.text_content("#torchviz-view") or "")
    screenshot(page, "explorer-16-torchviz-one-layer")


def test_torchviz_draws_the_graph_whose_backward_failed(
    page: Any, live_server: Any, expected_console_errors: list[re.Pattern[str]]
) -> None:
    expected_console_errors.append(BAD_REQUEST)  # the trace itself answers PyTorch's error
    open_explorer(page, live_server, "#ex=pitfall-inplace&view=torchviz")
    page.wait_for_selector("#torchviz-view img", timeout=RUN_TIMEOUT_MS)
    assert "backward() on line 5 failed" in (page.text_content("#torchviz-view") or "")


def test_torchviz_shows_the_servers_reason_when_it_draws_nothing(page: Any, live_server: Any) -> None:
    source = "x = torch.tensor(1.0, requires_grad=True)\ny = x\nfor _ in range(450):\n    y = torch.sin(y)\ny"
    open_explorer(page, live_server, "#" + urlencode({"src": source, "view": "torchviz"}))
    view = page.locator("#torchviz-view .warn")
    expect(view).to_contain_text("more than 400 nodes (torchviz_max_nodes)", timeout=RUN_TIMEOUT_MS)
    assert "Cannot read properties" not in (page.text_content("#torchviz-view") or "")


def test_find_node_finds_the_names_drawn_on_the_graph(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=polynomial")
    for query, title in (
        ("z1", "z₁ = x**3"),
        ("z₂", "z₂ = 3*x"),
        ("POWBACKWARD0", "z₁ = x**3"),
        ("x ** 3", "z₁ = x**3"),
    ):
        page.fill("#search", query)
        page.press("#search", "Enter")
        expect(page.locator("#inspector h2")).to_have_text(f"Inspector: {title}")


def test_an_unknown_example_in_a_link_is_named_on_the_page(page: Any, live_server: Any) -> None:
    open_explorer(page, live_server, "#ex=nope")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_text("No example called 'nope'; showing 'x³ − 3x at x = 1' instead.")
    assert editor_text(page) == "x**3 - 3*x"
    page.select_option("#examples", "two-ways")  # picking an example clears it
    expect(notice).to_be_hidden()
    open_explorer(page, live_server, "#ex=nope")
    expect(notice).to_be_visible()
    page.click("#run")  # and so does running a program of one's own (it stayed, seen in a screenshot)
    expect(notice).to_be_hidden()


# ---- large graphs (issue 11): boxes that open, stepping that follows, readable labels ----

CHAIN_5000 = (
    "x = torch.tensor(0.5, requires_grad=True)\ny = x\n"
    "for _ in range(2500):\n    y = torch.sin(y) * 1.0001\ny"
)


def graph_data(page: Any, name: str) -> str:
    return str(page.get_attribute("#graph", f"data-{name}") or "")


def open_large(page: Any, server: Any, source: str) -> None:
    # A wide screen: at 1600 px the program panel (60 columns) leaves the graph 430 px, where the
    # default view shows only the opened box around the output at 14 px labels.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("about:blank")
    page.goto(f"{server.url}/#" + urlencode({"src": source}))
    page.wait_for_selector("body[data-ready]", timeout=120_000)


def test_a_5000_node_program_is_drawn_as_boxes_and_answers(page: Any, live_server: Any) -> None:
    open_large(page, live_server, CHAIN_5000)
    expect(page.locator("#step-label")).to_have_text("start · 0 / 5001")
    drawn = int(graph_data(page, "nodes"))
    assert 2 <= drawn <= 200, f"{drawn} elements drawn at first: the loop should be boxes"
    assert page.is_checked("#collapse")
    boxes = json.loads(graph_data(page, "boxes-in-view"))
    assert any(b["label"].startswith("iteration") for b in boxes), boxes  # the loop, as boxes
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 1 / 5001")
    # The first step runs the output, y = sin(y) * 1.0001 of iteration 2500: its box opened.
    assert int(graph_data(page, "trace-nodes")) >= 2
    assert graph_data(page, "current-in-view") == "true"
    # Its formula and narration were fetched on demand.
    expect(page.locator(".step-panel .narration")).to_contain_text("Multiply node", timeout=60_000)
    screenshot(page, "explorer-17-5000-nodes-grouped")


def test_clicking_a_box_opens_it(page: Any, live_server: Any) -> None:
    open_large(page, live_server, CHAIN_5000)
    before = int(graph_data(page, "nodes"))
    opened = int(graph_data(page, "open"))
    box = json.loads(graph_data(page, "boxes-in-view"))[0]
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + box["x"], graph["y"] + box["y"])
    expect(page.locator("#graph")).to_have_attribute("data-open", str(opened + 1))
    assert int(graph_data(page, "nodes")) > before
    assert all(b["id"] != box["id"] for b in json.loads(graph_data(page, "boxes-in-view")))
    screenshot(page, "explorer-18-box-opened")


def test_stepping_keeps_the_current_node_in_view(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_large(page, live_server, CHAIN_5000)
    keys = (
        ("ArrowRight", "step 1 /"),
        ("ArrowRight", "step 2 /"),
        ("End", "step 5001 /"),
        ("ArrowLeft", "step 5000 /"),
    )
    for key, label in keys:
        page.keyboard.press(key)
        expect(page.locator("#step-label")).to_contain_text(label)
        assert graph_data(page, "current-in-view") == "true", f"after {key}"
        assert float(graph_data(page, "label-px")) >= 14, f"after {key}"
    page.fill("#step-slider", "2500")
    page.dispatch_event("#step-slider", "input")
    expect(page.locator("#step-label")).to_contain_text("step 2500 /")
    assert graph_data(page, "current-in-view") == "true"
    # The accumulator table lists every reached node but builds only the rows in view.
    table = page.locator("#step-panel .virtual-table")
    assert int(table.get_attribute("data-rows") or 0) >= 2500
    assert page.locator("#accumulators tbody tr:not(.spacer)").count() < 100
    assert page.locator("#accumulators tr.current").is_visible()
    screenshot(page, "explorer-19-5000-nodes-step-2500")
    # A step updates the table in place (rebuilding it laid out the whole side panel every step),
    # attaching only the rows it changed: here the new current row and the one it sends to.
    page.evaluate("document.querySelector('#step-panel .virtual-table').dataset.kept = 'yes'")
    shown = page.locator("#accumulators tbody tr:not(.spacer)").count()
    page.evaluate(WATCH_ROWS)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text("step 2501 /")
    assert page.get_attribute("#step-panel .virtual-table", "data-kept") == "yes"
    assert 1 <= rows_attached(page) <= 4 < shown
    assert int(table.get_attribute("data-rows") or 0) >= 2501
    assert page.locator("#accumulators tr.current").is_visible()


# Counts the accumulator rows attached from now on, as rows or inside a new table (a MutationObserver's
# records are delivered before the next task, so by the time the step label has changed).
WATCH_ROWS = """() => {
  window.rowsAttached = 0;
  const rows = '#accumulators tbody tr:not(.spacer)';
  const count = (n) => (n.nodeType !== 1 ? 0 : (n.matches(rows) ? 1 : 0) + n.querySelectorAll(rows).length);
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) window.rowsAttached += count(n);
  }).observe(document.getElementById('step-panel'), { childList: true, subtree: true });
}"""


def rows_attached(page: Any) -> int:
    return int(page.evaluate("window.rowsAttached"))


def test_a_step_attaches_only_the_accumulator_rows_it_changed(page: Any, live_server: Any) -> None:
    # 25 nodes, every one listed: each step marks the node that ran and the one it sends to. Rebuilt
    # whole, the table was styled and laid out again at every step (a 100-row table: 16 ms of layout).
    source = CHAIN_5000.replace("range(2500)", "range(12)")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#" + urlencode({"src": source}))
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    rows = page.locator("#accumulators tbody tr")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text("step 1 /")
    assert rows.count() == 25
    page.evaluate(WATCH_ROWS)
    for step in range(2, 6):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {step} /")
    # Per step: the row that was current and changed, the new current one, the one it sends to.
    assert 4 <= rows_attached(page) <= 4 * 4
    assert rows.count() == 25
    # What the rows say is this step's: the current node's row, and its input's marked changed.
    current = page.locator("#accumulators tr.current")
    expect(current).to_have_count(1)
    changed = page.locator("#accumulators tr.changed")
    expect(changed).to_have_count(1)
    assert int(changed.get_attribute("data-node") or -1) == int(current.get_attribute("data-node") or -1) - 1
    expect(changed.locator("td.acc")).not_to_have_text("")


def test_every_box_opened_draws_all_and_cytoscape_holds_only_the_view(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_large(page, live_server, CHAIN_5000)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text("step 1 /")
    page.uncheck("#collapse")
    expect(page.locator("#graph")).to_have_attribute("data-trace-nodes", "5001", timeout=60_000)
    # Every node laid out and drawn; Cytoscape holds the few near the view, the canvas the rest.
    held = int(graph_data(page, "held"))
    assert 0 < held < 500, held
    assert page.locator("#graph canvas.graph-overview").count() == 1
    assert graph_data(page, "current-in-view") == "true"
    assert float(graph_data(page, "label-px")) >= 14
    # Stepping far away moves the window with the current node, and a box there opens on click.
    page.keyboard.press("End")
    expect(page.locator("#step-label")).to_contain_text("step 5001 /")
    assert graph_data(page, "current-in-view") == "true"
    assert 0 < int(graph_data(page, "held")) < 500
    # Fit: zoomed out past readable labels, Cytoscape holds nothing and the canvas draws it all.
    page.click("#fit")
    expect(page.locator("#graph")).to_have_attribute("data-held", "0", timeout=10_000)
    screenshot(page, "explorer-21-5000-nodes-expanded-fit")
    # A click on the drawing zooms in there, to readable labels, and the window follows.
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + graph["width"] / 2, graph["y"] + graph["height"] / 2)
    expect(page.locator("#graph")).not_to_have_attribute("data-held", "0", timeout=10_000)
    assert float(graph_data(page, "label-px")) >= 14
    screenshot(page, "explorer-22-5000-nodes-expanded-zoomed")


def test_find_node_opens_the_box_holding_it(page: Any, live_server: Any) -> None:
    open_large(page, live_server, CHAIN_5000)
    opened = int(graph_data(page, "open"))
    page.fill("#search", "z2")  # the first sin, in iteration 1, deep in a closed box
    page.press("#search", "Enter")
    expect(page.locator("#inspector h2")).to_have_text("Inspector: z₂ = torch.sin(y)")
    assert int(graph_data(page, "open")) > opened
    assert float(graph_data(page, "label-px")) >= 14
    screenshot(page, "explorer-20-find-opens-box")


def test_labels_are_readable_at_1280x720_on_every_lecture_example(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    examples = httpx.get(live_server.url + "/api/examples", timeout=30).json()
    checked = 0
    for example in examples:
        if example["expect_error"]:
            continue
        open_explorer(page, live_server, f"#ex={example['id']}")
        if page.is_visible("#graph-empty"):
            continue
        label_px = float(graph_data(page, "label-px"))
        assert label_px >= 14, f"{example['id']}: labels drawn at {label_px} px"
        checked += 1
    assert checked >= 5


def test_a_label_that_gains_a_line_on_a_phone_is_drawn_whole(page: Any, live_server: Any) -> None:
    """On a phone the graph draws below zoom 1, where Cytoscape draws labels from textures cut to each
    label's measured box. A step that added "accumulator […]" to x's label kept the old text's box, so
    x read "alue [1.541, −0.2934, …" with its name cut off. The graph stepped to step 2 is the same
    picture as the same view restyled from scratch (a theme switched and back measures every label)."""
    program = "x = torch.randn(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()\n"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/#{urlencode({'src': program})}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_have_text("step 2 / 3")
    assert float(page.get_attribute("#graph", "data-zoom") or 1) < 1  # labels from the texture cache
    stepped = settled_screenshot(page, "#graph")
    page.select_option("#theme-toggle", "dark")
    page.select_option("#theme-toggle", "light")
    restyled = settled_screenshot(page, "#graph")
    screenshot(page, "explorer-phone-labels-step2")
    # Drawn twice, one picture differs in no pixel here; x's cut label differed in about 500.
    differing = differing_pixels(page, stepped, restyled)
    assert differing < 20, f"{differing} pixels differ"
