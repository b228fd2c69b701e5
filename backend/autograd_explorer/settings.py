"""The one Settings object: every knob of the app, read from AUTOGRAD_EXPLORER_* variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Limits, paths and worker counts; `AUTOGRAD_EXPLORER_<NAME>` overrides each field."""

    model_config = SettingsConfigDict(env_prefix="AUTOGRAD_EXPLORER_", extra="ignore")

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Everything the app stores: SQLite, model weights.")
    mnist_dir: Path | None = Field(None, description="Folder holding the MNIST IDX files (gzip or raw).")
    frontend_dir: Path | None = Field(None, description="Static app folder; default: the repo's frontend/.")

    # --- server ------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(1_000_000, ge=1_000)
    max_concurrent_requests: int = Field(32, ge=1, description="Above this, answer 503 + Retry-After.")

    # --- explorer language limits --------------------------------------------------------
    max_source_chars: int = Field(20_000, ge=10)
    max_ast_nodes: int = Field(5_000, ge=10)
    max_nesting_depth: int = Field(60, ge=5)
    max_loop_iterations: int = Field(10_000, ge=1)
    max_operations: int = Field(20_000, ge=10, description="Calls and operators executed per request.")
    max_tensor_elements: int = Field(1_000_000, ge=1)
    max_total_elements: int = Field(10_000_000, ge=1)
    max_int_bits: int = Field(4_096, ge=64, description="Largest Python integer a program may build.")
    max_wall_seconds: float = Field(5.0, gt=0)

    # --- trace output --------------------------------------------------------------------
    max_value_elements: int = Field(64, ge=1, description="Tensors larger than this are summarized.")
    max_jacobian_elements: int = Field(1_024, ge=1, description="Largest local Jacobian computed.")
    max_trace_nodes: int = Field(20_000, ge=10)
    torchviz_max_nodes: int = Field(400, ge=10, description="Graphviz layout is quadratic: cap it.")

    # --- optimization lab ------------------------------------------------------------------
    max_trajectory_steps: int = Field(20_000, ge=1)
    max_trajectory_runs: int = Field(12, ge=1)
    max_surface_grid: int = Field(300, ge=2)

    # --- training jobs --------------------------------------------------------------------
    training_workers: int = Field(1, ge=1, le=8)
    max_queued_jobs: int = Field(64, ge=1)
    max_training_steps: int = Field(5_000, ge=1)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (FastAPI dependency; tests override it)."""
    return Settings()
