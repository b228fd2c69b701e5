"""Issue 10 §3 in a real chromium: module boxes, the console, colour by |grad| and ∇ norms per module."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import expect

from tests.frontend.editor_page import show_editor
from tests.live import screenshot

pytestmark = pytest.mark.browser

SIMPLE_NN = """import torch
torch.manual_seed(0)

class SimpleNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 32)
        self.fc2 = torch.nn.Linear(32, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.sigmoid(self.fc2(h))

model = SimpleNN()
criterion = torch.nn.BCELoss()
X_train = torch.randn(16, 784)
y_train = torch.rand(16).round()
loss = criterion(model(X_train).squeeze(), y_train)
loss.backward()
print(f"loss = {loss.item():.4f}")
"""

PRINT_ONLY = """import torch

def f(x):
    return x**3 - 3*x

with torch.no_grad():
    for k in range(4):
        print(f"f({k}) = {f(torch.tensor(float(k))).item():.1f}")
"""


def open_source(page: Any, server: Any, source: str, *, width: int = 1920, height: int = 1080) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto("about:blank")
    page.goto(f"{server.url}/#" + urlencode({"src": source}))
    page.wait_for_selector("body[data-ready]", timeout=120_000)


def graph_data(page: Any, name: str) -> str:
    return str(page.get_attribute("#graph", f"data-{name}") or "")


def cpython_prints(source: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(source, {"__name__": "__main__"})  # noqa: S102 (trusted test program: the oracle)
    return out.getvalue().splitlines()


def test_simple_nn_reads_as_its_layers_before_a_box_is_opened(page: Any, live_server: Any) -> None:
    open_source(page, live_server, SIMPLE_NN)
    assert page.is_checked("#collapse"), "a graph of modules starts as boxes"
    page.click("#fit")  # the whole graph: the default view centres the output at 14 px labels
    boxes = {b["label"]: b for b in json.loads(graph_data(page, "boxes-in-view"))}
    assert {"model.fc1", "model.fc2"} <= set(boxes), boxes
    # The model's own box is open (it holds boxes); fc1 comes before fc2 along the data flow.
    assert int(graph_data(page, "open")) == 1
    # In reading order: a run of boxes longer than the view wraps as text does (LR: rows downward;
    # TB: columns rightward).
    axes = ("y", "x") if graph_data(page, "orientation") == "LR" else ("x", "y")
    assert tuple(boxes["model.fc1"][a] for a in axes) < tuple(boxes["model.fc2"][a] for a in axes), boxes
    # Drawn: relu, sigmoid, squeeze and the loss; each Linear's 4 nodes wait inside its box.
    assert int(graph_data(page, "trace-nodes")) == 4
    screenshot(page, "explorer-30-simple-nn-modules")
    graph = page.locator("#graph").bounding_box()
    fc1 = boxes["model.fc1"]
    page.mouse.click(graph["x"] + fc1["x"], graph["y"] + fc1["y"])
    expect(page.locator("#graph")).to_have_attribute("data-open", "2")
    assert int(graph_data(page, "trace-nodes")) == 8  # + weight, bias, t and addmm
    expect(page.locator("#console")).to_be_visible()
    assert page.text_content("#printed") == "\n".join(cpython_prints(SIMPLE_NN))


def test_a_printed_only_program_shows_the_console_and_no_graph_note(page: Any, live_server: Any) -> None:
    open_source(page, live_server, PRINT_ONLY, width=1280, height=720)
    expect(page.locator("#graph-empty")).to_contain_text("the program drew nothing")
    expect(page.locator("#program-error")).to_be_hidden()
    expect(page.locator("#console")).to_be_visible()
    assert page.text_content("#printed") == "\n".join(cpython_prints(PRINT_ONLY))
    expect(page.locator("#console-count")).to_have_text("4 lines")
    screenshot(page, "explorer-31-printed-only")
    # The console is the last run's: a program that prints nothing clears it.
    open_source(page, live_server, "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x * x\n")
    expect(page.locator("#console")).to_be_hidden()
    expect(page.locator("#graph-empty")).to_be_hidden()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_vanishing_gradients_are_coloured_and_plotted_per_module(
    page: Any, live_server: Any, theme: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(live_server.url + "/")
    page.evaluate(f"localStorage.setItem('autograd-explorer:theme', '{theme}')")
    page.goto("about:blank")
    page.goto(f"{live_server.url}/#ex=lecture-vanishing")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    expect(page.locator("#grad-legend")).to_be_hidden()
    page.check("#grad-colour")
    expect(page.locator("#grad-legend")).to_be_visible()
    scale = json.loads(graph_data(page, "grad-scale"))
    assert scale["lo"] <= -8 and scale["hi"] >= 0, scale  # nine decades between first and last layer
    page.click("#fit")
    screenshot(page, f"explorer-32-grad-colour-{theme}")
    page.click(".view-tabs [data-view='gradnorms']")
    expect(page.locator("#grad-norms-view")).to_have_attribute("data-bars", "9")
    page.wait_for_selector("#grad-norms-plot .main-svg")
    plotted = page.evaluate(
        "() => { const p = document.getElementById('grad-norms-plot');"
        " return {x: p.data[0].x, y: p.data[0].y, type: p.layout.yaxis.type}; }"
    )
    # The bars are the server's per-module norms (tests/trace/test_examples.py checks them against torch).
    example = httpx.get(live_server.url + "/api/examples/lecture-vanishing", timeout=30).json()
    body = {"source": example["source"], "output": example["output"], "jacobians": False}
    trace = httpx.post(live_server.url + "/api/trace", json=body, timeout=120).json()
    norms = trace["passes"][-1]["module_grad_norms"]
    assert plotted["type"] == "log"
    assert plotted["x"] == list(norms) == [f"model.{2 * k}" for k in range(9)]
    # The page reads the compact form, whose norms are float32 (7 significant digits).
    assert plotted["y"] == pytest.approx(list(norms.values()), rel=1e-6)
    screenshot(page, f"explorer-33-grad-norms-{theme}")


LOOP_OF_CALLS = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([0.5, -1.0])

def step(w, x):
    h = torch.tanh(w * x)
    return w - 0.1 * h

for i in range(3):
    w = step(w, x)

w.sum().backward()
"""


def test_a_loop_of_calls_is_named_by_its_for_line(page: Any, live_server: Any) -> None:
    """Every node of the loop is made inside `step`: the box names the `for` (the trace's `loop`),
    where it named `def step`'s first line ("loop at line 6"), as if the loop were inside step."""
    open_source(page, live_server, LOOP_OF_CALLS, width=1280, height=720)
    page.click("#fit")
    for_line = next(i for i, text in enumerate(LOOP_OF_CALLS.splitlines(), 1) if text.startswith("for "))
    call_line = for_line + 1
    # The open boxes' titles ("for i in range(3) at line 9 · 6 nodes (click to close)"), and the closed calls
    opened = page.evaluate(
        "() => document.querySelector('#graph')._cyreg.cy.nodes('.group.open').map((n) => n.data('text'))"
    )
    assert [title.split(" · ")[0] for title in opened] == [f"for i in range(3) at line {for_line}"], opened
    closed = {b["label"] for b in json.loads(graph_data(page, "boxes-in-view"))}
    # each turn says its `i` as the program's `for i in range(3)` does
    assert closed == {f"iteration {k + 1} (i = {k}): step(w, x) at line {call_line}" for k in range(3)}, (
        closed
    )
    screenshot(page, "explorer-31-loop-of-calls")


STACKED = """import torch
torch.manual_seed(0)

class Stacked(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cells = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(2)])

    def forward(self, xs):
        for cell in self.cells:
            h = torch.zeros(2)
            outs = []
            for t in range(3):
                h = torch.tanh(cell(h) + xs[t])
                outs.append(h)
            xs = torch.stack(outs)
        return h

model = Stacked()
loss = model(torch.randn(3, 2)).sum()
loss.backward()
"""


def test_nested_loops_nest_inside_the_model_that_runs_them(page: Any, live_server: Any) -> None:
    """A two-layer RNN: the layers' loop in the model's box, in each of its turns a run of the time
    loop with three iterations of its own. Before, one loop box of six iterations, each holding a
    `model` box of its own, and the first layer drawn after the second."""
    open_source(page, live_server, STACKED, width=1280, height=720)
    boxes = page.evaluate(
        "() => document.querySelector('#graph')._cyreg.cy.nodes('.group.open').map((n) => {"
        " const b = n.boundingBox(); return [n.data('text').split(' · ')[0], b.x1, b.y1, b.x2, b.y2]; })"
    )
    lines = STACKED.splitlines()
    layers = next(i for i, text in enumerate(lines, 1) if "for cell" in text)
    time = next(i for i, text in enumerate(lines, 1) if "for t" in text)
    titles = sorted(box[0] for box in boxes)
    iterations = ["iteration 1 (t = 0)", "iteration 2 (t = 1)", "iteration 3 (t = 2)"]  # `for t in range(3)`
    first_layer = "iteration 1 (cell = self.cells[0])"  # `for cell in self.cells`
    layer_loop, time_loop = f"for cell in self.cells at line {layers}", f"for t in range(3) at line {time}"
    assert titles == sorted(
        ["model", "model.cells", layer_loop, first_layer, time_loop]
        + [
            f"iteration 2 (cell = self.cells[1]): {time_loop}"
        ]  # the second layer's turn holds only its time loop
        + 2 * iterations
    ), titles

    def encloses(outer: list[Any], inner: list[Any]) -> bool:
        return (
            outer is not inner
            and outer[1] <= inner[1]
            and outer[2] <= inner[2]
            and inner[3] <= outer[3]
            and inner[4] <= outer[4]
        )

    def around(box: list[Any]) -> list[str]:
        """The titles of the open boxes that enclose this one."""
        return sorted(other[0] for other in boxes if encloses(other, box))

    time_loops = [box for box in boxes if box[0].endswith(time_loop)]
    first, second = sorted(time_loops, key=lambda box: box[2])
    assert first[0] == time_loop  # the first layer's, above the second's (data flow)
    assert around(first) == sorted([first_layer, layer_loop, "model"])
    assert around(second) == sorted([layer_loop, "model"])
    for run in time_loops:  # three iterations in each run of the time loop
        assert sorted(box[0] for box in boxes if box[0] in iterations and encloses(run, box)) == iterations, (
            run
        )
    # Each open box's title within its frame, shortened where the whole title is wider ("iteration
    # 1 (cell = self.cells[0]) · 18 nodes (click to close)" ran over the frames around it)
    overflowing = page.evaluate(
        "() => document.querySelector('#graph')._cyreg.cy.nodes('.group.open').filter((n) => {"
        " const b = n.boundingBox({ includeLabels: false });"
        " const t = n.boundingBox({ includeNodes: false, includeLabels: true, includeOverlays: false });"
        " return t.x1 < b.x1 || t.x2 > b.x2; }).map((n) => n.data('text'))"
    )
    assert overflowing == [], overflowing
    screenshot(page, "explorer-34-nested-loops")
    # Hovering a loop's box, or one of its iterations, lights the loop's line in the program
    show_editor(page)
    for title in (time_loop, "iteration 2 (t = 1)"):
        page.evaluate(
            "(title) => { const cy = document.querySelector('#graph')._cyreg.cy;"
            " cy.nodes('.group').filter((n) => n.data('text').startsWith(title))[0].emit('mouseover'); }",
            title,
        )
        expect(page.locator("#source mark.linked")).to_have_text(lines[time - 1].strip())
        page.evaluate("() => document.querySelector('#graph')._cyreg.cy.nodes('.group')[0].emit('mouseout')")
        expect(page.locator("#source mark.linked")).to_have_count(0)


RNN = """import torch
torch.manual_seed(0)

class RNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.nn.Linear(2, 2)

    def forward(self, xs):
        h = torch.zeros(2)
        for t in range(3):
            h = torch.tanh(self.cell(h) + xs[t])
        return h

model = RNN()
xs = torch.randn(3, 2)
loss = model(xs).sum()
loss.backward()
"""


def test_a_step_and_the_inspector_say_which_boxes_hold_the_node(page: Any, live_server: Any) -> None:
    """At 1280×720 a step inside the RNN's last turn shows model.cell's box with the frames of the
    model, the loop and the iteration at the view's edge, their titles above it: the step panel and
    the inspector say them. The oracle is the trace's own loop run and turn for that node."""
    open_source(page, live_server, RNN, width=1280, height=720)
    trace = httpx.post(live_server.url + "/api/trace", json={"source": RNN}, timeout=120).json()
    step = 5
    node = trace["nodes"][trace["passes"][-1]["steps"][step - 1]["node"]]
    run = trace["loops"][node["loop_run"]]
    turn = f"iteration {node['turn'] + 1} ({run['variable']} = {run['start'] + node['turn'] * run['step']})"
    expected = f"{run['module']} ▸ {run['label']} ▸ {turn} ▸ {node['module']}"
    # the program's own text: its loop's header and line, and the t of the turn
    assert expected == "model ▸ for t in range(3) at line 11 ▸ iteration 3 (t = 2) ▸ model.cell"
    for _ in range(step):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text(f"step {step} /")
    expect(page.locator("#step-panel .box-trail")).to_have_text(f"in {expected}")
    page.select_option("#node-picker", str(node["id"]))
    expect(page.locator("#inspector dd", has_text="for t in range(3)")).to_have_text(expected)
    page.keyboard.press("Home")  # the start says no step, so no trail
    expect(page.locator("#step-panel .box-trail")).to_have_count(0)
    screenshot(page, "explorer-35-box-trail")


CALLS = """import torch

def f(x, n):
    if n == 0:
        return x * 1 + 0
    return torch.sin(f(x, n - 1)) + x

def g(x):
    h = x * x
    return torch.exp(h) + h

x = torch.tensor(0.5, requires_grad=True)
y = f(x, 3) + g(x) + g(x)
y.backward()
"""


def test_each_call_is_a_box_of_its_own_and_a_recursion_nests(page: Any, live_server: Any) -> None:
    """`f(x, 3)` recursing three times is four calls, each box inside the one that made it; `g(x) +
    g(x)` is two boxes of one label. Before, the calls of one label were one box, and the page read
    their repeated spans as a loop ("loop at line 6" ▸ "iteration 2: f(x, n - 1) at line 6"). The
    oracle is the trace's own calls: each step says the chain of calls out from its node."""
    open_source(page, live_server, CALLS, width=1280, height=720)
    trace = httpx.post(live_server.url + "/api/trace", json={"source": CALLS}, timeout=120).json()
    calls = trace["calls"]
    labels = [call["label"] for call in calls]
    assert labels == ["f(x, 3) at line 13", *3 * ["f(x, n - 1) at line 6"], *2 * ["g(x) at line 13"]]
    # the recursion's calls of one label say what n held: 2, 1, 0 (3 - depth), g's hold no number
    assert [call["held"] for call in calls] == ["n = 3", "n = 2", "n = 1", "n = 0", None, None]
    titled = [labels[0], *(f"{labels[k]} (n = {3 - k})" for k in (1, 2, 3)), *labels[4:]]

    def chain(call: int | None) -> list[str]:
        return [] if call is None else [*chain(calls[call]["outer"]), titled[call]]

    opened = page.evaluate(
        "() => document.querySelector('#graph')._cyreg.cy.nodes('.group').map((n) => n.data('text'))"
    )
    titles = [title.split(" · ")[0].split("\n")[0] for title in opened]  # open, and closed with a count
    assert sorted(titles) == sorted(titled), titles  # one box per call, and no loop
    steps = trace["passes"][-1]["steps"]
    trails = 0
    for k, step in enumerate(steps, 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {k} /")
        node = trace["nodes"][step["node"]]
        if "call_run" in node:
            expected = " ▸ ".join(chain(node["call_run"]))
            expect(page.locator("#step-panel .box-trail")).to_have_text(f"in {expected}")
            trails += 1
        else:
            expect(page.locator("#step-panel .box-trail")).to_have_count(0)
    assert trails >= 10  # f's 4 levels (8 nodes) and g's 2 × 3
    screenshot(page, "explorer-36-calls")
    # Hovering a call's box lights its call in the program (the oracle: the program's own text at the
    # trace's span for that call)
    second = calls[1]
    span = second["span"]
    line = CALLS.splitlines()[span["line"] - 1]
    assert line[span["column"] : span["end_column"]] == "f(x, n - 1)"
    show_editor(page)
    page.evaluate(
        "(title) => { const cy = document.querySelector('#graph')._cyreg.cy;"
        " cy.nodes('.group').filter((n) => n.data('text').startsWith(title))[0].emit('mouseover'); }",
        titled[1],
    )
    expect(page.locator("#source mark.linked")).to_have_text("f(x, n - 1)")
