"""Print the Settings as a Markdown table for the README (python scripts/settings_table.py)."""

from __future__ import annotations

from autograd_explorer.settings import Settings


def settings_table() -> str:
    """One row per setting: environment variable, default, what it does."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        rows.append(f"| `AUTOGRAD_EXPLORER_{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
