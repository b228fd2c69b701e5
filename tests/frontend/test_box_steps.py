"""Issue 11's done-when, its stepping half: a student opens layer 7 of the 20-layer MLP and steps
through its backward pass. Opening the box offers "Step through model.fc7's backward: steps a–b";
the control moves the step cursor to just before fc7's first step (opening alone never moves it), →
runs fc7's first step, and the step panel shows the gradient the trace's step received. The same on
the module examples, and across a call's steps that another node's step separates."""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from autograd_explorer.trace.compact import decode_compact
from tests.frontend.editor_page import paste_and_run
from tests.lecture_programs import MLP20
from tests.live import RUN_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser

NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def graph_data(page: Any, name: str) -> str:
    return str(page.get_attribute("#graph", f"data-{name}") or "")


def closed_boxes(page: Any) -> dict[str, Any]:
    return {b["label"]: b for b in json.loads(graph_data(page, "boxes-in-view"))}


def module_steps(
    live_server: Any, body: dict[str, Any], module: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    """The oracle: the program's compact trace decoded by the package, its last pass's steps, and the
    positions (1-based: the step cursor once the step ran) of the steps whose node `module` made."""
    answer = httpx.post(live_server.url + "/api/trace", json={**body, "format": "compact"}, timeout=120)
    trace = decode_compact(answer.json())
    steps = trace["passes"][-1]["steps"]
    positions = [k + 1 for k, s in enumerate(steps) if trace["nodes"][s["node"]]["module"] == module]
    return trace, steps, positions


def steps_text(positions: list[int]) -> str:
    first, last = positions[0], positions[-1]
    return (
        f"steps {first}–{last}"
        if last - first == len(positions) - 1
        else f"{len(positions)} steps, {first}–{last}"
    )


def summary_numbers(text: str) -> dict[str, float]:
    """min, max and mean of a summarized tensor as the step panel prints it ("16×5: min …, max …, mean …")."""
    plain = text.replace("\u2212", "-")  # the page writes minus signs as −
    found = {key: re.search(rf"{key} {NUMBER}", plain) for key in ("min", "max", "mean")}
    assert all(found.values()), text
    return {key: float(match.group(1)) for key, match in found.items() if match}


def test_opening_fc7_offers_its_steps_and_the_control_walks_them(page: Any, live_server: Any) -> None:
    paste_and_run(page, live_server, MLP20, {"width": 1280, "height": 720})
    trace, steps, in_fc7 = module_steps(live_server, {"source": MLP20}, "model.fc7")
    assert len(in_fc7) == 4, in_fc7  # addmm, t, and the two AccumulateGrads
    control = page.locator("#box-steps")
    expect(control).to_be_hidden()  # no box opened yet

    # Open layer 7 (every layer in view once fitted): the control offers its steps, the cursor stays.
    page.click("#fit")
    fc7 = closed_boxes(page)["model.fc7"]
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + fc7["x"], graph["y"] + fc7["y"])
    assert "model.fc7" not in closed_boxes(page)
    first, last = in_fc7[0], in_fc7[-1]
    button = page.locator("#box-steps-go")
    expect(button).to_have_text(f"Step through model.fc7's backward: {steps_text(in_fc7)}")
    expect(page.locator("#step-label")).to_contain_text("start · 0 /")  # opening never moves the cursor
    # The control is a strip between the graph and its legend (over the graph it hid fc7's title),
    # and its coming did not send the view back to the first layers (a resize re-placed the view).
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shot = screenshot(page, "explorer-43-mlp20-fc7-step-through")
    bar = control.bounding_box()
    shrunk = page.locator("#graph").bounding_box()
    legend = page.locator("#graph-legend").bounding_box()
    assert shrunk["y"] + shrunk["height"] <= bar["y"] + 0.5, (shrunk, bar)
    assert bar["y"] + bar["height"] <= legend["y"] + 0.5, (bar, legend)
    assert not {"model.fc1", "model.fc7"} & set(closed_boxes(page)), closed_boxes(page)
    assert shot.exists()

    # The control: the cursor just before fc7's first step, the button keeps focus for →.
    button.click()
    expect(page.locator("#step-label")).to_contain_text(f"step {first - 1} /")
    expect(page.locator("#box-steps-status")).to_have_text("model.fc7: → runs its step 1 of 4")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text(f"step {first} /")
    expect(page.locator("#box-steps-status")).to_have_text("model.fc7: step 1 of 4")
    assert graph_data(page, "current-in-view") == "true"
    assert "model.fc7" not in closed_boxes(page)
    screenshot(page, "explorer-44-mlp20-fc7-step-1-of-4")

    # The current step's node is fc7's (the step panel names it) and its incoming gradient is the
    # trace's: the 16×5 gradient of fc7's addmm, sent as a summary, min/max/mean to 3 digits.
    step = steps[first - 1]
    node = trace["nodes"][step["node"]]
    assert node["module"] == "model.fc7"
    panel = page.locator("#step-panel")
    expect(panel.locator("h2")).to_contain_text(f"Step {first} of {len(steps)}")
    expect(panel.locator("h2")).to_contain_text(node["op"])
    incoming = panel.locator("p", has_text=re.compile(r"^Incoming gradient")).text_content() or ""
    grad = step["grad_output"]
    assert "×".join(str(d) for d in grad["shape"]) in incoming, incoming
    shown = summary_numbers(incoming)
    for key, value in shown.items():
        assert math.isclose(value, grad["summary"][key], rel_tol=2e-3, abs_tol=1e-6), (key, value, grad)

    # Through the rest of fc7's steps, then one past: the control says so, nothing else moves.
    for k, position in enumerate(in_fc7[1:], start=2):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {position} /")
        expect(page.locator("#box-steps-status")).to_have_text(f"model.fc7: step {k} of 4")
        assert graph_data(page, "current-in-view") == "true"
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-label")).to_contain_text(f"step {last + 1} /")
    expect(page.locator("#box-steps-status")).to_have_text("model.fc7: all 4 steps done")
    expect(button).to_be_visible()

    # B from the keyboard does what the button does; redrawing the graph (unticking "grouped" opens
    # every box) withdraws the offer, and B then does nothing.
    page.keyboard.press("b")
    expect(page.locator("#step-label")).to_contain_text(f"step {first - 1} /")
    page.keyboard.press("ArrowRight")
    page.click("#collapse")
    expect(control).to_be_hidden()
    page.keyboard.press("b")
    expect(page.locator("#step-label")).to_contain_text(f"step {first} /")


# The strip's content box and its items (the go button, the status, the skip button), whole or shortened.
STRIP = """() => {
  const bar = document.getElementById('box-steps');
  const style = getComputedStyle(bar);
  const box = (el) => (el && !el.hidden && el.getClientRects().length ? el.getBoundingClientRect() : null);
  const whole = (el) => !el || el.scrollWidth <= el.clientWidth + 1; // no part: the text is one, unshortened
  return {
    inner: bar.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
    button: box(document.getElementById('box-steps-go')).height,
    tops: [...bar.children].map(box).filter(Boolean).map((r) => Math.round(r.top + r.height / 2)),
    status: document.getElementById('box-steps-status').textContent,
    statusWhole: whole(document.getElementById('box-steps-status')),
    stepsWhole: whole(document.querySelector('#box-steps-go .box-steps-tail')),
  };
}"""


def assert_one_line(page: Any) -> dict[str, Any]:
    """The strip is one line: as tall as its button, every item centred on the same line; the status
    and the steps the button leads to are not shortened."""
    strip: dict[str, Any] = page.evaluate(STRIP)
    assert strip["inner"] <= strip["button"] + 1, strip
    assert max(strip["tops"]) - min(strip["tops"]) <= 1, strip
    assert strip["statusWhole"] and strip["stepsWhole"], strip
    return strip


def test_the_strip_keeps_one_line_beside_the_program_panel(page: Any, live_server: Any) -> None:
    """At 1280×720 with the program panel open the graph column is ~500 px: the button and the
    status took two lines, and each step moved the graph. The button's box name gives way (its whole
    text stays its accessible name and title); the status beside it says "step 1 of 4"."""
    paste_and_run(page, live_server, MLP20, {"width": 1280, "height": 720})
    assert page.is_visible("#source")  # the program panel is open
    _, _, in_fc7 = module_steps(live_server, {"source": MLP20}, "model.fc7")
    page.click("#fit")
    fc7 = closed_boxes(page)["model.fc7"]
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + fc7["x"], graph["y"] + fc7["y"])
    button = page.locator("#box-steps-go")
    whole = f"Step through model.fc7's backward: {steps_text(in_fc7)}"
    expect(button).to_have_text(whole)
    assert_one_line(page)
    button.click()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#box-steps-status")).to_have_text("model.fc7: step 1 of 4")  # as read out
    strip = assert_one_line(page)
    assert page.inner_text("#box-steps-status") != strip["status"]  # the name is the button's to show
    expect(button).to_have_attribute("aria-label", whole)
    assert (button.get_attribute("title") or "").startswith(whole)
    screenshot(page, "explorer-45-mlp20-fc7-strip-one-line")


# Each shown part of the go button and the status, whole: its text no wider than its box.
UNSHORTENED = """() => [
  ...document.querySelectorAll('#box-steps-go, #box-steps-go > span, #box-steps-status'),
].filter((el) => el.getClientRects().length).map((el) => ({
  part: el.id || el.className, text: el.textContent, scroll: el.scrollWidth, client: el.clientWidth,
}))"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}])
def test_the_button_keeps_the_word_backward_whole(
    page: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    """At 1280×720 beside the program panel, once → had put "step 1 of 4" beside it, the button read
    "Step through model.fc7's back…: steps 69–72": the word that says what the steps are was the one
    cut. Where the button does not fit, its verb goes ("model.fc7's backward: steps 69–72"); no part
    of it, nor the status, is shortened, on a projector's 1280×720 or a phone."""
    paste_and_run(page, live_server, MLP20, viewport)
    _, _, in_fc7 = module_steps(live_server, {"source": MLP20}, "model.fc7")
    page.click("#fit")
    page.locator("#graph").scroll_into_view_if_needed()
    # The boxes in view are reported a frame after the view moved.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    fc7 = closed_boxes(page)["model.fc7"]
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + fc7["x"], graph["y"] + fc7["y"])
    button = page.locator("#box-steps-go")
    button.click()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#box-steps-status")).to_have_text("model.fc7: step 1 of 4")
    parts = page.evaluate(UNSHORTENED)
    screenshot(page, f"explorer-46-mlp20-fc7-strip-{viewport['width']}")
    assert [p for p in parts if p["scroll"] > p["client"]] == [], parts
    shown = page.inner_text("#box-steps-go").replace("\n", "")  # flex items' texts come a line each
    assert shown.endswith(f"model.fc7's backward: {steps_text(in_fc7)}"), shown
    if viewport["width"] > 700:  # a phone's strip may take two lines
        assert_one_line(page)


@pytest.mark.parametrize(
    ("example_id", "module"), [("lecture-simple-nn", "model.fc2"), ("lecture-vanishing", "model.0")]
)
def test_the_module_examples_offer_their_layers_steps(
    page: Any, live_server: Any, example_id: str, module: str
) -> None:
    """SimpleNN (fc1 → relu → fc2 → sigmoid) and §12's deep sigmoid network: opening a layer offers
    its steps, the control walks them."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/#ex={example_id}")
    page.wait_for_selector("body[data-ready]", timeout=RUN_TIMEOUT_MS)
    graph = page.locator("#graph").bounding_box()
    boxes = closed_boxes(page)
    assert module in boxes, sorted(boxes)
    page.mouse.click(graph["x"] + boxes[module]["x"], graph["y"] + boxes[module]["y"])
    example = httpx.get(f"{live_server.url}/api/examples/{example_id}", timeout=30).json()
    body = {"source": example["source"], "inputs": example.get("inputs") or {}}
    trace, steps, in_box = module_steps(live_server, body, module)
    assert in_box
    button = page.locator("#box-steps-go")
    expect(button).to_have_text(f"Step through {module}'s backward: {steps_text(in_box)}")
    expect(page.locator("#step-label")).to_contain_text("start · 0 /")
    button.click()
    before = "start · 0 /" if in_box[0] == 1 else f"step {in_box[0] - 1} /"
    expect(page.locator("#step-label")).to_contain_text(before)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#box-steps-status")).to_have_text(f"{module}: step 1 of {len(in_box)}")
    node = trace["nodes"][steps[in_box[0] - 1]["node"]]
    expect(page.locator("#step-panel h2")).to_contain_text(f"({node['op']})")


# A function whose parameters are made outside it: the engine runs b's AccumulateGrad (outside the
# call's box) as soon as the add inside it has run, between the call's own steps.
LAYER = """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([0.5, -1.0], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)

def layer(x, w, b):
    return torch.tanh(x * w + b)

y = layer(x, w, b)
y.sum().backward()
"""


def test_a_call_whose_steps_other_steps_separate_offers_to_skip_to_its_next(
    page: Any, live_server: Any
) -> None:
    """Picking a node in the call's box puts the box in hand; between its steps the control offers
    its next one (the cursor just before it)."""
    paste_and_run(page, live_server, LAYER, {"width": 1280, "height": 720})
    answer = httpx.post(
        live_server.url + "/api/trace", json={"source": LAYER, "format": "compact"}, timeout=120
    )
    trace = decode_compact(answer.json())
    steps = trace["passes"][-1]["steps"]
    calls = {n["call"] for n in trace["nodes"] if n.get("call")}
    assert len(calls) == 1, calls
    (call,) = calls
    in_call = [k + 1 for k, s in enumerate(steps) if trace["nodes"][s["node"]].get("call") == call]
    gaps = [p for p, q in itertools.pairwise(in_call) if q > p + 1]
    assert gaps, in_call  # the case this test is for: another node's step between two of the call's
    # A graph this small shows its boxes open: picking the tanh (the inspector's menu) puts its box in hand.
    tanh = next(n for n in trace["nodes"] if n.get("call") == call and n["op"] == "TanhBackward0")
    page.select_option("#node-picker", str(tanh["id"]))
    expect(page.locator("#box-steps-go")).to_have_text(
        f"Step through {call}'s backward: {steps_text(in_call)}"
    )
    skip = page.locator("#box-steps-skip")
    expect(skip).to_be_hidden()
    page.click("#box-steps-go")
    for position in range(in_call[0], gaps[0] + 1):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#step-label")).to_contain_text(f"step {position} /")
    done = in_call.index(gaps[0]) + 1
    following = in_call[done]
    expect(page.locator("#box-steps-status")).to_have_text(f"{call}: step {done} of {len(in_call)}")
    expect(skip).to_have_text(f"Skip to its next step ({following})")
    assert_one_line(page)  # the button, the status and the skip button beside the program panel
    skip.click()
    expect(page.locator("#step-label")).to_contain_text(f"step {following - 1} /")
    expect(page.locator("#box-steps-status")).to_have_text(
        f"{call}: → runs its step {done + 1} of {len(in_call)}"
    )
    expect(skip).to_be_hidden()  # → does it now
    page.keyboard.press("ArrowRight")
    expect(page.locator("#box-steps-status")).to_have_text(f"{call}: step {done + 1} of {len(in_call)}")


TRAINING_LOOP = """torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
X = torch.randn(8, 2)
y = torch.randn(8, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    opt.zero_grad()
    loss = ((model(X) - y) ** 2).mean()
    loss.backward()
    opt.step()
loss"""


def test_a_box_of_an_earlier_iteration_offers_the_backward_call_that_ran_it(
    page: Any, live_server: Any
) -> None:
    """Three training steps draw three iterations, each with its model's calls; the last call is shown,
    so iteration 1's model.0 box has no steps in it. The strip offers the call that ran it; there, its
    steps are offered as any box's."""
    paste_and_run(page, live_server, TRAINING_LOOP, {"width": 1280, "height": 720})
    answer = httpx.post(
        live_server.url + "/api/trace", json={"source": TRAINING_LOOP, "format": "compact"}, timeout=120
    )
    trace = decode_compact(answer.json())
    assert len(trace["passes"]) == 3
    # The oracle: iteration 1's model.0 box holds the model.0 operations the first call ran (t and
    # addmm); its parameters, made once, are shared by the iterations and sit outside the loop.
    nodes = [trace["nodes"][s["node"]] for s in trace["passes"][0]["steps"]]
    ops = [k + 1 for k, n in enumerate(nodes) if n["op"] != "AccumulateGrad" and n["module"] == "model.0"]
    assert len(ops) == 2, ops
    expect(page.locator("#pass-shown")).to_have_text("iteration 3 of 3")

    page.click("#fit")
    boxes = {b["id"]: b for b in json.loads(graph_data(page, "boxes-in-view"))}
    box = boxes["g:m:run0:0/model.0"]  # iteration 1's of the loop's run (2 and 3 have their own)
    graph = page.locator("#graph").bounding_box()
    page.mouse.click(graph["x"] + box["x"], graph["y"] + box["y"])
    expect(page.locator("#box-steps-status")).to_have_text("model.0: no steps in this backward call")
    expect(page.locator("#box-steps-go")).to_be_hidden()
    offer = page.locator("#box-steps-pass")
    expect(offer).to_have_text("Show its backward call (iteration 1)")
    expect(page.locator("#step-label")).to_contain_text("start · 0 /")  # an open alone moves nothing

    offer.click()
    expect(page.locator("#pass-shown")).to_have_text("iteration 1 of 3")
    expect(offer).to_be_hidden()
    expect(page.locator("#box-steps-go")).to_have_text(f"Step through model.0's backward: {steps_text(ops)}")
    page.keyboard.press("b")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#box-steps-status")).to_have_text(f"model.0: step 1 of {len(ops)}")
    expect(page.locator("#step-label")).to_contain_text(f"step {ops[0]} /")
