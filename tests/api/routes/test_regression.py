"""POST /api/regression/polynomial and its sweep against the lecture's loops."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.api.schemas.optimize import SweepBody
from autograd_explorer.settings import Settings
from tests.optimize import reference


def test_autograd_fit_is_the_lecture_loop(client: TestClient) -> None:
    response = client.post("/api/regression/polynomial", json={"method": "autograd", "figure": True})
    assert response.status_code == 200
    fit = response.json()
    assert fit["coefficients"] == reference.polynomial_by_autograd()
    assert fit["steps"] == fit["iterations"] == 4000 and fit["lr"] == 0.01 and not fit["diverged"]
    assert len(fit["losses"]) == 500 and fit["loss_steps"][0] == 1 and fit["loss_steps"][-1] == 4000
    assert len(fit["data"]["x"]) == 100 and len(fit["curve"]["x"]) == 200
    names = [t.get("name") for t in fit["figure"]["data"]]
    assert names[0] == "data" and {"autograd lr=0.01", "closed form"} <= set(names)


def test_manual_fit_is_the_lecture_loop(client: TestClient) -> None:
    fit = client.post("/api/regression/polynomial", json={"method": "manual"}).json()
    assert fit["coefficients"] == pytest.approx(reference.polynomial_by_hand(), abs=1e-6)


def test_closed_form(client: TestClient) -> None:
    fit = client.post("/api/regression/polynomial", json={"method": "closed_form"}).json()
    x, y = (t.double().numpy() for t in reference.polynomial_data())
    assert fit["coefficients"] == pytest.approx(np.polynomial.polynomial.polyfit(x, y, 2).tolist(), abs=1e-10)
    assert fit["losses"] == [] and fit["last_step_loss"] is None


def test_lr_1_diverges_to_nan_and_the_json_stays_valid(client: TestClient) -> None:
    response = client.post("/api/regression/polynomial", json={"lr": 1.0, "steps": 300, "figure": True})
    assert response.status_code == 200
    fit = response.json()
    assert fit["diverged"] and fit["coefficients"] == [None, None, None] and fit["loss"] is None


def test_sweep_is_the_exercise_table(client: TestClient) -> None:
    body = {"lrs": [1.0, 0.1], "steps": [100, 200], "figure": True}
    response = client.post("/api/regression/polynomial/sweep", json=body)
    assert response.status_code == 200
    table = response.json()
    assert [(r["lr"], r["steps"]) for r in table["rows"]] == [
        (1.0, 100),
        (1.0, 200),
        (0.1, 100),
        (0.1, 200),
    ]
    assert table["rows"][0]["diverged"] and table["rows"][0]["coefficients"] == [None, None, None]
    assert table["rows"][3]["coefficients"] == reference.polynomial_by_autograd(lr=0.1, iterations=200)
    assert table["closed_form"]["coefficients"] == pytest.approx(
        table["closed_form"]["lstsq_coefficients"], abs=1e-10
    )
    assert table["figure"]["data"][0]["type"] == "table"


def test_sweep_defaults_hold_the_lectures_exercise() -> None:
    body = SweepBody()
    assert body.lrs == [1.0, 0.1, 0.01, 0.001]  # at 4000 iterations: the first exercise
    assert body.steps == [100, 2000, 4000, 6000, 8000]  # at lr 0.1 and 0.01: the second
    assert body.method == "autograd"


def test_limits(client: TestClient) -> None:
    response = client.post("/api/regression/polynomial", json={"steps": 20_001})
    assert response.status_code == 400
    assert response.json()["detail"]["message"] == (
        "steps is 20001; at most 20000 allowed (setting max_regression_iterations)"
    )
    response = client.post("/api/regression/polynomial/sweep", json={"lrs": [0.1] * 12, "steps": [10_000]})
    assert response.json()["detail"]["message"] == (
        "lrs × longest run is 120000; at most 100000 allowed (setting max_sweep_iterations)"
    )
    response = client.post("/api/regression/polynomial", json={"lr": -1})
    assert response.status_code == 422


def test_higher_degree_and_other_data(client: TestClient) -> None:
    fit = client.post(
        "/api/regression/polynomial",
        json={"method": "closed_form", "degree": 3, "data": {"seed": 5, "num": 50}},
    ).json()
    assert len(fit["coefficients"]) == 4 and len(fit["data"]["x"]) == 50
    assert math.isfinite(fit["loss"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/regression/polynomial", {"method": "manual", "steps": 600}),
        ("/api/regression/polynomial/sweep", {"lrs": [0.1], "steps": [600]}),
    ],
)
def test_a_fit_over_the_wall_time_setting_is_refused(
    path: str, body: dict[str, object], tmp_path: Path
) -> None:
    # Found in QA: degree 8 on 100,000 points for 20,000 iterations ran past a 30 s client timeout;
    # unlike /api/trajectory, regression had no wall-time limit.
    # The grace keeps the pool's own kill out of the way: this is about the worker's clock.
    settings = Settings(data_dir=tmp_path / "data", max_trajectory_seconds=1e-9, eval_grace_seconds=60)
    with TestClient(create_app(settings)) as client:
        response = client.post(path, json=body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["type"] == "limit"
    assert detail["message"] == (
        "the request ran longer than 1e-09 s, the limit (max_trajectory_seconds), after 1 step; "
        "ask for fewer iterations"
    )


def test_old_spellings_still_work_for_a_release(client: TestClient) -> None:
    old = client.post("/api/regression/polynomial", json={"iterations": 300, "method": "manual"}).json()
    new = client.post("/api/regression/polynomial", json={"steps": 300, "method": "manual"}).json()
    assert old == new and new["steps"] == new["iterations"] == 300
    old_table = client.post("/api/regression/polynomial/sweep", json={"lrs": [0.1], "iterations": [5]})
    assert [r["steps"] for r in old_table.json()["rows"]] == [5]
    both = client.post("/api/regression/polynomial", json={"iterations": 300, "steps": 300})
    assert both.status_code == 422
    assert "give steps only: iterations is its old, deprecated spelling" in both.json()["detail"]["message"]


def test_closed_form_refuses_fewer_points_than_coefficients(client: TestClient) -> None:
    # Found in QA: degree 8 through 3 points "solved" a singular system and returned garbage.
    body = {"method": "closed_form", "degree": 8, "data": {"num": 3}}
    response = client.post("/api/regression/polynomial", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "type": "invalid",
        "message": "degree 8 has 9 coefficients, so it needs at least 9 data points; num is 3",
        "field": "degree",
    }
