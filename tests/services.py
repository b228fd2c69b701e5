"""Real Redis and PostgreSQL servers for tests: Debian's binaries, loopback, random ports, temp dirs.

Import the fixtures in a conftest.py: `from tests.services import redis_server  # noqa: F401`.
A test is skipped, saying which package to install, only when the server binary is missing
(`make install-system` installs both; CI does).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import free_port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


class RedisServer:
    """One redis-server with an append-only file fsynced on every write (so a restart loses nothing);
    `persistent=False`: no file at all, so a restart loses every key (the task-queue fault test)."""

    def __init__(self, folder: Path, *, persistent: bool = True) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (Debian package redis-server; make install-system)")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        args += ["--save", "", "--daemonize", "no"]
        persistence = ["--appendonly", "yes", "--appendfsync", "always"]
        args += persistence if self.persistent else ["--appendonly", "no"]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes its append-only file and exits
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for one test."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throw-away PostgreSQL cluster run as the `postgres` user when we are root (initdb refuses root).

    Its folder is a fresh one under the system temp dir: pytest's own is root's alone (0700), where
    the postgres user could not reach it.
    """

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL is not installed (Debian package postgresql; make install-system)")
        folder = Path(tempfile.mkdtemp(prefix="autograd-explorer-pg-"))
        self.bin, self.folder, self.port = bin_dir, folder, free_port()
        self.data = folder / "pgdata"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def started(cls) -> PostgresServer:
        """A new cluster, initialised and accepting connections; `discard()` it when done."""
        server = cls()
        try:
            server.init()
            server.start()
        except BaseException:
            server.discard()
            raise
        return server

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.folder.chmod(0o700)
        subprocess.run(
            [
                *self._as_owner(),
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        log = open(self.folder / "postgres.log", "ab")  # noqa: SIM115
        args = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1"]
        args += ["-k", str(self.folder), "-c", "fsync=off", "-c", "max_connections=200"]
        self.process = subprocess.Popen([*self._as_owner(), *args], stdout=log, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, "postgres")
        ready = [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        deadline = time.monotonic() + 30
        while subprocess.run(ready).returncode != 0:  # listening is not yet accepting ("starting up")
            if time.monotonic() > deadline:
                raise RuntimeError("postgres did not accept connections within 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        """A fast shutdown (clients disconnected, like a restart); SIGTERM would wait for them all."""
        if self.process is not None and self.process.poll() is None:
            pg_ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast", "-w"]
            subprocess.run([*self._as_owner(), *pg_ctl], capture_output=True, timeout=60)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def discard(self) -> None:
        """Stop and delete the cluster: its folder is outside pytest's, which cleans only its own."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster for one test (initdb takes a second or two)."""
    server = PostgresServer.started()
    try:
        yield server
    finally:
        server.discard()
