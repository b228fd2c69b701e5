"""Shared fixtures: settings pointing at a temporary data dir, an app, a client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the server extra's: imported by the fixtures that use them, so that the library's
    # tests (tests/notebook, scripts/check-torch-range.sh) run where only the library is installed
    from fastapi.testclient import TestClient

    from autograd_explorer.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get("AUTOGRAD_EXPLORER_MNIST_DIR", REPO.parent / "shared" / "data" / "mnist"))
OUTPUT_DIR = REPO / "test-output"  # screenshots and other artefacts of a test run


def pytest_configure(config: pytest.Config) -> None:
    """No start-up answers in tests unless a test asks (tests/api/test_preset_answers.py).

    Every app a test builds would compute them in a background thread (inline isolation: in this
    process), which loads the suite, and a thread still inside torch when pytest exits aborts it
    ("terminate called without an active exception", exit code 134: tests/rooms/test_routes.py
    alone did). The browser tests' live server inherits this too. Set here, not at import: the
    benchmarks import this module's paths (through tests/live.py) and measure the default.
    """
    os.environ.setdefault("AUTOGRAD_EXPLORER_WARM_ANSWERS", "false")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data dir and the shared MNIST files.

    Without the start-up answers: tests count the answer cache's entries and the workers' jobs
    (tests/api/test_preset_answers.py turns them on).
    """
    from autograd_explorer.settings import Settings

    return Settings(data_dir=tmp_path / "data", mnist_dir=MNIST_DIR, warm_answers=False)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An in-process client of a fresh app (lifespan run)."""
    from fastapi.testclient import TestClient

    from autograd_explorer.api.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c
