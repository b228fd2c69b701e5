"""§4 and §5: least squares by hand and by autograd."""

from __future__ import annotations

import pytest
import torch

from autograd_explorer.optimize.least_squares import compare_least_squares, gradient_arrows, lecture_step_size
from autograd_explorer.optimize.lecture_data import least_squares_data


def lecture_loop(by_hand: bool) -> list[tuple[float, float, float]]:
    """§5 as the lecture writes it: rows (w1, w2, loss) before each update."""
    torch.manual_seed(42)
    X = torch.randn(100, 2)
    y = X @ torch.tensor([1.0, -0.5])
    n = X.shape[0]
    alpha = 1.8 * n / torch.linalg.svdvals(X)[0] ** 2
    w = torch.zeros(2, requires_grad=not by_hand)
    rows = []
    for _ in range(100):
        loss = 0.5 * ((X @ w - y) ** 2).mean()
        if by_hand:
            grad = X.T @ (X @ w - y) / n
        else:
            loss.backward()
            assert w.grad is not None
            grad = w.grad
        rows.append((w[0].item(), w[1].item(), loss.item()))
        with torch.no_grad():
            w -= alpha * grad
        if not by_hand:
            assert w.grad is not None
            w.grad.zero_()
    return rows


def test_data_is_the_lectures() -> None:
    torch.manual_seed(42)
    X = torch.randn(100, 2)
    ours, y = least_squares_data()
    assert torch.equal(ours, X) and torch.equal(y, X @ torch.tensor([1.0, -0.5]))


def test_manual_and_autograd_agree_to_1e_6() -> None:
    result = compare_least_squares()
    assert result.max_difference < 1e-6
    assert result.manual.reason == result.autograd.reason == "max_steps"
    assert result.manual.final_params == pytest.approx({"w1": 1.0, "w2": -0.5}, abs=1e-5)


@pytest.mark.parametrize("by_hand", [True, False])
def test_runs_match_the_lecture_loops(by_hand: bool) -> None:
    result = compare_least_squares()
    run = result.manual if by_hand else result.autograd
    ours = list(zip(run.params["w1"], run.params["w2"], run.losses, strict=True))
    for mine, theirs in zip(ours, lecture_loop(by_hand), strict=True):
        assert mine == pytest.approx(theirs, abs=1e-6)


def test_step_size_is_1_8_n_over_sigma_max_squared() -> None:
    X, _ = least_squares_data()
    alpha, sigma = lecture_step_size(X)
    s = torch.linalg.svdvals(X.double())[0].item()
    assert sigma == pytest.approx(s, rel=1e-6)
    assert alpha == pytest.approx(1.8 * 100 / s**2, rel=1e-6)


def test_arrows_by_hand_equal_autograd_in_float64() -> None:
    arrows = gradient_arrows(grid=3, dtype=torch.float64)
    assert len(arrows.points) == 9 and arrows.max_difference < 1e-12
    X, y = (t.double() for t in least_squares_data())
    w = torch.tensor(arrows.points[4], dtype=torch.float64)
    assert list(arrows.manual[4]) == pytest.approx((X.T @ (X @ w - y)).tolist(), rel=1e-12)
