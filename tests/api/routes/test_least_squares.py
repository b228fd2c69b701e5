"""POST /api/least-squares: §5 by hand = by autograd, §4's arrows."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_manual_equals_autograd_to_1e_6(client: TestClient) -> None:
    response = client.post("/api/least-squares", json={"figure": True})
    assert response.status_code == 200
    result = response.json()
    assert result["max_difference"] < 1e-6
    manual, auto = result["manual"], result["autograd"]
    assert len(manual["step"]) == len(auto["step"]) == 100
    for column in (manual["params"]["w1"], manual["params"]["w2"], manual["loss"]):
        assert len(column) == 100
    for a, b in zip(
        manual["params"]["w1"] + manual["loss"], auto["params"]["w1"] + auto["loss"], strict=True
    ):
        assert abs(a - b) < 1e-6
    assert (
        abs(manual["final"]["params"]["w1"] - 1.0) < 1e-5
        and abs(manual["final"]["params"]["w2"] + 0.5) < 1e-5
    )
    assert result["lr"] == result["step_size"]  # the old name, still sent for a release
    assert (
        result["lr"] == 1.8 * 100 / result["sigma_max"] ** 2
        or abs(result["lr"] - 1.8 * 100 / result["sigma_max"] ** 2) < 1e-5
    )
    arrows = result["arrows"]
    assert len(arrows["points"]) == 25 and arrows["max_difference"] < 1e-4
    names = [t.get("name") for t in result["figure"]["data"]]
    assert "−gradient by hand" in names and "−gradient by autograd" in names


def test_steps_are_bounded_under_either_spelling(client: TestClient) -> None:
    for body in ({"steps": 10_001}, {"iterations": 10_001}):
        response = client.post("/api/least-squares", json=body)
        assert response.status_code == 422
        assert response.json()["detail"]["errors"][0]["loc"] == ["body", "steps"]
    same = [
        client.post("/api/least-squares", json=b).json()
        for b in ({"steps": 3, "lr": 0.1}, {"iterations": 3, "step_size": 0.1})
    ]
    assert same[0] == same[1] and same[0]["lr"] == 0.1
