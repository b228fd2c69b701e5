"""Browser fixtures for every page test: the shared live server, chromium and page (see tests/live.py)."""

from tests.live import browser, expected_console_errors, live_server, page  # noqa: F401
