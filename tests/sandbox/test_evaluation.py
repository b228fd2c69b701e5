"""The app's evaluator: created by install_evaluator, started and stopped with the app's lifespan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from autograd_explorer.api.evaluation import EvaluatorDep, install_evaluator
from autograd_explorer.sandbox import EvalPool, InlineEvaluator
from autograd_explorer.settings import Settings
from tests.sandbox.jobs import TEST_JOBS


def app_with(settings: Settings) -> FastAPI:
    app = FastAPI()
    install_evaluator(app, settings)

    @app.get("/pid")
    def pid(evaluator: EvaluatorDep) -> object:
        return evaluator.run("echo", {})["pid"]

    return app


def test_the_pool_starts_with_the_app_and_stops_with_it(tmp_path: Path) -> None:
    app = app_with(Settings(data_dir=tmp_path, eval_workers=1))
    pool = app.state.evaluator
    assert isinstance(pool, EvalPool)
    pool.jobs = dict(TEST_JOBS)
    with TestClient(app) as c:
        (idle,) = pool.pids()  # forked at start-up, before any request
        served_by = c.get("/pid").json()
        assert served_by == idle != os.getpid()
    assert not pool.pids()
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(idle, 0)


def test_inline_isolation_runs_in_the_server_process(tmp_path: Path) -> None:
    app = app_with(Settings(data_dir=tmp_path, eval_isolation="inline"))
    assert isinstance(app.state.evaluator, InlineEvaluator)
    app.state.evaluator.jobs = dict(TEST_JOBS)
    with TestClient(app) as c:
        assert c.get("/pid").json() == os.getpid()
