"""A base for the evaluators the API tests fake: the pool's interface with nothing to start or close."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


class FakeEvaluator:
    """Answers `run` by decoding `run_json`; a test's fake says what `run_json` answers."""

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def run(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> Any:
        return orjson.loads(self.run_json(job, payload, timeout))

    def run_json(self, job: str, payload: Mapping[str, Any], timeout: float | None = None) -> bytes:
        raise NotImplementedError
