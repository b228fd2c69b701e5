"""Chromium for the standalone-page and JupyterLab tests (tests/live.py); the models are in models.py."""

from tests.live import browser  # noqa: F401
