"""The jobs a worker may run: a fixed table from names to our own functions.

A request names a job ("trace"); the table turns it into "module:function". Workers import only
paths from this table (or a table a test passes in), never a name that came from a request, and
their arguments are plain JSON data, never pickles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autograd_explorer.settings import Settings

# A job takes the request's JSON data and the settings and returns JSON-like data.
JobFunction = Callable[[Mapping[str, Any], Settings], Any]


@dataclass(frozen=True)
class Job:
    """Where a job's function lives, and whether its result is JSON-safe already."""

    path: str  # "module:function"
    # The trace engine builds its payload JSON-safe (non-finite floats as strings): sending it
    # without a second `sanitize` walk saves more time than building it took on large graphs.
    prepared: bool = False


JOBS: dict[str, Job] = {
    "trace": Job("autograd_explorer.trace.jobs:run_trace_job", prepared=True),
    "torchviz": Job("autograd_explorer.trace.jobs:run_torchviz_job", prepared=True),
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
