"""Model records and their curves in SQLite (stdlib sqlite3, WAL), shared by server, workers and CLI.

Each call opens its own short connection: any thread or process can use one `ModelStore`.
Writers that run a job hold its `run_token`; an update whose token no longer matches (the job
was cancelled, failed by a restart, or claimed by someone else) changes nothing.
The job token its creator got (to cancel or delete it) is kept only as a hash: `owner_token_hash`.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from autograd_explorer.errors import Conflict, NotFound

Status = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE: tuple[Status, ...] = ("queued", "running")
FINISHED: tuple[Status, ...] = ("done", "failed", "cancelled")
INTERRUPTED_MESSAGE = "interrupted by a server restart"

SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    metrics TEXT,
    error TEXT,
    started_at REAL,
    finished_at REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    run_token TEXT,
    worker_pid INTEGER,
    owner_token_hash TEXT,
    config_digest TEXT,
    requests INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS models_status ON models (status, created_at);
CREATE INDEX IF NOT EXISTS models_digest ON models (config_digest);
CREATE TABLE IF NOT EXISTS curve_points (
    model_id TEXT NOT NULL REFERENCES models (id),
    idx INTEGER NOT NULL,
    point TEXT NOT NULL,
    PRIMARY KEY (model_id, idx)
);
"""

# Changes to a database an older version created, in order; PRAGMA user_version counts those applied.
MIGRATIONS = (
    # 1: job tokens. Older jobs keep NULL: only the lecturer token can cancel or delete them.
    "ALTER TABLE models ADD COLUMN owner_token_hash TEXT",
    # 2, 3: identical requests are one job (issue 15). Older jobs have no digest: never joined.
    "ALTER TABLE models ADD COLUMN config_digest TEXT",
    "ALTER TABLE models ADD COLUMN requests INTEGER NOT NULL DEFAULT 1",
)
# A new request joins a job with the same digest while it waits, runs or has its model; a failed or
# cancelled one is tried afresh.
JOINABLE: tuple[Status, ...] = ("queued", "running", "done")


@dataclass(frozen=True)
class ModelRecord:
    """One stored model (or job that will make one)."""

    id: str
    created_at: float
    config: dict[str, Any]
    status: Status
    progress: float
    metrics: dict[str, float] | None
    error: str | None
    started_at: float | None
    finished_at: float | None
    cancel_requested: bool
    run_token: str | None
    worker_pid: int | None
    owner_token_hash: str | None = None
    config_digest: str | None = None
    requests: int = 1  # how many POST /api/models this job answered (1 + the identical ones joined)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ModelRecord:
        """Decode a `models` row."""
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            config=json.loads(row["config"]),
            status=row["status"],
            progress=row["progress"],
            metrics=json.loads(row["metrics"]) if row["metrics"] else None,
            error=row["error"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            cancel_requested=bool(row["cancel_requested"]),
            run_token=row["run_token"],
            worker_pid=row["worker_pid"],
            owner_token_hash=row["owner_token_hash"],
            config_digest=row["config_digest"],
            requests=row["requests"],
        )


class ModelStore:
    """The records database at `<data_dir>/models.sqlite3`."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.path = data_dir / "models.sqlite3"
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers never block the writing worker
        self._migrate()

    def _migrate(self) -> None:
        """Create the tables, or bring an older database up to date (server and workers may race)."""
        with self._connect() as db:  # the usual case, without taking the write lock
            if db.execute("PRAGMA user_version").fetchone()[0] >= len(MIGRATIONS):
                return
        with self._transaction() as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version >= len(MIGRATIONS):
                return
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'models'").fetchone() is not None:
                for statement in MIGRATIONS[version:]:
                    db.execute(statement)
            for statement in SCHEMA.split(";"):  # executescript would COMMIT our transaction
                if statement.strip():
                    db.execute(statement)  # IF NOT EXISTS: creates only what is missing
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- creating and reading ----------------------------------------------------------
    def create(
        self,
        config: dict[str, Any],
        *,
        max_queued: int | None = None,
        owner_token_hash: str | None = None,
        digest: str | None = None,
    ) -> ModelRecord | None:
        """A new queued record; None if `max_queued` jobs are already waiting."""
        with self._transaction() as db:
            model_id = self._insert(db, config, max_queued, owner_token_hash, digest)
        return None if model_id is None else self.get(model_id)

    def join_or_create(
        self,
        config: dict[str, Any],
        digest: str,
        *,
        max_queued: int | None = None,
        owner_token_hash: str | None = None,
    ) -> tuple[ModelRecord, bool] | None:
        """The job with this config digest if one is queued, running or done (joined: its `requests`
        grows by one), else a new queued one: (record, created); None if the queue is full.

        One transaction: two identical requests at once still make one job.
        """
        with self._transaction() as db:
            marks = ",".join("?" * len(JOINABLE))
            row = db.execute(
                f"SELECT id FROM models WHERE config_digest = ? AND status IN ({marks}) "
                "ORDER BY created_at, rowid LIMIT 1",
                (digest, *JOINABLE),
            ).fetchone()
            if row is not None:
                db.execute("UPDATE models SET requests = requests + 1 WHERE id = ?", (row["id"],))
                model_id, created = row["id"], False
            else:
                model_id = self._insert(db, config, max_queued, owner_token_hash, digest)
                if model_id is None:
                    return None
                created = True
        return self.get(model_id), created

    @staticmethod
    def _insert(
        db: sqlite3.Connection,
        config: dict[str, Any],
        max_queued: int | None,
        owner_token_hash: str | None,
        digest: str | None,
    ) -> str | None:
        if max_queued is not None:
            (queued,) = db.execute("SELECT COUNT(*) FROM models WHERE status = 'queued'").fetchone()
            if queued >= max_queued:
                return None
        model_id = uuid.uuid4().hex[:12]
        db.execute(
            "INSERT INTO models (id, created_at, config, status, owner_token_hash, config_digest) "
            "VALUES (?, ?, ?, 'queued', ?, ?)",
            (model_id, time.time(), json.dumps(config), owner_token_hash, digest),
        )
        return model_id

    def get(self, model_id: str) -> ModelRecord:
        """The record of `model_id`, or NotFound."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise NotFound(f"no model with id {model_id!r}")
        return ModelRecord.from_row(row)

    def records(self, statuses: Sequence[Status] | None = None) -> list[ModelRecord]:
        """Every record, oldest first (optionally only those in `statuses`)."""
        query = "SELECT * FROM models"
        args: tuple[str, ...] = ()
        if statuses:
            query += f" WHERE status IN ({','.join('?' * len(statuses))})"
            args = tuple(statuses)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [ModelRecord.from_row(r) for r in rows]

    def count_queued(self) -> int:
        """How many jobs wait for a worker."""
        with self._connect() as db:
            (queued,) = db.execute("SELECT COUNT(*) FROM models WHERE status = 'queued'").fetchone()
        return int(queued)

    def points(self, model_id: str, after: int = -1) -> list[tuple[int, dict[str, float]]]:
        """Curve points with index > `after`, as (index, point)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT idx, point FROM curve_points WHERE model_id = ? AND idx > ? ORDER BY idx",
                (model_id, after),
            ).fetchall()
        return [(r["idx"], json.loads(r["point"])) for r in rows]

    # --- the worker's side ---------------------------------------------------------------
    def claim(self, model_id: str, *, worker_pid: int) -> str | None:
        """Move a queued job to running; its run token, or None if it is no longer queued."""
        token = uuid.uuid4().hex
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE models SET status = 'running', started_at = ?, run_token = ?, worker_pid = ? "
                "WHERE id = ? AND status = 'queued'",
                (time.time(), token, worker_pid, model_id),
            ).rowcount
        return token if changed else None

    def claim_next(self, *, worker_pid: int) -> tuple[str, str] | None:
        """Claim the oldest queued job for a worker: (id, run token), or None if nothing waits."""
        token = uuid.uuid4().hex
        with self._transaction() as db:
            row = db.execute(
                "UPDATE models SET status = 'running', started_at = ?, run_token = ?, worker_pid = ? "
                "WHERE id = (SELECT id FROM models WHERE status = 'queued' "
                "ORDER BY created_at, rowid LIMIT 1) RETURNING id",
                (time.time(), token, worker_pid),
            ).fetchone()
        return (row["id"], token) if row else None

    def start_direct(self, config: dict[str, Any], *, worker_pid: int) -> tuple[str, str]:
        """A record that starts running at once (the CLI trains in its own process): (id, token)."""
        record = self.create(config)
        assert record is not None
        token = self.claim(record.id, worker_pid=worker_pid)
        assert token is not None
        return record.id, token

    def report(
        self, model_id: str, token: str, progress: float, points: Sequence[tuple[int, dict[str, float]]]
    ) -> bool:
        """Save progress and new curve points; False once the job is no longer this run's or must stop."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT cancel_requested FROM models WHERE id = ? AND status = 'running' AND run_token = ?",
                (model_id, token),
            ).fetchone()
            if row is None:
                return False
            db.execute("UPDATE models SET progress = ? WHERE id = ?", (progress, model_id))
            db.executemany(
                "INSERT OR REPLACE INTO curve_points (model_id, idx, point) VALUES (?, ?, ?)",
                [(model_id, idx, json.dumps(p)) for idx, p in points],
            )
            return not row["cancel_requested"]

    def finish(
        self,
        model_id: str,
        token: str,
        status: Status,
        *,
        metrics: dict[str, float] | None = None,
        error: str | None = None,
    ) -> bool:
        """End this run's job as done, failed or cancelled; False if it was not this run's any more."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE models SET status = ?, metrics = ?, error = ?, finished_at = ?, "
                "progress = CASE WHEN ? = 'done' THEN 1.0 ELSE progress END "
                "WHERE id = ? AND status = 'running' AND run_token = ?",
                (
                    status,
                    json.dumps(metrics) if metrics else None,
                    error,
                    time.time(),
                    status,
                    model_id,
                    token,
                ),
            ).rowcount
        return bool(changed)

    # --- the server's side ---------------------------------------------------------------
    def request_cancel(self, model_id: str) -> ModelRecord:
        """Cancel a queued job at once, or ask a running one to stop; Conflict if already finished."""
        with self._transaction() as db:
            row = db.execute("SELECT status FROM models WHERE id = ?", (model_id,)).fetchone()
            if row is None:
                raise NotFound(f"no model with id {model_id!r}")
            if row["status"] in FINISHED:
                raise Conflict(f"model {model_id} has already finished ({row['status']})")
            if row["status"] == "queued":
                db.execute(
                    "UPDATE models SET status = 'cancelled', finished_at = ?, cancel_requested = 1 "
                    "WHERE id = ?",
                    (time.time(), model_id),
                )
            else:
                db.execute("UPDATE models SET cancel_requested = 1 WHERE id = ?", (model_id,))
        return self.get(model_id)

    def delete(self, model_id: str) -> None:
        """Remove a finished job's record and curve points; Conflict while it is queued or running."""
        with self._transaction() as db:
            row = db.execute("SELECT status FROM models WHERE id = ?", (model_id,)).fetchone()
            if row is None:
                raise NotFound(f"no model with id {model_id!r}")
            if row["status"] not in FINISHED:
                raise Conflict(f"model {model_id} is {row['status']}: cancel it before deleting it")
            db.execute("DELETE FROM curve_points WHERE model_id = ?", (model_id,))
            db.execute("DELETE FROM models WHERE id = ?", (model_id,))

    def end_running(self, model_id: str, status: Status, error: str | None = None) -> bool:
        """End a running job from outside its worker (killed worker, forced cancel)."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE models SET status = ?, error = ?, finished_at = ?, run_token = NULL "
                "WHERE id = ? AND status = 'running'",
                (status, error, time.time(), model_id),
            ).rowcount
        return bool(changed)

    def fail_active(self, message: str, statuses: Sequence[Status] = ACTIVE) -> list[str]:
        """Mark every job in `statuses` failed with `message` (a starting server: all queued/running)."""
        marks = ",".join("?" * len(statuses))
        with self._transaction() as db:
            ids = [
                r["id"]
                for r in db.execute(f"SELECT id FROM models WHERE status IN ({marks})", tuple(statuses))
            ]
            db.execute(
                f"UPDATE models SET status = 'failed', error = ?, finished_at = ?, run_token = NULL "
                f"WHERE status IN ({marks})",
                (message, time.time(), *statuses),
            )
        return ids
