"""The README documents every setting and its two set-up commands."""

from __future__ import annotations

from autograd_explorer.settings import Settings
from tests.conftest import REPO


def test_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"AUTOGRAD_EXPLORER_{n.upper()}" not in readme]
    assert not missing, f"README lacks settings: {missing} (run python scripts/settings_table.py)"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in readme and "make serve" in readme
    assert "exec make test" in ci
