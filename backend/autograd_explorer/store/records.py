"""Model records and their curves: SQLite by default, PostgreSQL when `database_url` says so.

One SQLAlchemy 2 (Core) store serves both; the SQL is the same but for two dialect details
(row locks, the tie-breaking order). Shared by server, workers and CLI: every call takes its
own short connection (SQLite: a new one each time; PostgreSQL: from a small pool), so any
thread or process can use one `ModelStore` (a forked process makes its own).
Writers that run a job hold its `run_token`; an update whose token no longer matches (the job
was cancelled, failed by a restart, or claimed by someone else) changes nothing.
The job token its creator got (to cancel or delete it) is kept only as a hash: `owner_token_hash`.

Schema changes: SQLite files count theirs in PRAGMA user_version (MIGRATIONS below); PostgreSQL
databases are brought up to date by Alembic (store/migrations), each the same columns.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool

from autograd_explorer.errors import Conflict, NotFound, Overloaded
from autograd_explorer.train.config import TrainConfig

Status = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE: tuple[Status, ...] = ("queued", "running")
FINISHED: tuple[Status, ...] = ("done", "failed", "cancelled")
INTERRUPTED_MESSAGE = "interrupted by a server restart"
# A request for the records while the database cannot be reached: 503 with this Retry-After.
UNAVAILABLE_RETRY_SECONDS = 5

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
    requests INTEGER NOT NULL DEFAULT 1,
    attempts INTEGER NOT NULL DEFAULT 0,
    heartbeat_at REAL
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
    # 4, 5: workers on other machines (issue 15): a running job whose worker went silent is retried once.
    "ALTER TABLE models ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE models ADD COLUMN heartbeat_at REAL",
)
# A new request joins a job with the same digest while it waits, runs or has its model; a failed or
# cancelled one is tried afresh.
JOINABLE: tuple[Status, ...] = ("queued", "running", "done")
# How many times a job is started before a silent worker fails it instead of requeueing it.
MAX_ATTEMPTS = 2
log = logging.getLogger("autograd_explorer.store")
# What claiming a job sets, whether a worker names the job (claim) or takes the oldest (claim_next).
_CLAIM = (
    "UPDATE models SET status = 'running', started_at = :now, heartbeat_at = :now, "
    "run_token = :token, worker_pid = :pid, attempts = attempts + 1 "
)
# Records whose unreadable config was logged (a set.add is atomic under the GIL: no lock needed).
_UNREADABLE_REPORTED: set[str] = set()


def _in(name: str, values: Sequence[str]) -> tuple[str, dict[str, str]]:
    """An `IN (:name0, :name1, …)` clause and its parameters."""
    params = {f"{name}{i}": v for i, v in enumerate(values)}
    return "(" + ",".join(f":{k}" for k in params) + ")", params


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
    attempts: int = 0  # how many times a worker started it (a silent worker's job is retried once)

    def training(self) -> TrainConfig | None:
        """The stored config read as this version's TrainConfig (which keeps accepting what earlier
        versions stored); None for one it does not read (written by another version, or by hand),
        so such a record is still listed and served, with `config` null."""
        try:
            return TrainConfig.model_validate(self.config)
        except ValidationError as exc:
            if self.id not in _UNREADABLE_REPORTED:  # once per record: lists and polls read it each time
                _UNREADABLE_REPORTED.add(self.id)
                log.warning("model %s: its stored config is not one this version reads: %s", self.id, exc)
            return None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ModelRecord:
        """Decode a `models` row."""
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            config=json.loads(row["config"]),
            status=row["status"],
            progress=float(row["progress"]),
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
            attempts=row["attempts"],
        )


class ModelStore:
    """The records database: `<data_dir>/models.sqlite3`, or `database_url` (postgresql://…)."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.path = data_dir / "models.sqlite3"
        self.postgres = bool(database_url)
        self.engine = _postgres_engine(database_url) if database_url else _sqlite_engine(self.path)
        # Row locks where two writers may race (PostgreSQL); SQLite's BEGIN IMMEDIATE locks it all.
        self._for_update = " FOR UPDATE" if self.postgres else ""
        self._skip_locked = " FOR UPDATE SKIP LOCKED" if self.postgres else ""
        self._oldest_first = "created_at, id" if self.postgres else "created_at, rowid"
        if self.postgres:
            from autograd_explorer.store.migrate import upgrade  # Alembic: only where it is used

            assert database_url is not None
            with _unavailable_is_503():
                upgrade(database_url)
        else:
            self._migrate_sqlite()

    def where(self) -> str:
        """Where the records live, for messages (no password)."""
        return self.engine.url.render_as_string(hide_password=True) if self.postgres else str(self.path)

    def _migrate_sqlite(self) -> None:
        """Create the tables, or bring an older database up to date (server and workers may race)."""
        with self._read() as db:  # the usual case, without taking the write lock
            if db.exec_driver_sql("PRAGMA user_version").scalar_one() >= len(MIGRATIONS):
                return
        with self._write() as db:
            version = db.exec_driver_sql("PRAGMA user_version").scalar_one()
            if version >= len(MIGRATIONS):
                return
            exists = db.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'models'").first()
            if exists is not None:
                for statement in MIGRATIONS[version:]:
                    db.exec_driver_sql(statement)
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.exec_driver_sql(statement)  # IF NOT EXISTS: creates only what is missing
            db.exec_driver_sql(f"PRAGMA user_version = {len(MIGRATIONS)}")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _unavailable_is_503(), self.engine.connect() as db:
            yield db

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction: committed whole, or (on any error, a lost database too) not at all."""
        with _unavailable_is_503(), self.engine.connect() as db:
            db.execution_options(write=True)  # SQLite: BEGIN IMMEDIATE (see _sqlite_engine)
            with db.begin():
                yield db

    def dispose(self) -> None:
        """Close pooled connections (tests; a process that is about to fork)."""
        self.engine.dispose()

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
        with self._write() as db:
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

        One transaction: two identical requests at once still make one job (PostgreSQL: the
        digest's advisory lock orders them, whichever replica they reached).
        """
        with self._write() as db:
            if self.postgres:
                db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:d))"), {"d": digest})
            marks, params = _in("s", JOINABLE)
            row = db.execute(
                text(
                    f"SELECT id FROM models WHERE config_digest = :digest AND status IN {marks} "
                    f"ORDER BY {self._oldest_first} LIMIT 1"
                ),
                {"digest": digest, **params},
            ).first()
            if row is not None:
                db.execute(text("UPDATE models SET requests = requests + 1 WHERE id = :id"), {"id": row.id})
                model_id, created = row.id, False
            else:
                model_id = self._insert(db, config, max_queued, owner_token_hash, digest)
                if model_id is None:
                    return None
                created = True
        return self.get(model_id), created

    def _insert(
        self,
        db: Connection,
        config: dict[str, Any],
        max_queued: int | None,
        owner_token_hash: str | None,
        digest: str | None,
    ) -> str | None:
        if max_queued is not None:
            queued = db.execute(text("SELECT COUNT(*) FROM models WHERE status = 'queued'")).scalar_one()
            if queued >= max_queued:
                return None
        model_id = uuid.uuid4().hex[:12]
        db.execute(
            text(
                "INSERT INTO models (id, created_at, config, status, owner_token_hash, config_digest) "
                "VALUES (:id, :now, :config, 'queued', :owner, :digest)"
            ),
            {
                "id": model_id,
                "now": time.time(),
                "config": json.dumps(config),
                "owner": owner_token_hash,
                "digest": digest,
            },
        )
        return model_id

    def get(self, model_id: str) -> ModelRecord:
        """The record of `model_id`, or NotFound."""
        with self._read() as db:
            row = db.execute(text("SELECT * FROM models WHERE id = :id"), {"id": model_id}).mappings().first()
        if row is None:
            raise NotFound(f"no model with id {model_id!r}")
        return ModelRecord.from_row(row)

    def records(self, statuses: Sequence[Status] | None = None) -> list[ModelRecord]:
        """Every record, oldest first (optionally only those in `statuses`)."""
        query, params = "SELECT * FROM models", dict[str, str]()
        if statuses:
            marks, params = _in("s", statuses)
            query += f" WHERE status IN {marks}"
        with self._read() as db:
            rows = db.execute(text(f"{query} ORDER BY {self._oldest_first}"), params).mappings().all()
        return [ModelRecord.from_row(r) for r in rows]

    def count_queued(self) -> int:
        """How many jobs wait for a worker."""
        with self._read() as db:
            return int(db.execute(text("SELECT COUNT(*) FROM models WHERE status = 'queued'")).scalar_one())

    def points(self, model_id: str, after: int = -1) -> list[tuple[int, dict[str, float]]]:
        """Curve points with index > `after`, as (index, point)."""
        with self._read() as db:
            rows = db.execute(
                text(
                    "SELECT idx, point FROM curve_points WHERE model_id = :id AND idx > :after ORDER BY idx"
                ),
                {"id": model_id, "after": after},
            ).all()
        return [(r.idx, json.loads(r.point)) for r in rows]

    # --- the worker's side ---------------------------------------------------------------
    def claim(self, model_id: str, *, worker_pid: int) -> str | None:
        """Move a queued job to running; its run token, or None if it is no longer queued."""
        token = uuid.uuid4().hex
        now = time.time()
        with self._write() as db:
            changed = db.execute(
                text(_CLAIM + "WHERE id = :id AND status = 'queued'"),
                {"now": now, "token": token, "pid": worker_pid, "id": model_id},
            ).rowcount
        return token if changed else None

    def claim_next(self, *, worker_pid: int) -> tuple[str, str] | None:
        """Claim the oldest queued job for a worker: (id, run token), or None if nothing waits.

        PostgreSQL: SKIP LOCKED lets workers on any number of machines claim at once, each its own.
        """
        token = uuid.uuid4().hex
        now = time.time()
        with self._write() as db:
            row = db.execute(
                text(
                    _CLAIM + "WHERE id = (SELECT id FROM models WHERE status = 'queued' "
                    f"ORDER BY {self._oldest_first} LIMIT 1{self._skip_locked}) "
                    "AND status = 'queued' RETURNING id"
                ),
                {"now": now, "token": token, "pid": worker_pid},
            ).first()
        return (row.id, token) if row else None

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
        with self._write() as db:
            row = db.execute(
                text(
                    "SELECT cancel_requested FROM models "
                    f"WHERE id = :id AND status = 'running' AND run_token = :token{self._for_update}"
                ),
                {"id": model_id, "token": token},
            ).first()
            if row is None:
                return False
            db.execute(
                text("UPDATE models SET progress = :progress, heartbeat_at = :now WHERE id = :id"),
                {"progress": progress, "now": time.time(), "id": model_id},
            )
            if points:
                db.execute(
                    text(
                        "INSERT INTO curve_points (model_id, idx, point) VALUES (:id, :idx, :point) "
                        "ON CONFLICT (model_id, idx) DO UPDATE SET point = excluded.point"
                    ),
                    [{"id": model_id, "idx": idx, "point": json.dumps(p)} for idx, p in points],
                )
            return not row.cancel_requested

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
        with self._write() as db:
            changed = db.execute(
                text(
                    "UPDATE models SET status = :status, metrics = :metrics, error = :error, "
                    "finished_at = :now, progress = CASE WHEN :status = 'done' THEN 1.0 ELSE progress END "
                    "WHERE id = :id AND status = 'running' AND run_token = :token"
                ),
                {
                    "status": status,
                    "metrics": json.dumps(metrics) if metrics else None,
                    "error": error,
                    "now": time.time(),
                    "id": model_id,
                    "token": token,
                },
            ).rowcount
        return bool(changed)

    # --- the server's side ---------------------------------------------------------------
    def _status_for_update(self, db: Connection, model_id: str) -> str:
        row = db.execute(
            text(f"SELECT status FROM models WHERE id = :id{self._for_update}"), {"id": model_id}
        ).first()
        if row is None:
            raise NotFound(f"no model with id {model_id!r}")
        return str(row.status)

    def request_cancel(self, model_id: str) -> ModelRecord:
        """Cancel a queued job at once, or ask a running one to stop; Conflict if already finished."""
        with self._write() as db:
            status = self._status_for_update(db, model_id)
            if status in FINISHED:
                raise Conflict(f"model {model_id} has already finished ({status})")
            if status == "queued":
                db.execute(
                    text(
                        "UPDATE models SET status = 'cancelled', finished_at = :now, cancel_requested = 1 "
                        "WHERE id = :id"
                    ),
                    {"now": time.time(), "id": model_id},
                )
            else:
                db.execute(text("UPDATE models SET cancel_requested = 1 WHERE id = :id"), {"id": model_id})
        return self.get(model_id)

    def delete(self, model_id: str) -> None:
        """Remove a finished job's record and curve points; Conflict while it is queued or running."""
        with self._write() as db:
            status = self._status_for_update(db, model_id)
            if status not in FINISHED:
                raise Conflict(f"model {model_id} is {status}: cancel it before deleting it")
            db.execute(text("DELETE FROM curve_points WHERE model_id = :id"), {"id": model_id})
            db.execute(text("DELETE FROM models WHERE id = :id"), {"id": model_id})

    def end_running(self, model_id: str, status: Status, error: str | None = None) -> bool:
        """End a running job from outside its worker (killed worker, forced cancel)."""
        with self._write() as db:
            changed = db.execute(
                text(
                    "UPDATE models SET status = :status, error = :error, finished_at = :now, "
                    "run_token = NULL WHERE id = :id AND status = 'running'"
                ),
                {"status": status, "error": error, "now": time.time(), "id": model_id},
            ).rowcount
        return bool(changed)

    def fail_active(self, message: str, statuses: Sequence[Status] = ACTIVE) -> list[str]:
        """Mark every job in `statuses` failed with `message` (a starting server: all queued/running)."""
        marks, params = _in("s", statuses)
        with self._write() as db:
            ids = [
                r.id
                for r in db.execute(
                    text(f"SELECT id FROM models WHERE status IN {marks}{self._for_update}"), params
                )
            ]
            db.execute(
                text(
                    "UPDATE models SET status = 'failed', error = :message, finished_at = :now, "
                    f"run_token = NULL WHERE status IN {marks}"
                ),
                {"message": message, "now": time.time(), **params},
            )
        return ids

    def recover_silent(self, lease_seconds: float) -> tuple[list[str], list[str]]:
        """Jobs whose worker has not reported for `lease_seconds` (killed, its machine gone): requeued
        if they have been started fewer than MAX_ATTEMPTS times, else failed with the reason.
        (requeued ids, failed ids). Any worker may call it: the row locks make it happen once.
        """
        cutoff = time.time() - lease_seconds
        with self._write() as db:
            rows = db.execute(
                text(
                    "SELECT id, attempts FROM models WHERE status = 'running' "
                    f"AND heartbeat_at IS NOT NULL AND heartbeat_at < :cutoff{self._skip_locked}"
                ),
                {"cutoff": cutoff},
            ).all()
            retry = [r.id for r in rows if r.attempts < MAX_ATTEMPTS]
            give_up = [r.id for r in rows if r.attempts >= MAX_ATTEMPTS]
            for model_id in retry:  # from scratch: the same seed trains the same curve again
                db.execute(text("DELETE FROM curve_points WHERE model_id = :id"), {"id": model_id})
                db.execute(
                    text(
                        "UPDATE models SET status = 'queued', run_token = NULL, worker_pid = NULL, "
                        "progress = 0, heartbeat_at = :now WHERE id = :id"
                    ),
                    {"id": model_id, "now": time.time()},
                )
            for model_id in give_up:
                db.execute(
                    text(
                        "UPDATE models SET status = 'failed', run_token = NULL, finished_at = :now, "
                        "error = :error WHERE id = :id"
                    ),
                    {
                        "now": time.time(),
                        "id": model_id,
                        "error": f"the training worker stopped reporting (no progress for "
                        f"{lease_seconds:g} s), {MAX_ATTEMPTS} times: given up",
                    },
                )
        return retry, give_up

    def stale_queued(self, older_than_seconds: float) -> list[str]:
        """Queued jobs sent to the task queue more than `older_than_seconds` ago and still unclaimed
        (their message may be lost): their send time is renewed and their ids returned, for the
        caller to send again. A queued job's heartbeat_at is when it was last sent (NULL: when it
        was created). Any worker may call it: the row locks give each stale job to one caller.
        """
        now = time.time()
        with self._write() as db:
            ids = [
                r.id
                for r in db.execute(
                    text(
                        "SELECT id FROM models WHERE status = 'queued' "
                        f"AND COALESCE(heartbeat_at, created_at) < :cutoff{self._skip_locked}"
                    ),
                    {"cutoff": now - older_than_seconds},
                )
            ]
            if ids:
                marks, params = _in("m", ids)
                db.execute(
                    text(f"UPDATE models SET heartbeat_at = :now WHERE id IN {marks}"), {"now": now, **params}
                )
        return ids


def _sqlite_engine(path: Path) -> Engine:
    # NullPool: a connection per call, as before (safe across fork; WAL readers never block the writer).
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": 30.0})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (pysqlite's own is deferred)
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the lock up front: no deadlock between two read-then-write transactions.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _postgres_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):  # the documented form: psycopg 3 is the driver
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(
        url,
        pool_size=10,  # per process; event streams read from threads, so a few at once
        max_overflow=20,
        pool_pre_ping=True,  # a connection from before a database restart is replaced, not used
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


@contextmanager
def _unavailable_is_503() -> Iterator[None]:
    """A database that cannot be reached (stopped, restarting) is a 503 with Retry-After, not a 500.

    The transaction was not committed: nothing is half-written.
    """
    try:
        yield
    except PoolTimeout as exc:  # every pooled connection busy for pool_timeout: the same answer
        raise Overloaded(
            "the records database is busy; try again in a few seconds", retry_after=UNAVAILABLE_RETRY_SECONDS
        ) from exc
    except DBAPIError as exc:
        if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            raise  # a bug in our SQL, not an outage
        raise Overloaded(
            "the records database is unavailable; try again in a few seconds",
            retry_after=UNAVAILABLE_RETRY_SECONDS,
        ) from exc
