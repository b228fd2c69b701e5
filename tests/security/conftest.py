"""One app for the security suites: isolated evaluation as deployed, tight wall-clock limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autograd_explorer.api.app import create_app
from autograd_explorer.settings import Settings
from tests.conftest import MNIST_DIR

NORMAL_TRACE = {"source": "x**3 - 3*x", "inputs": {"x": 1.0}}


@pytest.fixture(scope="session")
def security_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("security") / "data"
    return Settings(
        data_dir=data,
        mnist_dir=MNIST_DIR,
        eval_isolation="process",
        eval_workers=2,
        max_wall_seconds=2.0,
        eval_grace_seconds=0.5,
    )


@pytest.fixture(scope="session")
def hostile_client(security_settings: Settings) -> Iterator[TestClient]:
    """A client that sees 500s as answers (they must not happen) rather than raised exceptions."""
    with TestClient(create_app(security_settings), raise_server_exceptions=False) as c:
        yield c


def assert_normal_trace_works(client: TestClient) -> None:
    """The server still answers the lecture's first example correctly."""
    r = client.post("/api/trace", json=NORMAL_TRACE)
    assert r.status_code == 200, r.text
    assert r.json()["grads"]["x"]["data"] == 0.0
