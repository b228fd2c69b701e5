"""Newton and L-BFGS in the optimization lab, in a real browser: the example's three runs, what each
cost, and the learning rate a second-order method starts at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.page_wait import wait_until
from tests.live import LiveServer, screenshot

pytestmark = pytest.mark.browser


def test_newton_and_lbfgs_reach_rosenbrocks_minimum_and_say_what_they_cost(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/optimize.html")
    wait_until(page, "document.querySelector('#landscape').data?.length >= 1")
    labels = page.eval_on_selector_all("#optimizer option", "os => os.map((o) => o.textContent)")
    assert labels[-2:] == ["newton", "lbfgs"] and "SGD minibatch" not in labels
    assert page.inner_text("#update-rule") == "x ← x − lr·∇f"
    # choosing Newton starts it at its full step; going back to a first-order method, at the default
    page.select_option("#optimizer", "newton")
    assert page.input_value("#lr") == "1"
    assert page.inner_text("#update-rule") == "x ← x − lr·H⁻¹∇f, H the Hessian (autograd, each step)"
    page.select_option("#optimizer", "adam")
    assert page.input_value("#lr") == "0.0005"

    page.select_option("#example", "rosenbrock-second-order")
    wait_until(page, "document.querySelectorAll('#runs li').length === 3")
    wait_until(page, "document.querySelector('#paths').data.length >= 12")
    runs = [page.locator("#runs li").nth(k).inner_text() for k in range(3)]
    gd, newton, lbfgs = runs
    assert "gd lr=0.001" in gd and "ran all steps at step 2000" in gd and "evaluation" not in gd
    assert "newton lr=1" in newton and "Hessians (2×2)" in newton and "nearest minimum (1, 1)" in newton
    # Newton's second step jumps below the map (v < −1) and back: the map cuts the path at its edge,
    # so the summary says where it went
    assert "off the map at step 3" in newton and "off the map" not in gd + lbfgs
    assert (
        "lbfgs lr=1" in lbfgs
        and "loss-and-gradient evaluations" in lbfgs
        and "nearest minimum (1, 1)" in lbfgs
    )
    screenshot(page, "optimize-second-order")


def test_an_exact_zero_loss_is_marked_on_the_log_axis_and_a_negative_loss_turns_it_linear(
    live_server: LiveServer, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/optimize.html")
    wait_until(page, "document.querySelector('#landscape').data?.length >= 1")
    # Newton lands on the bowl's minimum in one step: losses 12.5 then exactly 0, which a log axis
    # has no place for; the 0 is a ▼ a decade under the least positive loss, said in the title
    page.select_option("#example", "quadratic-newton")
    wait_until(page, "document.querySelectorAll('#runs li').length === 2")
    wait_until(page, "(document.querySelector('#loss').data || []).some((t) => t.text)")
    # the runs drawn to their ends (gradient descent stops at step 90), not a frame of the animation
    wait_until(page, "!document.querySelector('#replay').disabled")
    wait_until(page, "document.querySelector('#loss').data[0].y.length >= 90")
    loss = page.evaluate(
        """() => { const d = document.querySelector('#loss');
          const lines = d.data.filter((t) => !t.text);
          return { type: d.layout.yaxis.type, title: d.layout.title.text,
                   zeros: d.data.filter((t) => t.text)
                     .map((t) => ({ x: t.x, y: t.y, symbol: t.marker.symbol })),
                   least: Math.min(...lines.flatMap((t) => t.y.filter((v) => v > 0))) }; }"""
    )
    assert loss["type"] == "log" and "▼ an exact 0" in loss["title"]
    # one ▼ trace, Newton's: its steps after the first are exactly 0 (gradient descent's are not)
    assert len(loss["zeros"]) == 1 and loss["zeros"][0]["symbol"] == "triangle-down"
    zeros = loss["zeros"][0]
    assert zeros["x"] and zeros["x"][0] == 2
    assert zeros["y"] == [pytest.approx(loss["least"] / 10)] * len(zeros["x"])
    screenshot(page, "optimize-exact-zero-loss")

    # a saddle of the student's own: f = u² − v² goes below 0 at once; on a log axis the curve
    # vanished there, so the axis is linear and every step is drawn
    state = (
        '{"fn":"source","source":"u**2 - v**2","runs":[{"optimizer":"gd","lr":0.1,"steps":20,'
        '"tol":null,"clear":true,"gradient":"autograd","start":{"u":1,"v":0.5}}]}'
    )
    page.goto(f"{live_server.url}/optimize.html#s={state}")
    page.reload()
    wait_until(page, "document.querySelectorAll('#runs li').length === 1")
    wait_until(page, "(document.querySelector('#loss').data || []).length >= 1")
    wait_until(page, "document.querySelector('#loss').data[0].y.length >= 20")
    drawn = page.evaluate(
        """() => { const d = document.querySelector('#loss');
          return { type: d.layout.yaxis.type, title: d.layout.title.text, y: d.data[0].y }; }"""
    )
    assert drawn["type"] == "linear" and "a loss is below 0" in drawn["title"]
    # the reference loop: gradient descent on u² − v² from (1, 0.5), lr 0.1
    u, v, expected = 1.0, 0.5, []
    for _ in range(20):
        expected.append(u * u - v * v)
        u, v = u - 0.1 * 2 * u, v + 0.1 * 2 * v
    assert drawn["y"][:20] == pytest.approx(expected, rel=1e-5)
