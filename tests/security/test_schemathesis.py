"""schemathesis against /openapi.json of a real server: no 5xx, answers that match their schema.

Bounded: a few examples per operation. POST /api/models is left out (it starts real training
jobs); the models routes are still fuzzed with ids that do not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.live import LiveServer


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("schemathesis") / "data"
    data_dir.mkdir()
    server = LiveServer(data_dir, env={"AUTOGRAD_EXPLORER_MAX_WALL_SECONDS": "2"})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api_schema(api_server: LiveServer) -> Any:
    return schemathesis.openapi.from_url(api_server.url + "/openapi.json", config=BOUNDED)


# Examples and fuzzing only: the coverage phase sends hundreds of boundary cases per operation.
BOUNDED = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 5},
    }
)
schema = schemathesis.pytest.from_fixture("api_schema").exclude(method="POST", path="/api/models")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_without_server_errors_and_as_documented(case: Any) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance], timeout=30
    )
