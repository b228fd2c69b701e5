"""Chromium for the standalone-page and JupyterLab tests (tests/live.py), and small seeded models."""

from tests.live import browser  # noqa: F401
