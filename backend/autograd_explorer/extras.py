"""What `pip install 'autograd-explorer[server]'` adds, and the check a server command makes first.

The library (record(), explore(), `autograd-explorer open`) needs torch, numpy, pydantic, orjson and
anywidget only; the app's commands (serve, worker, trace, train, download-mnist) need the web
stack, the records store and the job queue of the `server` extra (pyproject.toml). A command that
needs them says so in one line, instead of a traceback from deep inside an import.
"""

from __future__ import annotations

import importlib.util

# The import names of the `server` extra's packages (tests/notebook/test_packaging.py checks that
# they are that extra's, one for one).
SERVER_MODULES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic_settings",
    "torchviz",
    "graphviz",
    "plotly",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "redis",
    "dramatiq",
)
INSTALL_SERVER = "pip install 'autograd-explorer[server]'"


def missing_server_modules() -> list[str]:
    """The server extra's modules this interpreter cannot import (found, not imported: it is quick)."""
    return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
