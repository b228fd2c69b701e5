"""Waiting on a page's own state from a test, where the app's CSP rules out wait_for_function."""

from __future__ import annotations

import time
from typing import Any

TIMEOUT = 60_000  # ms; a hang bound for the lab pages' answers: the machine is shared


def wait_until(page: Any, expression: str, timeout_ms: int = TIMEOUT) -> None:
    """Poll a JS expression until true (wait_for_function would eval, which the app's CSP forbids)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)
