"""Fixtures of the dashboard tests: the app over the shared sample store, and a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from licensegraph.web import create_app



@pytest.fixture(scope="session")
def client(sample_db) -> TestClient:
    """The dashboard over the shared (audited, read-only) sample store, in process."""
    with TestClient(create_app(sample_db)) as c:
        yield c


class Server:
    """`licensegraph serve` running in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, db: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("licensegraph")), "serve", "--db", str(db), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.url = ""
        for _ in range(20):  # the URL line comes first, before uvicorn's own output
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if "http://" in line:
                self.url = line[line.index("http://"):].split()[0]
                break
        if not self.url:
            self.stop()
            raise RuntimeError(f"the server printed no URL: {self.lines} {self.proc.stderr.read()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def live_server(sample_db):
    server = Server(sample_db)
    yield server
    server.stop()
