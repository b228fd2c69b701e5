"""The models and curve_points tables, as SQLite's SCHEMA after its five MIGRATIONS (issue 15).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Double, nullable=False),  # time.time(): REAL would be 4 bytes here
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("progress", sa.Double, nullable=False, server_default="0"),
        sa.Column("metrics", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("started_at", sa.Double),
        sa.Column("finished_at", sa.Double),
        sa.Column("cancel_requested", sa.Integer, nullable=False, server_default="0"),
        sa.Column("run_token", sa.Text),
        sa.Column("worker_pid", sa.Integer),
        sa.Column("owner_token_hash", sa.Text),
        sa.Column("config_digest", sa.Text),
        sa.Column("requests", sa.Integer, nullable=False, server_default="1"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("heartbeat_at", sa.Double),
    )
    op.create_index("models_status", "models", ["status", "created_at"])
    op.create_index("models_digest", "models", ["config_digest"])
    op.create_table(
        "curve_points",
        sa.Column("model_id", sa.Text, sa.ForeignKey("models.id"), nullable=False),
        sa.Column("idx", sa.BigInteger, nullable=False),
        sa.Column("point", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "idx"),
    )


def downgrade() -> None:
    op.drop_table("curve_points")
    op.drop_table("models")
