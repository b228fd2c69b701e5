"""The jobs a worker may run: a fixed table from names to our own functions.

A request names a job ("trace"); the table turns it into "module:function". Workers import only
paths from this table (or a table a test passes in), never a name that came from a request, and
their arguments are plain JSON data, never pickles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from autograd_explorer.settings import Settings

# A job takes the request's JSON data and the settings and returns JSON-like data.
JobFunction = Callable[[Mapping[str, Any], Settings], Any]


# The settings a job's wall-clock budget may come from (the pool reads the one a job names).
TimeSetting = Literal["max_wall_seconds", "max_trajectory_seconds"]


@dataclass(frozen=True)
class Job:
    """Where a job's function lives, whether its result is JSON-safe already, and its time budget."""

    path: str  # "module:function"
    # The trace engine builds its payload JSON-safe (non-finite floats as strings): sending it
    # without a second `sanitize` walk saves more time than building it took on large graphs.
    prepared: bool = False
    # The whole request's wall clock; the pool kills the worker this much (plus
    # eval_grace_seconds) after sending the job, and the refusal names this setting.
    time_setting: TimeSetting = "max_wall_seconds"

    def seconds(self, settings: Settings) -> float:
        """The job's wall-clock budget in the given settings (without the grace)."""
        return float(getattr(settings, self.time_setting))


_OPTIMIZE = "autograd_explorer.optimize.jobs"
JOBS: dict[str, Job] = {
    "trace": Job("autograd_explorer.trace.jobs:run_trace_job", prepared=True),
    "trace_details": Job("autograd_explorer.trace.jobs:run_details_job", prepared=True),
    "torchviz": Job("autograd_explorer.trace.jobs:run_torchviz_job", prepared=True),
    "surface": Job(f"{_OPTIMIZE}:run_surface_job"),
    "trajectory": Job(f"{_OPTIMIZE}:run_trajectory_job", time_setting="max_trajectory_seconds"),
    "trajectories": Job(f"{_OPTIMIZE}:run_trajectories_job", time_setting="max_trajectory_seconds"),
    "polynomial": Job(f"{_OPTIMIZE}:run_polynomial_job", time_setting="max_trajectory_seconds"),
    "sweep": Job(f"{_OPTIMIZE}:run_sweep_job", time_setting="max_trajectory_seconds"),
    "least_squares": Job(f"{_OPTIMIZE}:run_least_squares_job", time_setting="max_trajectory_seconds"),
}


def job_spec(name: str, jobs: Mapping[str, Job]) -> Job:
    """The registered job of that name; KeyError for anything else."""
    return jobs[name]


def load_job(path: str) -> JobFunction:
    """Import the function named by a registry path."""
    module_name, _, attribute = path.partition(":")
    function: JobFunction = getattr(importlib.import_module(module_name), attribute)
    return function


def job_modules(jobs: Mapping[str, Job]) -> list[str]:
    """The modules behind the registered jobs (preloaded by the fork server)."""
    return sorted({job.path.partition(":")[0] for job in jobs.values()})
