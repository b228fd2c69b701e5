"""POST /api/trajectory and /api/trajectories against the lecture's loops; errors and limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.errors import InvalidRequest
from autograd_explorer.optimize import jobs
from autograd_explorer.optimize.trajectory import TimeLimit, run_trajectory
from autograd_explorer.sandbox.wire import result_json
from autograd_explorer.settings import Settings
from tests.api.routes.probing import post_while_probing, wait_until_ready
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
    assert len(result["step"]) == len(rows) == result["stopped_at"]
    assert result["params"] == {"u": [r[0] for r in rows], "v": [r[1] for r in rows]}
    assert result["loss"] == [r[2] for r in rows]
    assert result["grad"] == {"u": [r[3] for r in rows], "v": [r[4] for r in rows]}
    assert result["step"][:3] == [1, 2, 3]
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
    result = client.post("/api/trajectory", json=body).json()
    columns = (
        result["loss"],
        result["params"]["a"],
        result["params"]["b"],
        result["grad"]["a"],
        result["grad"]["b"],
    )
    assert list(zip(*columns, strict=True)) == accumulation_loop(clear)


def test_every_keeps_every_kth_step_and_the_last(client: TestClient) -> None:
    full = client.post("/api/trajectory", json=lecture_body(steps=10)).json()
    thin = client.post("/api/trajectory", json=lecture_body(steps=10, every=4)).json()
    assert thin["step"] == [1, 5, 9, 10]
    assert thin["loss"] == [full["loss"][k - 1] for k in thin["step"]]
    assert thin["params"]["u"] == [full["params"]["u"][k - 1] for k in thin["step"]]
    assert thin["final"] == full["final"] and thin["stopped_at"] == 10


def test_divergence_is_a_valid_result(client: TestClient) -> None:
    response = client.post("/api/trajectory", json=lecture_body(optimizer={"lr": 1.0}, figure=True))
    assert response.status_code == 200
    result = response.json()  # valid JSON: a non-finite number travels as null (docs/api.md)
    assert result["reason"] == "diverged"
    assert result["loss"][-1] is None and result["final"]["loss"] is None
    assert result["loss"][0] == 106.0  # Himmelblau at (1, 1): a finite value stays a number
    assert result["stopped_at"] == len(result["step"]) < 300
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
                "message": "the function must give one number (a scalar); at step 1 it gave shape [3]",
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
    detail = response.json()["detail"]
    assert detail["type"] == "validation" and detail["message"].startswith("body.preset: Input should be")
    assert detail["errors"][0]["loc"] == ["body", "preset"]
    response = client.post("/api/trajectory", json={"preset": "himmelblau", "step": 3})
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["type"] == "extra_forbidden"


def test_preset_and_source_are_exclusive(client: TestClient) -> None:
    response = client.post("/api/trajectory", json={"preset": "himmelblau", "source": HIMMELBLAU})
    assert response.status_code == 422
    assert (
        "give exactly one of preset (a built-in function) or source (your own)"
        in response.json()["detail"]["errors"][0]["msg"]
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


# --- issue 9: the function runs in a worker, under one budget for the whole request -------------

# Milliseconds a call, within every per-call limit: only the whole request's budget can stop it.
SLOW_BUT_LEGAL = "u**2 + 0 * (torch.ones(400, 400) @ torch.ones(400, 400)).sum()"


@pytest.fixture
def short_clock_client(tmp_path: Any) -> Iterator[TestClient]:
    """The real worker pool, with a 3 s request budget so the refusals come quickly."""
    settings = Settings(
        data_dir=tmp_path, max_trajectory_seconds=3.0, max_wall_seconds=2.0, eval_queue_seconds=60
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        yield client


def test_a_slow_builtin_in_the_function_is_a_limit_and_the_server_stays_free(
    short_clock_client: TestClient,
) -> None:
    # Found in issue 9: each call had a fresh 5 s budget and the clock was read every 256 steps:
    # 200 after 86.7 s, in the server process.
    body = {
        "source": "u**2 + 0 * len(sum(torch.ones(25000, 1).tolist(), []))",
        "start": {"u": 1.0},
        "steps": 80,
        "optimizer": {"name": "gd", "lr": 0.1},
    }
    probed = post_while_probing(short_clock_client, "/api/trajectory", body)
    assert all(status == 200 for status in probed.health_during), probed.health_during
    # A correct 200 (the language may make sum fast) or a "limit" 400: never a 5xx, never unbounded.
    if probed.response.status_code == 200:
        final = probed.response.json()["final"]["params"]["u"]
        assert final == pytest.approx(0.8**80, rel=1e-4)  # u ← u − 0.1·2u
    else:
        assert probed.response.status_code == 400, probed.response.text[:300]
        assert probed.response.json()["detail"]["type"] == "limit"


def test_one_budget_holds_for_every_step_of_a_run(short_clock_client: TestClient) -> None:
    body = {"source": SLOW_BUT_LEGAL, "start": {"u": 1.0}, "steps": 20_000, "optimizer": {"lr": 0.1}}
    probed = post_while_probing(short_clock_client, "/api/trajectory", body)
    assert probed.response.status_code == 400, probed.response.text[:300]
    detail = probed.response.json()["detail"]
    assert detail["type"] == "limit"
    assert "the request ran longer than 3 s, the limit (max_trajectory_seconds)" in detail["message"]
    assert probed.health_during and all(status == 200 for status in probed.health_during)


def test_a_function_that_changes_shape_after_step_1_is_a_clear_400(client: TestClient) -> None:
    body = {
        "source": "u**2 * torch.ones(1 + int(u.item() < 0.9) * 2)",
        "start": {"u": 1.0},
        "steps": 5,
        "optimizer": {"name": "gd", "lr": 0.1},
    }
    response = client.post("/api/trajectory", json=body)
    assert response.status_code == 400
    # step 1 at u = 1 gives shape [1]; its update moves u to 1 - 0.1·2 = 0.8 < 0.9
    assert response.json()["detail"] == {
        "type": "invalid",
        "message": "the function must give one number (a scalar); at step 2 it gave shape [3]",
        "field": "source",
    }


@pytest.mark.parametrize("path", ["/api/trajectory", "/api/trajectories"])
def test_complex_numbers_are_refused(client: TestClient, path: str) -> None:
    run = {"source": "u**2 + v * torch.tensor((-1.0) ** 0.5)", "start": {"u": 1.0, "v": 1.0}, "steps": 3}
    response = client.post(path, json=run if path == "/api/trajectory" else {"runs": [run]})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert (detail["type"], detail["line"]) == ("runtime", 1)
    assert detail["message"] == "complex numbers are not supported: the function gave a complex64 value"


def test_all_runs_of_one_request_share_one_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    clocks: list[TimeLimit] = []

    def recording(*args: Any, time_limit: TimeLimit, **kwargs: Any) -> Any:
        clocks.append(time_limit)
        return run_trajectory(*args, time_limit=time_limit, **kwargs)

    monkeypatch.setattr("autograd_explorer.optimize.jobs.run_trajectory", recording)
    runs = [{"preset": "quadratic", "steps": 5}] * 3
    settings = Settings(data_dir=tmp_path, max_trajectory_seconds=7.0)
    result = jobs.run_trajectories_job({"runs": runs}, settings)
    assert len(result["runs"]) == 3
    assert len(clocks) == 3 and clocks[0] is clocks[1] is clocks[2]
    assert (clocks[0].seconds, clocks[0].setting) == (7.0, "max_trajectory_seconds")


def test_a_static_refusal_never_waits_for_a_worker(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, eval_workers=1, eval_queue=0, max_trajectory_seconds=3.0)
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)

        def occupy_the_worker() -> None:  # 3 s of work; retried if a control request held the worker
            slow = {"source": SLOW_BUT_LEGAL, "start": {"u": 1.0}, "steps": 20_000}
            while client.post("/api/trajectory", json=slow).status_code == 503:
                time.sleep(0.02)

        busy = threading.Thread(target=occupy_the_worker)
        busy.start()
        try:
            # the control: with the only worker busy and no queue, a runnable request is turned away
            # (a function's text: a repeated preset request is answered from memory, api/answer_cache.py)
            control = {**lecture_body(steps=2), "source": HIMMELBLAU}
            del control["preset"]
            deadline = time.monotonic() + 60
            while client.post("/api/trajectory", json=control).status_code != 503:
                assert time.monotonic() < deadline, "the worker never became busy"
                time.sleep(0.05)
            refused = client.post("/api/trajectory", json={"source": "u +* 2", "start": {"u": 1.0}})
            assert refused.status_code == 400
            assert (refused.json()["detail"]["type"], refused.json()["detail"]["line"]) == ("syntax", 1)
            refused = client.post("/api/trace", json={"source": "x = 1\nimport os"})
            assert refused.status_code == 400
            assert refused.json()["detail"]["type"] == "forbidden" and refused.json()["detail"]["line"] == 2
        finally:
            busy.join()


# --- issue 13: the runs of one request computed side by side, one job per worker ---------------


def test_runs_split_across_workers_answer_what_one_job_answers(
    client: TestClient, settings: Settings
) -> None:
    # The lab's Rosenbrock example (shortened) plus a run of the user's own: the pool's two
    # workers compute a part each; the oracle is the whole request run as one job.
    runs = [
        {
            "preset": "rosenbrock",
            "start": {"u": -1.5, "v": 2},
            "optimizer": {"name": name, "lr": lr},
            "steps": 400,
        }
        for name, lr in (("gd", 1e-3), ("adam", 0.05))
    ]
    runs.append({"source": HIMMELBLAU, "start": {"u": 1.0, "v": 1.0}, "steps": 100})
    response = client.post("/api/trajectories", json={"runs": runs})
    assert response.status_code == 200
    assert response.content == result_json(jobs.run_trajectories_job({"runs": runs}, settings), False)


def test_a_split_request_is_refused_for_its_first_failing_run(client: TestClient, settings: Settings) -> None:
    good = {"preset": "quadratic", "steps": 50}
    bad_start = {"preset": "himmelblau", "start": {"u": 1.0}, "steps": 50}  # in the first part
    bad_shape = {"source": "u**2 * torch.ones(2)", "start": {"u": 1.0}, "steps": 50}  # in the second
    response = client.post("/api/trajectories", json={"runs": [good, bad_start, bad_shape]})
    assert response.status_code == 400
    with pytest.raises(InvalidRequest) as single:
        jobs.run_trajectories_job({"runs": [good, bad_start, bad_shape]}, settings)
    assert (
        response.json()["detail"]["message"]
        == single.value.message
        == ("start is missing v; the function's parameters are u, v")
    )


def test_newton_and_lbfgs_answer_their_evaluations_and_a_singular_hessian(client: TestClient) -> None:
    runs = [
        {
            "preset": "rosenbrock",
            "optimizer": {"name": name},
            "steps": 200,
            "loss_tol": 1e-12,
            "dtype": "float64",
        }
        for name in ("newton", "lbfgs")
    ]
    newton, lbfgs = client.post("/api/trajectories", json={"runs": runs}).json()["runs"]
    for result in (newton, lbfgs):  # lr left out: the full step, 1
        assert result["label"].endswith("lr=1") and result["reason"] == "tolerance"
        assert result["final"]["params"] == pytest.approx({"u": 1.0, "v": 1.0}, abs=1e-4)
    assert newton["evaluations"] == newton["stopped_at"] and newton["hessians"] == newton["stopped_at"] - 1
    assert lbfgs["evaluations"] > lbfgs["stopped_at"] and lbfgs["hessians"] == 0  # the line search's own
    gd = client.post("/api/trajectory", json=lecture_body()).json()
    assert (gd["evaluations"], gd["hessians"]) == (300, 0)
    singular = client.post(
        "/api/trajectory",
        json={"source": "(u + v)**2", "start": {"u": 1, "v": 0}, "optimizer": {"name": "newton"}},
    ).json()
    assert singular["reason"] == "singular" and singular["stopped_at"] == 1


def test_second_order_methods_refuse_manual_gradients_and_training(client: TestClient) -> None:
    body = {"preset": "rosenbrock", "optimizer": {"name": "newton"}, "gradient": "manual"}
    response = client.post("/api/trajectory", json=body)
    assert response.status_code == 400 and response.json()["detail"]["field"] == "gradient"
    response = client.post("/api/models", json={"dataset": "moons", "optimizer": {"name": "lbfgs"}})
    assert response.status_code == 422
    assert "lbfgs is for trajectories" in response.text
