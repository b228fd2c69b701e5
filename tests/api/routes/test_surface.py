"""POST /api/surface: vectorized values on a grid, limits and refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.sandbox import EvalPool
from tests.api.routes.probing import post_while_probing, wait_until_ready


@pytest.mark.parametrize(
    "function", [{"preset": "himmelblau"}, {"source": "(u**2 + v - 11)**2 + (u + v**2 - 7)**2"}]
)
def test_grid_values_are_the_function(client: TestClient, function: dict[str, str]) -> None:
    response = client.post("/api/surface", json={**function, "box": [-5, 5, -4, 4], "nx": 11, "ny": 9})
    assert response.status_code == 200
    surface = response.json()
    assert surface["x"][0] == -5 and surface["x"][-1] == 5 and len(surface["y"]) == 9
    assert len(surface["z"]) == 9 and len(surface["z"][0]) == 11
    u, v = surface["x"][8], surface["y"][7]  # z rows follow y
    assert surface["z"][7][8] == pytest.approx((u**2 + v - 11) ** 2 + (u + v**2 - 7) ** 2, rel=1e-6)
    assert surface["z_min"] == min(min(row) for row in surface["z"])


def test_grid_size_is_bounded_by_the_setting(client: TestClient) -> None:
    response = client.post("/api/surface", json={"preset": "himmelblau", "nx": 301})
    assert response.status_code == 400
    assert response.json() == {
        "detail": {
            "type": "invalid",
            "message": "nx is 301; at most 300 allowed (setting max_surface_grid)",
            "field": "nx",
        }
    }


def test_a_reduction_cannot_be_a_surface(client: TestClient) -> None:
    response = client.post("/api/surface", json={"source": "u.sum() * v.sum()", "nx": 4, "ny": 4})
    assert response.status_code == 400
    assert response.json()["detail"]["message"].startswith("the function does not work elementwise on a grid")


def test_a_one_parameter_function_has_no_surface(client: TestClient) -> None:
    response = client.post("/api/surface", json={"source": "u**2"})
    assert response.status_code == 400
    assert (
        response.json()["detail"]["message"]
        == "a surface needs a function of two parameters; this one has 1 (u)"
    )


def test_surface_figure(client: TestClient) -> None:
    figure = client.post(
        "/api/surface", json={"preset": "himmelblau", "nx": 20, "ny": 20, "figure": True}
    ).json()["figure"]
    assert figure["data"][0]["type"] == "contour"
    assert figure["data"][1]["name"] == "minima" and len(figure["data"][1]["x"]) == 4


def test_a_function_mixing_grid_points_cannot_be_a_surface(client: TestClient) -> None:
    # Found in QA: u.mean() + v has the grid's shape, yet its values are not f at each point.
    response = client.post("/api/surface", json={"source": "u.mean() + v", "nx": 4, "ny": 4})
    assert response.status_code == 400
    assert response.json()["detail"]["message"].startswith("the function does not work elementwise on a grid")


def test_further_parameters_can_default_to_one_value(client: TestClient) -> None:
    # Found in QA: the lab page cannot know a new function's extra parameters before drawing it,
    # so a function of u, v, w could never be drawn there; fixed_default holds the others.
    body = {"source": "u**2 + v**2 + w", "box": [0, 1, 0, 1], "nx": 2, "ny": 2, "fixed_default": 2.0}
    response = client.post("/api/surface", json=body)
    assert response.status_code == 200
    assert response.json()["z"] == [[2.0, 3.0], [3.0, 4.0]]  # z[i][j] = x[j]² + y[i]² + 2
    body["fixed"] = {"w": -1.0, "u": 5.0}  # given values win; entries for the drawn axes are ignored
    assert client.post("/api/surface", json=body).json()["z"] == [[-1.0, 0.0], [0.0, 1.0]]


# --- issue 9 ------------------------------------------------------------------------------------


def test_a_slow_builtin_in_the_function_is_bounded_and_the_server_stays_free(client: TestClient) -> None:
    # Found in issue 9: this ran in the server process, and /api/health waited 39-41 s.
    body = {"source": "u + v + 0 * len(sum(torch.ones(100000, 1).tolist(), []))", "nx": 2, "ny": 2}
    probed = post_while_probing(client, "/api/surface", body)
    assert all(status == 200 for status in probed.health_during), probed.health_during
    if probed.response.status_code == 200:  # a correct answer (the language may make sum fast)…
        assert probed.response.json()["z"] == [[-10.0, 0.0], [0.0, 10.0]]
    else:  # …or a limit, never a 5xx
        assert probed.response.status_code == 400, probed.response.text[:300]
        assert probed.response.json()["detail"]["type"] == "limit"


def test_complex_numbers_are_refused(client: TestClient) -> None:
    response = client.post("/api/surface", json={"source": "u + v * torch.tensor((-1.0) ** 0.5)", "nx": 2})
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "type": "runtime",
        "message": "complex numbers are not supported: the function gave a complex64 value",
        "line": 1,
        "column": 0,
        "end_line": None,
        "end_column": None,
    }


def test_the_surface_runs_in_a_worker(client: TestClient) -> None:
    # A function the server must never run: the pool's worker answers (and the server still lives).
    evaluator = client.app.state.evaluator  # type: ignore[attr-defined]
    assert isinstance(evaluator, EvalPool)
    wait_until_ready(client)  # the warm-up's own jobs are done
    jobs_before = sum(w.jobs_done for w in list(evaluator._idle.queue))
    assert client.post("/api/surface", json={"source": "u * v", "nx": 2, "ny": 2}).status_code == 200
    assert sum(w.jobs_done for w in list(evaluator._idle.queue)) == jobs_before + 1
