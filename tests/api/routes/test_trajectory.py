"""POST /api/trajectory and /api/trajectories against the lecture's loops; errors and limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from tests.optimize.reference import accumulation_loop, himmelblau_loop

HIMMELBLAU = "(u**2 + v - 11)**2 + (u + v**2 - 7)**2"


def lecture_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "preset": "himmelblau",
        "start": {"u": 1.0, "v": 1.0},
        "optimizer": {"name": "gd", "lr": 5e-4},
        "steps": 300,
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("function", [{"preset": "himmelblau"}, {"source": HIMMELBLAU}])
@pytest.mark.parametrize("tol", [None, 1e-4])
def test_himmelblau_points_follow_the_lecture_loop(
    client: TestClient, function: dict[str, str], tol: float | None
) -> None:
    body = {**lecture_body(start={"u": -1.0, "v": 1.0}, loss_tol=tol), **function}
    if "source" in body:
        del body["preset"]
    response = client.post("/api/trajectory", json=body)
    assert response.status_code == 200
    result = response.json()
    rows, end = himmelblau_loop(-1.0, 1.0, tol=tol)
    points = result["points"]
    assert len(points) == len(rows) == result["stopped_at"]
    for point, (u, v, loss, gu, gv) in zip(points, rows, strict=True):
        assert point["params"] == {"u": u, "v": v}
        assert point["loss"] == loss and point["grad"] == {"u": gu, "v": gv}
    assert [p["step"] for p in points[:3]] == [1, 2, 3]
    assert result["reason"] == ("max_steps" if tol is None else "tolerance")
    assert result["final"]["params"] == {"u": end[0], "v": end[1]}
    assert result["function"]["parameters"] == ["u", "v"]


def test_preset_reports_the_minimum_reached(client: TestClient) -> None:
    result = client.post("/api/trajectory", json=lecture_body(start={"u": -1.0, "v": -1.0})).json()
    assert result["nearest_minimum"]["params"] == {"u": -3.77931, "v": -3.283186}
    assert result["nearest_minimum"]["distance"] < 0.01


@pytest.mark.parametrize("clear", [False, True])
def test_accumulation_table(client: TestClient, clear: bool) -> None:
    body = {"preset": "accumulation", "optimizer": {"lr": 0.1}, "steps": 10, "clear_grad": clear}
    points = client.post("/api/trajectory", json=body).json()["points"]
    table = [(p["loss"], p["params"]["a"], p["params"]["b"], p["grad"]["a"], p["grad"]["b"]) for p in points]
    assert table == accumulation_loop(clear)


def test_divergence_is_a_valid_result(client: TestClient) -> None:
    response = client.post("/api/trajectory", json=lecture_body(optimizer={"lr": 1.0}, figure=True))
    assert response.status_code == 200
    result = response.json()  # valid JSON: inf travels as the string "inf"
    assert result["reason"] == "diverged"
    assert result["points"][-1]["loss"] == "inf" and result["final"]["loss"] == "inf"
    assert result["stopped_at"] == len(result["points"]) < 300
    assert result["nearest_minimum"] is None
    assert result["figure"]["data"]


def test_figure_has_the_path_and_a_log_loss_axis(client: TestClient) -> None:
    result = client.post("/api/trajectory", json=lecture_body(steps=20, figure=True)).json()
    figure = result["figure"]
    assert figure["data"][0]["type"] == "contour"
    assert figure["layout"]["yaxis2"]["type"] == "log"
    assert client.post("/api/trajectory", json=lecture_body(steps=20)).json()["figure"] is None


def test_several_runs_side_by_side(client: TestClient) -> None:
    runs = [
        {"preset": "rosenbrock", "optimizer": {"name": "adam", "lr": 0.05}, "steps": 300},
        {"preset": "rosenbrock", "optimizer": {"name": "gd", "lr": 1e-3}, "steps": 300},
    ]
    response = client.post("/api/trajectories", json={"runs": runs, "figure": True})
    assert response.status_code == 200
    adam, gd = response.json()["runs"]
    assert adam["label"] == "adam lr=0.05" and gd["label"] == "gd lr=0.001"
    assert adam["final"]["loss"] < gd["final"]["loss"]
    names = [t.get("name") for t in response.json()["figure"]["data"]]
    assert "adam lr=0.05 from (-1.5, 2)" in names and "gd lr=0.001 from (-1.5, 2)" in names


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"preset": "himmelblau", "start": {"u": 1.0}},
            {
                "type": "invalid",
                "message": "start is missing v; the function's parameters are u, v",
                "field": "start",
            },
        ),
        (
            {"preset": "himmelblau", "steps": 20_001},
            {
                "type": "invalid",
                "message": "steps is 20001; at most 20000 allowed (setting max_trajectory_steps)",
                "field": "steps",
            },
        ),
        (
            {"source": "torch.ones(3) * u", "start": {"u": 1.0}},
            {
                "type": "invalid",
                "message": "the function must return a single number (a scalar loss); it returned shape [3]",
                "field": "source",
            },
        ),
        (
            {"source": "u**2 + v**2", "gradient": "manual", "start": {"u": 0, "v": 0}},
            {
                "type": "invalid",
                "message": "there is no hand-written gradient for source (only the presets have one); "
                "use gradient 'autograd'",
                "field": "gradient",
            },
        ),
        (
            {"preset": "rosenbrock", "gradient": "manual", "start": {"u": 0, "v": 0}, "steps": 2},
            None,
        ),
    ],
)
def test_bad_requests_get_a_clear_400(
    client: TestClient, body: dict[str, Any], detail: dict[str, Any] | None
) -> None:
    response = client.post("/api/trajectory", json=body)
    if detail is None:  # the control: a good request
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("source", "kind", "message"),
    [
        ("3 + 4", "runtime", "the function has no parameters"),
        ("__import__('os')", "forbidden", "names starting with __ are not allowed"),
        ("open('x') + u", "forbidden", "open(...) is not a function of the explorer language"),
        ("u +* 2", "syntax", "invalid syntax"),
    ],
)
def test_bad_functions_get_a_400_naming_the_problem(
    client: TestClient, source: str, kind: str, message: str
) -> None:
    response = client.post("/api/trajectory", json={"source": source, "start": {"u": 1.0}})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["type"] == kind and detail["message"].startswith(message)
    assert detail["line"] == 1


def test_unknown_preset_and_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post("/api/trajectory", json={"preset": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "preset"]
    response = client.post("/api/trajectory", json={"preset": "himmelblau", "step": 3})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


def test_preset_and_source_are_exclusive(client: TestClient) -> None:
    response = client.post("/api/trajectory", json={"preset": "himmelblau", "source": HIMMELBLAU})
    assert response.status_code == 422
    assert (
        "give exactly one of preset (a built-in function) or source (your own)"
        in response.json()["detail"][0]["msg"]
    )


def test_run_limits_come_from_settings(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, max_trajectory_runs=2, max_trajectory_total_steps=100)
    with TestClient(create_app(settings)) as client:
        three = {"runs": [{"preset": "quadratic", "steps": 10}] * 3}
        response = client.post("/api/trajectories", json=three)
        assert response.status_code == 400
        assert (
            response.json()["detail"]["message"]
            == "runs is 3; at most 2 allowed (setting max_trajectory_runs)"
        )
        long = {"runs": [{"preset": "quadratic", "steps": 60}] * 2}
        response = client.post("/api/trajectories", json=long)
        assert response.json()["detail"]["message"] == (
            "steps of all runs is 120; at most 100 allowed (setting max_trajectory_total_steps)"
        )


def test_presets_are_listed(client: TestClient) -> None:
    presets = {p["name"]: p for p in client.get("/api/presets").json()}
    assert set(presets) == {"himmelblau", "rosenbrock", "quadratic", "least_squares", "beale", "accumulation"}
    assert presets["himmelblau"]["start"] == {"u": 1.0, "v": 1.0}
    assert presets["accumulation"]["parameters"] == ["a", "b"]
    assert all(p["manual_gradient"] for p in presets.values())
