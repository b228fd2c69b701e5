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


def test_sweep_rows_equal_separate_runs() -> None:
    rows = sweep("autograd", lrs=[1.0, 1e-1], iterations=[100, 300])
    assert [(r.lr, r.iterations) for r in rows] == [(1.0, 100), (1.0, 300), (0.1, 100), (0.1, 300)]
    for row in rows:
        alone = fit_polynomial("autograd", lr=row.lr, iterations=row.iterations)
        assert row.diverged == alone.diverged
        if not row.diverged:
            assert row.coefficients == alone.coefficients
            assert row.loss == pytest.approx(alone.loss, rel=1e-6)
            assert row.last_step_loss == alone.last_step_loss
    assert rows[0].diverged and rows[1].diverged


def test_sweep_row_matches_the_lecture_loop_at_lr_0_1() -> None:
    (row,) = sweep("autograd", lrs=[1e-1], iterations=[100])
    assert row.coefficients == reference.polynomial_by_autograd(lr=1e-1, iterations=100)


def test_curve_and_subsample() -> None:
    xs, ys = polynomial_curve([1.0, 2.0, 3.0], points=3)
    assert xs == [0.0, 1.0, 2.0] and ys == [1.0, 6.0, 17.0]
    steps, values = subsample([float(i) for i in range(10)], 4)
    assert steps == [1, 4, 7, 10] and values == [0.0, 3.0, 6.0, 9.0]
    assert subsample([1.0, 2.0], 5) == ([1, 2], [1.0, 2.0])
