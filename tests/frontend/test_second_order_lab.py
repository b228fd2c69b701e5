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
    assert (
        "lbfgs lr=1" in lbfgs
        and "loss-and-gradient evaluations" in lbfgs
        and "nearest minimum (1, 1)" in lbfgs
    )
    screenshot(page, "optimize-second-order")
