"""docker-compose.yml under podman-compose (issue 15 §3; podman has no Docker daemon): both profiles
validate with `podman-compose config`, and podman-compose reads the same services, the same
volume names and the same settings as Compose v2 (tests/deploy/test_compose_scale.py), so a
lecturer on podman gets what the docs describe.

Skipped, saying what to install, where podman or podman-compose is missing: `apt-get install podman`
and `pip install podman-compose` (scripts/podman-smoke.sh installs both). PODMAN_COMPOSE names
another podman-compose executable (one in its own virtualenv, say).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.deploy.test_compose_scale import COMPOSE, compose_config

PROFILES = [pytest.param((), id="plain-up"), pytest.param(("--profile", "scale"), id="scale")]


def podman_compose() -> str:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (Debian: apt-get install podman)")
    binary = os.environ.get("PODMAN_COMPOSE") or shutil.which("podman-compose")
    if binary is None:
        pytest.skip("podman-compose is not installed (pip install podman-compose)")
    return binary


def podman_config(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [podman_compose(), "-f", str(COMPOSE), *args, "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def volume_names(config: dict[str, Any], service: dict[str, Any]) -> list[str]:
    """The real volume names a service mounts (each compose volume's `name:`, or a bind mount's
    absolute path), however it is spelled."""
    names = []
    for volume in service.get("volumes", []):
        source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
        if source in config.get("volumes", {}):
            names.append(config["volumes"][source]["name"])
        else:  # a bind mount (the proxy's nginx.conf): v2 writes it absolute, podman-compose relative
            names.append(str((REPO / source).resolve()))
    return names


@pytest.mark.parametrize("profile", PROFILES)
def test_podman_compose_reads_what_compose_v2_reads(profile: tuple[str, ...]) -> None:
    podman, v2 = podman_config(*profile), compose_config(*profile)
    active = {name for name, s in podman["services"].items() if not s.get("profiles") or profile}
    assert active == set(v2["services"])
    for name in active:
        ours, theirs = podman["services"][name], v2["services"][name]
        # One volume name everywhere: podman-compose must not prefix the folder's name.
        assert volume_names(podman, ours) == volume_names(v2, theirs)
        assert ours.get("environment", {}) == theirs.get("environment", {})
        assert ours.get("command") == theirs.get("command")
        assert ours.get("read_only") == theirs.get("read_only") and ours.get("cap_drop") == theirs.get(
            "cap_drop"
        )
        assert ours.get("deploy", {}).get("replicas") == theirs.get("deploy", {}).get("replicas")
    assert volume_names(podman, podman["services"]["app"]) == ["autograd-explorer-data"]


def test_the_scale_profile_under_podman_is_the_proxy_replicas_workers_and_stores() -> None:
    services = podman_config("--profile", "scale")["services"]
    assert {"app", "proxy", "web", "worker", "postgres", "redis"} <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2 and services["worker"]["deploy"]["replicas"] == 2
    # podman-compose 1.6 starts one container, whatever `replicas` says, unless the mode (compose's
    # default) is spelled out: the real bring-up (scripts/podman-compose-scale-smoke.sh) found it.
    assert services["web"]["deploy"]["mode"] == services["worker"]["deploy"]["mode"] == "replicated"
    assert services["worker"]["command"] == ["autograd-explorer", "worker"]
