"""Facts of the real sample the dashboard tests rely on, and where their artifacts go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The real model of the sample the dashboard tests look at: a Llama 2 adapter-chat whose
#: parent inceptionai/jais-adapted-7b is itself noncompliant; 15 models are built on it.
FOCUS = "inceptionai/jais-adapted-7b-chat"
FOCUS_PARENT = "inceptionai/jais-adapted-7b"
FOCUS_ROOT = "meta-llama/Llama-2-7b"
FOCUS_CHILDREN = 15

ARTIFACTS = Path(os.environ.get("LICENSEGRAPH_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


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

#: The model the second recorded run of `runs_db` (tests/conftest.py) relicenses.
from conftest import RELICENSED, RELICENSED_FROM, RELICENSED_TO  # noqa: E402, F401
