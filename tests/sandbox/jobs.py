"""Job functions that misbehave on purpose, run by the pool under test (never registered in the app)."""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autograd_explorer.errors import ProgramError
from autograd_explorer.sandbox.registry import Job
from autograd_explorer.sandbox.worker import limit_cpu
from autograd_explorer.settings import Settings


def echo(body: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    return {"echo": dict(body), "pid": os.getpid(), "nan": float("nan"), "array": np.arange(3)}


def spin(body: Mapping[str, Any], settings: Settings) -> None:
    while True:
        pass


def spin_under_cpu_limit(body: Mapping[str, Any], settings: Settings) -> None:
    limit_cpu(1)  # the rlimit, not the server's wall clock, must end this one
    while True:
        pass


def sleep(body: Mapping[str, Any], settings: Settings) -> dict[str, int]:
    Path(body["pid_file"]).write_text(str(os.getpid()))
    time.sleep(body["seconds"])
    return {"slept": body["seconds"]}


def allocate(body: Mapping[str, Any], settings: Settings) -> int:
    return len(bytearray(body["mb"] * 1024 * 1024))


def torch_allocate(body: Mapping[str, Any], settings: Settings) -> int:
    return int(torch.ones(body["elements"]).sum())


def segfault(body: Mapping[str, Any], settings: Settings) -> None:
    ctypes.string_at(0)


def exit_now(body: Mapping[str, Any], settings: Settings) -> None:
    os._exit(3)


def cpu_signal(body: Mapping[str, Any], settings: Settings) -> None:
    os.kill(os.getpid(), signal.SIGXCPU)
    time.sleep(5)


def program_error(body: Mapping[str, Any], settings: Settings) -> None:
    raise ProgramError("syntax", "invalid syntax", 2, 5)


def unexpected(body: Mapping[str, Any], settings: Settings) -> None:
    raise ValueError("not a domain error")


def large(body: Mapping[str, Any], settings: Settings) -> str:
    return "x" * int(body["chars"])


def lone_surrogate(body: Mapping[str, Any], settings: Settings) -> dict[str, str]:
    # What `print("\ud800")` in a program leaves in a trace's `printed`.
    return {"text": "a\ud800b"}


def surrogate_error(body: Mapping[str, Any], settings: Settings) -> None:
    raise ProgramError("forbidden", "'\ud800' cannot be an input name")


TEST_JOBS = {
    name: Job(f"tests.sandbox.jobs:{name}")
    for name in [
        "echo",
        "spin",
        "spin_under_cpu_limit",
        "sleep",
        "allocate",
        "torch_allocate",
        "segfault",
        "exit_now",
        "cpu_signal",
        "program_error",
        "unexpected",
        "large",
        "lone_surrogate",
        "surrogate_error",
    ]
}
# The same endless loop under the optimization lab's budget: the pool must use that setting.
TEST_JOBS["spin_trajectory"] = Job("tests.sandbox.jobs:spin", time_setting="max_trajectory_seconds")
