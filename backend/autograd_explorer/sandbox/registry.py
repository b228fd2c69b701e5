"""The jobs a worker may run: a fixed table from names to our own functions.

A request names a job ("trace"); the table turns it into "module:function". Workers import only
paths from this table (or a table a test passes in), never a name that came from a request, and
their arguments are plain JSON data, never pickles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from autograd_explorer.settings import Settings

# A job takes the request's JSON data and the settings and returns JSON-like data.
JobFunction = Callable[[Mapping[str, Any], Settings], Any]

JOBS: dict[str, str] = {
    "trace": "autograd_explorer.trace.jobs:run_trace_job",
    "torchviz": "autograd_explorer.trace.jobs:run_torchviz_job",
}


def job_path(name: str, jobs: Mapping[str, str]) -> str:
    """The "module:function" of a registered job; KeyError for anything else."""
    return jobs[name]


def load_job(path: str) -> JobFunction:
    """Import the function named by a registry path."""
    module_name, _, attribute = path.partition(":")
    function: JobFunction = getattr(importlib.import_module(module_name), attribute)
    return function


def job_modules(jobs: Mapping[str, str]) -> list[str]:
    """The modules behind the registered jobs (preloaded by the fork server)."""
    return sorted({path.partition(":")[0] for path in jobs.values()})
