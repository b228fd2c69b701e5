"""Every endpoint that runs user text has a registered job; the pool and inline answer the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from autograd_explorer.errors import InvalidRequest, ProgramError
from autograd_explorer.sandbox import JOBS, EvalPool, InlineEvaluator
from autograd_explorer.sandbox.registry import job_spec, load_job
from autograd_explorer.settings import Settings

PAYLOADS: dict[str, dict[str, Any]] = {
    "surface": {"source": "u**2 + v", "nx": 3, "ny": 2, "figure": True},
    "trajectory": {"preset": "himmelblau", "steps": 5, "optimizer": {"name": "adam", "lr": 0.1}},
    "trajectories": {"runs": [{"source": "u**2", "start": {"u": 1.0}, "steps": 3}], "figure": True},
    "polynomial": {"method": "autograd", "steps": 20},
    "sweep": {"lrs": [0.1], "steps": [5, 10]},
    "least_squares": {"steps": 5, "grid": 2},
}
# Their answers hold timings (trace) or id()-based node names (torchviz), or need a program
# (trace_details): tests/trace and tests/api/routes check them.
PROGRAM_JOBS = {"trace", "trace_details", "torchviz"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("jobs"), eval_workers=1)


@pytest.fixture(scope="module")
def pool(settings: Settings) -> Iterator[EvalPool]:
    p = EvalPool(settings)
    yield p
    p.close()


def test_every_registered_job_loads_and_has_a_time_setting(settings: Settings) -> None:
    assert set(JOBS) == {*PROGRAM_JOBS, *PAYLOADS}
    for name in JOBS:
        spec = job_spec(name, JOBS)
        assert callable(load_job(spec.path))
        runs_an_optimizer = name not in {*PROGRAM_JOBS, "surface"}
        expected = "max_trajectory_seconds" if runs_an_optimizer else "max_wall_seconds"
        assert spec.time_setting == expected
        assert spec.seconds(settings) == getattr(settings, expected)


@pytest.mark.parametrize("job", sorted(PAYLOADS))
def test_the_pool_and_inline_answer_the_same(job: str, pool: EvalPool, settings: Settings) -> None:
    isolated = orjson.loads(pool.run_json(job, PAYLOADS[job]))
    inline = orjson.loads(InlineEvaluator(settings).run_json(job, PAYLOADS[job]))
    assert_same(isolated, inline)
    assert isinstance(isolated, dict) and isolated


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal data, floats to 1e-9: LAPACK's lstsq differs in the last bits with the thread count."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_a_job_validates_its_payload_itself(pool: EvalPool) -> None:
    # Jobs do not trust their caller: the schema's and the settings' limits hold in the worker too.
    before = pool.pids()
    with pytest.raises(InvalidRequest, match=r"nx is 301; at most 300 allowed \(setting max_surface_grid\)"):
        pool.run("surface", {"preset": "himmelblau", "nx": 301})
    with pytest.raises(InvalidRequest) as info:
        pool.run("trajectory", {"preset": "himmelblau", "step": 3})
    assert (info.value.field, info.value.message) == ("step", "step: Extra inputs are not permitted")
    assert pool.pids() == before  # refusals, not failures: the worker stays


def test_settings_shape_the_jobs_clock(tmp_path: Path) -> None:
    short = Settings(data_dir=tmp_path, max_trajectory_seconds=1e-9)
    with pytest.raises(ProgramError, match=r"\(max_trajectory_seconds\), after 1 step; ask for fewer steps"):
        InlineEvaluator(short).run("trajectory", {"preset": "quadratic", "steps": 50})
