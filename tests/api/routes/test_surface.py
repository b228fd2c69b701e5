"""POST /api/surface: vectorized values on a grid, limits and refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


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
