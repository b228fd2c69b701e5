"""§8: polynomial regression by hand, by autograd and in closed form; the exercise sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograd_explorer.optimize.lecture_data import polynomial_data, polynomial_init
from autograd_explorer.optimize.regression import (
    closed_form,
    fit_polynomial,
    least_squares_coefficients,
    polynomial_curve,
    subsample,
    sweep,
)
from tests.optimize import reference


def test_data_and_initialization_are_the_lectures() -> None:
    x, y = reference.polynomial_data()
    ours = polynomial_data()
    assert torch.equal(ours[0], x) and torch.equal(ours[1], y)
    torch.manual_seed(0)
    assert polynomial_init("manual", 3) == torch.randn(3).tolist()
    torch.manual_seed(1)
    assert polynomial_init("autograd", 3) == [torch.randn(()).item() for _ in range(3)]


def test_by_hand_matches_the_lecture_loop() -> None:
    fit = fit_polynomial("manual", lr=1e-2, iterations=4000)
    assert fit.coefficients == pytest.approx(reference.polynomial_by_hand(), abs=1e-6)
    assert not fit.diverged and len(fit.losses) == 4000


def test_by_autograd_matches_the_lecture_loop() -> None:
    fit = fit_polynomial("autograd", lr=1e-2, iterations=4000)
    assert fit.coefficients == reference.polynomial_by_autograd()  # same float32 operations
    x, y = reference.polynomial_data()
    a, b, c = (torch.tensor(v) for v in fit.coefficients)
    assert fit.loss == pytest.approx(((a + b * x + c * x**2 - y) ** 2).mean().item(), rel=1e-6)


def test_closed_form_solves_the_normal_equations_in_float64() -> None:
    x, y = (t.double().numpy() for t in reference.polynomial_data())
    expected = np.polynomial.polynomial.polyfit(x, y, 2)
    fit = closed_form()
    assert fit.coefficients == pytest.approx(expected.tolist(), abs=1e-10)
    assert least_squares_coefficients() == pytest.approx(expected.tolist(), abs=1e-10)
    assert fit.loss == pytest.approx(float(np.mean((np.polynomial.polynomial.polyval(x, expected) - y) ** 2)))


def test_gradient_descent_approaches_the_closed_form_with_a_larger_rate() -> None:
    best = closed_form()
    fit = fit_polynomial("autograd", lr=1e-1, iterations=4000)
    assert fit.coefficients == pytest.approx(best.coefficients, abs=1e-3)
    assert fit.loss == pytest.approx(best.loss, rel=1e-4)


def test_too_large_a_rate_diverges_to_nan_without_raising() -> None:
    fit = fit_polynomial("autograd", lr=1.0, iterations=300)
    assert fit.diverged
    assert all(math.isnan(c) for c in fit.coefficients) and math.isnan(fit.loss)


def plain_loop(
    method: str, lr: float, counts: list[int], *, degree: int = 2, dtype: torch.dtype = torch.float32
) -> dict[int, tuple[list[float], float, float]]:
    """The lecture's loop for one rate, written out with scalar tensors: at each count n, the
    coefficients after n updates, their loss, and the loss before update n."""
    x, y = (t.to(dtype) for t in reference.polynomial_data())
    coefficients = [
        torch.tensor(v, dtype=dtype, requires_grad=method == "autograd")
        for v in polynomial_init(method, degree + 1)
    ]

    def mse() -> torch.Tensor:
        pred = coefficients[0]
        for i, c in enumerate(coefficients[1:], start=1):
            pred = pred + c * (x if i == 1 else x**i)
        return ((pred - y) ** 2).mean()

    seen: dict[int, tuple[list[float], float, float]] = {}
    before = math.nan
    for k in range(max(counts) + 1):
        if k in counts:
            with torch.no_grad():
                seen[k] = ([c.item() for c in coefficients], mse().item(), before)
        if k == max(counts):
            return seen
        if method == "autograd":
            loss = mse()
            torch.autograd.backward(loss)
            grads = [c.grad for c in coefficients]
        else:
            loss = mse()
            pred = coefficients[0]
            for i, c in enumerate(coefficients[1:], start=1):
                pred = pred + c * (x if i == 1 else x**i)
            err = pred - y
            grads = [2 * (err * x**i).mean() if i else 2 * err.mean() for i in range(degree + 1)]
        before = loss.item()
        with torch.no_grad():
            for c, g in zip(coefficients, grads, strict=True):
                c -= lr * g  # type: ignore[operator]
                c.grad = None
    return seen


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(
    ("method", "degree", "dtype"),
    [("autograd", 2, torch.float32), ("manual", 2, torch.float32), ("autograd", 3, torch.float64)],
)
def test_sweep_rows_equal_a_plain_loop_per_rate_bit_for_bit(
    method: str, degree: int, dtype: torch.dtype
) -> None:
    lrs, counts = [1.0, 1e-1, 1e-2, 1e-3], [1, 7, 100, 450]
    rows = sweep(method, lrs=lrs, iterations=counts, degree=degree, dtype=dtype)  # type: ignore[arg-type]
    assert [(r.lr, r.iterations) for r in rows] == [(lr, n) for lr in lrs for n in counts]
    for lr in lrs:
        alone = plain_loop(method, lr, counts, degree=degree, dtype=dtype)
        for row in (r for r in rows if r.lr == lr):
            coefficients, loss, before = alone[row.iterations]
            assert all(map(same, row.coefficients, coefficients)), (lr, row.iterations)
            assert same(row.loss, loss) and same(row.last_step_loss, before), (lr, row.iterations)
            assert row.diverged == (not all(map(math.isfinite, [*coefficients, loss])))
    assert rows[-1].diverged is False and rows[3].diverged is True  # lr 1 blows up, 0.001 does not


def test_sweep_rows_equal_separate_fits() -> None:
    rows = sweep("autograd", lrs=[1.0, 1e-1], iterations=[100, 300])
    assert [(r.lr, r.iterations) for r in rows] == [(1.0, 100), (1.0, 300), (0.1, 100), (0.1, 300)]
    for row in rows:
        alone = fit_polynomial("autograd", lr=row.lr, iterations=row.iterations)
        assert row.diverged == alone.diverged
        assert all(map(same, row.coefficients, alone.coefficients))
        assert same(row.loss, alone.loss) and same(row.last_step_loss, alone.last_step_loss or math.nan)
    assert rows[0].diverged and rows[1].diverged


def test_a_fit_records_every_iterations_loss_as_the_plain_loop_does() -> None:
    fit = fit_polynomial("manual", lr=1e-2, iterations=50)
    alone = plain_loop("manual", 1e-2, list(range(1, 51)))
    assert fit.losses == [alone[n][2] for n in range(1, 51)]
    assert fit.last_step_loss == fit.losses[-1] and fit.loss == alone[50][1]


def test_sweep_row_matches_the_lecture_loop_at_lr_0_1() -> None:
    (row,) = sweep("autograd", lrs=[1e-1], iterations=[100])
    assert row.coefficients == reference.polynomial_by_autograd(lr=1e-1, iterations=100)


def test_curve_and_subsample() -> None:
    xs, ys = polynomial_curve([1.0, 2.0, 3.0], points=3)
    assert xs == [0.0, 1.0, 2.0] and ys == [1.0, 6.0, 17.0]
    steps, values = subsample([float(i) for i in range(10)], 4)
    assert steps == [1, 4, 7, 10] and values == [0.0, 3.0, 6.0, 9.0]
    assert subsample([1.0, 2.0], 5) == ([1, 2], [1.0, 2.0])


def test_a_repeated_fit_is_the_same_answer_without_descending_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_explorer.optimize import regression

    first = fit_polynomial("autograd", lr=0.05, iterations=30, degree=3)
    monkeypatch.setattr(regression, "_descend", lambda *a, **k: pytest.fail("descended again"))
    assert fit_polynomial("autograd", lr=0.05, iterations=30, degree=3) is first
    with pytest.raises(pytest.fail.Exception):
        fit_polynomial("autograd", lr=0.05, iterations=31, degree=3)  # another request: computed
