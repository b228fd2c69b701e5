"""Bring a PostgreSQL records database up to date with Alembic (store/migrations).

Every app replica and worker calls `upgrade` when it opens the store; an advisory lock makes the
first one migrate while the others wait, then find nothing to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x6A7E_1501  # any fixed number: "autograd-explorer migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for `url` without an alembic.ini (the scripts ship inside the package)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration the database lacks (nothing if it is at the head already)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    config = alembic_config(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as db:
            if MigrationContext.configure(db).get_current_revision() == head:
                return  # the usual case: no lock, no transaction
        with engine.begin() as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            if MigrationContext.configure(db).get_current_revision() == head:
                return
            config.attributes["connection"] = db
            command.upgrade(config, "head")
    finally:
        engine.dispose()
