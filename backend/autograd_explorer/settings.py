"""The one Settings object: every knob of the app, read from AUTOGRAD_EXPLORER_* variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from autograd_explorer.trace import limits
from autograd_explorer.train.config import MAX_STEPS


class Settings(BaseSettings):
    """Limits, paths and worker counts; `AUTOGRAD_EXPLORER_<NAME>` overrides each field."""

    model_config = SettingsConfigDict(env_prefix="AUTOGRAD_EXPLORER_", extra="ignore")

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Everything the app stores: SQLite, model weights.")
    mnist_dir: Path | None = Field(None, description="Folder holding the MNIST IDX files (gzip or raw).")
    mnist_url: str = Field(
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        pattern=r"^https?://",
        description="Folder URL `autograd-explorer download-mnist` fetches the four gzip files from "
        "(a mirror where the network has no way out); each is checked against MNIST's MD5.",
    )
    frontend_dir: Path | None = Field(None, description="Static app folder; default: the repo's frontend/.")

    # --- server ------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(1_000_000, ge=1_000)
    max_concurrent_requests: int = Field(32, ge=1, description="Above this, answer 503 + Retry-After.")
    max_event_streams: int = Field(
        100, ge=1, description="Open job event streams (their own cap); above this, 503 + Retry-After."
    )
    body_drain_bytes: int = Field(
        32_000_000,
        ge=0,
        description="A refused (413) body up to this size is read and dropped first, so the client "
        "sees the 413 instead of a connection reset.",
    )
    body_drain_seconds: float = Field(5.0, ge=0, description="Longest time spent dropping a refused body.")
    gzip_min_bytes: int = Field(
        1_000,
        ge=0,
        description="Answers at least this long are gzipped for clients that accept it (event streams "
        "never are: they must reach the browser as they are written).",
    )
    gzip_level: int = Field(
        1,
        ge=1,
        le=9,
        description="zlib level: 1 makes a 3.6 MB compact trace 6.1x smaller in 17 ms of CPU; 6 makes it "
        "6.4x smaller in 67 ms (docs/api.md, Compression).",
    )

    # --- explorer language limits --------------------------------------------------------
    max_source_chars: int = Field(20_000, ge=10)
    max_ast_nodes: int = Field(5_000, ge=10)
    max_nesting_depth: int = Field(60, ge=5)
    # Sized from the lecture: the §8 loop runs 4000 iterations of about 40 operations each.
    max_loop_iterations: int = Field(100_000, ge=1)
    max_operations: int = Field(1_000_000, ge=10, description="Calls and operators executed per request.")
    max_call_depth: int = Field(40, ge=1, description="Nested calls of a program's own functions.")
    max_tensor_elements: int = Field(1_000_000, ge=1)
    # "Learning PyTorch with Examples" creates about 70 million elements (2000 steps on 2000 points).
    max_total_elements: int = Field(100_000_000, ge=1)
    max_int_bits: int = Field(4_096, ge=64, description="Largest Python integer a program may build.")
    max_wall_seconds: float = Field(5.0, gt=0)

    # --- trace output --------------------------------------------------------------------
    max_value_elements: int = Field(
        limits.MAX_VALUE_ELEMENTS, ge=1, description="Tensors larger than this are summarized."
    )
    max_jacobian_elements: int = Field(
        limits.MAX_JACOBIAN_ELEMENTS,
        ge=1,
        description="Largest local Jacobian computed (rows x columns); each row costs one call.",
    )
    max_jacobian_steps: int = Field(
        limits.MAX_JACOBIAN_STEPS,
        ge=0,
        description="Jacobians for the first N steps of a pass only (each costs node calls).",
    )
    max_trace_nodes: int = Field(limits.MAX_TRACE_NODES, ge=10)
    torchviz_max_nodes: int = Field(400, ge=10, description="Graphviz layout is quadratic: cap it.")
    torchviz_layout_seconds: float = Field(
        5.0, gt=0, description="Give up on Graphviz's layout after this long (a 135-node MLP took 67 s)."
    )

    # --- optimization lab ------------------------------------------------------------------
    max_trajectory_steps: int = Field(20_000, ge=1)
    max_trajectory_runs: int = Field(12, ge=1)
    max_surface_grid: int = Field(300, ge=2)
    # (issue 4) further optimization-lab knobs
    max_trajectory_total_steps: int = Field(100_000, ge=1, description="All runs of one /api/trajectories.")
    max_trajectory_seconds: float = Field(20.0, gt=0, description="Wall time of one run, then refused.")
    max_regression_iterations: int = Field(20_000, ge=1)
    max_sweep_iterations: int = Field(100_000, ge=1, description="Learning rates × longest run in one sweep.")

    # --- training jobs --------------------------------------------------------------------
    training_workers: int = Field(1, ge=1, le=8)
    max_queued_jobs: int = Field(64, ge=1)
    max_training_steps: int = Field(5_000, ge=1, le=MAX_STEPS)
    # (issue 15) scale-out: records in PostgreSQL, training by `autograd-explorer worker` processes
    database_url: SecretStr | None = Field(
        None,
        description="postgresql://user:password@host/db: job and model records there (every replica and "
        "worker the same); unset: SQLite in data_dir. data_dir then holds only the weights: mount one "
        "shared folder as data_dir on every replica and worker.",
    )
    broker_url: SecretStr | None = Field(
        None,
        description="redis://host:6379/0: follow-mode rooms live in Redis and reach every app replica "
        "through its pub/sub, and with job_workers=external training jobs go to the workers through a "
        "Dramatiq queue there; unset: rooms live in this process (one replica), workers poll the database.",
    )
    job_workers: Literal["local", "external"] = Field(
        "local",
        description="local: the server runs training_workers itself; external: it only queues jobs, and "
        "`autograd-explorer worker` processes (on any machine) train them.",
    )
    worker_lease_seconds: float = Field(
        30.0,
        gt=0,
        description="External workers: a running job that has not reported for this long (its worker was "
        "killed) is requeued once, then failed with the reason; with a broker, a queued job unclaimed for "
        "this long (its message lost) is sent again.",
    )
    deduplicate_jobs: bool = Field(
        True,
        description="A training request identical to a queued, running or done job (same data, model, "
        "optimizer, steps, seed) gets that job instead of a new one.",
    )

    # --- models lab (issue 5: jobs, events, serving) ---------------------------------------
    cancel_grace_seconds: float = Field(
        3.0, gt=0, description="A running job that ignores a cancel is killed."
    )
    events_poll_seconds: float = Field(0.25, gt=0, description="How often the event stream looks for points.")
    events_stream_seconds: float = Field(
        15.0, gt=0, description="An event stream closes after this long; EventSource reconnects and resumes."
    )
    max_predict_points: int = Field(10_000, ge=1, description="2-D points per predict request.")
    max_boundary_resolution: int = Field(200, ge=2, description="Decision-boundary grid side.")
    max_misclassified: int = Field(200, ge=1, description="Examples per misclassified request.")
    max_models_page: int = Field(500, ge=1, description="Records per page of GET /api/models.")
    lecturer_token: SecretStr | None = Field(
        None,
        description="Cancels or deletes any training job (Authorization: Bearer <token>); unset: only the "
        "token each job was created with.",
    )

    # --- follow mode: rooms (issue 15) --------------------------------------------------------
    rooms_max_streams: int = Field(
        1_000,
        ge=1,
        description="Open room streams (their own cap: a class follows at once); beyond, 503.",
    )
    rooms_max_open: int = Field(
        1_000, ge=1, description="Rooms open at once (embedded backend); beyond, 503."
    )
    rooms_max_state_bytes: int = Field(
        256_000, ge=1_000, description="Largest shared state of a room (compact JSON); beyond, 413."
    )
    rooms_idle_seconds: float = Field(
        14_400.0, gt=0, description="A room nobody drives for this long closes (its code stops working)."
    )
    rooms_stream_seconds: float = Field(
        300.0, gt=0, description="A room stream closes after this long; EventSource reconnects and resumes."
    )
    rooms_keepalive_seconds: float = Field(
        15.0, gt=0, description="A comment line on a quiet room stream this often, so proxies keep it open."
    )

    # --- deployment: edge, logs, isolated evaluation (issue 6) ------------------------------
    log_format: Literal["json", "text"] = Field("json", description="Log lines as JSON objects or text.")
    log_level: str = Field("INFO", pattern=r"^(?i:debug|info|warning|error)$")
    content_security_policy: str = Field(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        description="Sent on every answer; Plotly and Cytoscape need inline styles, viz.js WebAssembly.",
    )
    eval_isolation: Literal["process", "inline"] = Field(
        "process", description="Run user programs in rlimited worker processes, or inline (tests only)."
    )
    eval_workers: int = Field(2, ge=1, le=32, description="Worker processes evaluating programs.")
    eval_memory_mb: int = Field(1_024, ge=64, description="Memory (address space) a worker may add.")
    eval_queue: int = Field(64, ge=0, description="Requests that may wait for a worker; beyond: 503.")
    eval_queue_seconds: float = Field(10.0, gt=0, description="Longest wait for a free worker; then 503.")
    eval_grace_seconds: float = Field(
        1.0, ge=0, description="Added to max_wall_seconds before a worker is killed."
    )
    warm_answers: bool = Field(
        True,
        description="Once the workers are ready, compute the pages' opening and example answers "
        "(api/preset_answers.py), so the first student is answered from memory too.",
    )
    details_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="How long the server keeps a step-details answer (POST /api/trace/details) for the "
        "same program, window and settings (api/answer_cache.py); 0: never kept, every request runs again.",
    )
    trace_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="How long the server keeps a trace's answer (POST /api/trace, /api/torchviz) for the "
        "same program, inputs, form and settings (api/answer_cache.py): a class following a lecturer "
        "asks for the same program at once and it runs once; 0: never kept, every request runs again.",
    )
    details_prefetch: bool = Field(
        False,
        description="Once a compact trace is answered, compute the step details the explorer asks for "
        "first (api/details_prefetch.py), while the page decodes and draws; needs details_cache_seconds > 0. "
        "Off by default: on a machine whose cores also run the browser it slowed the drawing.",
    )
    eval_max_jobs_per_worker: int = Field(1_000, ge=1, description="Jobs before a worker is recycled.")
    # (issue 9) one sandbox for every program
    max_result_bytes: int = Field(
        limits.MAX_RESULT_BYTES,
        ge=10_000,
        description="Largest JSON answer of one evaluation (a trace, a surface…).",
    )


def database_url(settings: Settings) -> str | None:
    """The records database's URL, or None for the SQLite file in data_dir."""
    return settings.database_url.get_secret_value() if settings.database_url else None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (FastAPI dependency; tests override it)."""
    return Settings()
