"""Browser fixtures for the explorer: the shared live server and chromium, and a page that may expect 400s."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.live import browser, live_server  # noqa: F401


@pytest.fixture
def expected_console_errors() -> list[re.Pattern[str]]:
    """Patterns of console errors a test provokes on purpose (chromium logs every 4xx fetch)."""
    return []


@pytest.fixture
def page(
    browser: object,  # noqa: F811 — the session fixture imported above
    expected_console_errors: list[re.Pattern[str]],
) -> Iterator[object]:
    """tests.live's page (projector size, fails on console errors) minus the errors a test expects."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    unexpected = [e for e in errors if not any(p.search(e) for p in expected_console_errors)]
    assert not unexpected, f"console errors: {unexpected}"
