"""The command line in a real pseudo-terminal at 80 and 200 columns: nothing wider than the
terminal, no value cut or folded away, progress on a terminal and never on a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from conftest import SAMPLE

CLI = [str(Path(sys.executable).with_name("licensegraph"))]  # the console script, as users run it
# CSI (colours, cursor moves), OSC, and the single-character escapes rich's live display uses
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>78]")
THREE_LEVELS = "PrunaAI/inceptionai-jais-adapted-7b-chat-HQQ-4bit-smashed"  # -> chat -> base -> Llama 2


def run_pty(args: list[str], cols: int, env: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal `cols` wide; (exit code, screen text)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    full_env.update({"TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen([*CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=full_env,
                            start_new_session=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=timeout)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def screen_lines(raw: str) -> list[str]:
    """What each line shows: escapes stripped, every carriage-return overwrite kept as its own line."""
    text = ANSI.sub("", raw).replace("\r\n", "\n")
    return [piece for line in text.split("\n") for piece in line.split("\r")]


def assert_fits(raw: str, cols: int) -> list[str]:
    lines = screen_lines(raw)
    too_wide = [line for line in lines if len(line.rstrip()) > cols]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {cols}: {too_wide[:3]}"
    assert "…" not in raw, "a value was cut with an ellipsis"
    return lines


@pytest.fixture(scope="module")
def store_db(sample_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("terminal") / "store.duckdb"
    shutil.copyfile(sample_db, path)
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("cols", [80, 200])
def test_audit_fits_and_keeps_every_number(store_db, cols):
    code, raw = run_pty(["audit", "--db", str(store_db)], cols)
    assert code == 0, raw
    lines = assert_fits(raw, cols)
    screen = "\n".join(lines)
    data = json.loads(subprocess.run([*CLI, "audit", "--db", str(store_db), "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)
    for row in data["rows"]:
        assert row["label"] in screen
        assert f"{row['noncompliant']:,}" in screen and f"{row['qualifying']:,}" in screen
        assert f"{row['noncompliant_pct']:.1f}%" in screen
        for rel in row["by_relation"].values():
            assert f"{rel['pct']:.1f}%" in screen
    # the note at the end says which rows it is about
    assert "Note on La2E-merge, La3E-merge (llama-exclusive-merge)" in " ".join(l.strip() for l in lines)


@pytest.mark.parametrize("cols", [80, 200])
def test_explain_three_levels_indents_wrapped_lines(store_db, cols):
    code, raw = run_pty(["explain", THREE_LEVELS, "--db", str(store_db)], cols)
    assert code == 0, raw
    lines = assert_fits(raw, cols)
    text = "\n".join(lines)
    for ancestor in ("inceptionai/jais-adapted-7b-chat", "inceptionai/jais-adapted-7b", "meta-llama/Llama-2-7b"):
        assert ancestor in text
    # every line after a finding's first keeps an indent (no continuation falls back to column 0)
    starts = ("violation", "warning", "risk", "effective duties", "lineage", "licensegraph", THREE_LEVELS, "no ",
              "cycle", "dangling", "self-loop", "card-tag", "│", "├", "└", "   ", "  ")
    body = [l for l in lines if l.strip()]
    assert all(l.startswith(starts) for l in body), [l for l in body if not l.startswith(starts)][:3]


@pytest.mark.parametrize("cols", [80, 200])
def test_check_with_a_violation(tmp_path, cols):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-2-7b-hf\nmodel_name: my-chat\n---\n# x\n")
    code, raw = run_pty(["check", str(card), "--parent-license", "meta-llama/Llama-2-7b-hf=llama2",
                         "--db", str(tmp_path / "none.duckdb")], cols)
    # --db to a missing store is bad input; without it the card is checked from --parent-license alone
    assert code == 2
    code, raw = run_pty(["check", str(card), "--parent-license", "meta-llama/Llama-2-7b-hf=llama2"], cols,
                        env={"LICENSEGRAPH_DB": str(tmp_path / "absent.duckdb")})
    assert code == 1, raw
    lines = assert_fits(raw, cols)
    text = " ".join(l.strip() for l in lines)
    assert "copyleft-style-dropped" in text and "license: llama2" in text


@pytest.mark.parametrize("cols", [80, 200])
def test_ingest_shows_progress_on_a_terminal_and_full_file_names(tmp_path, cols):
    db = tmp_path / "s.duckdb"
    code, raw = run_pty(["ingest", str(SAMPLE), "--db", str(db)], cols)
    assert code == 0, raw
    lines = assert_fits(raw, cols)
    text = "\n".join(lines)
    assert SAMPLE.name in text  # the whole file name, not "hub-sampl…"
    assert "building the lineage graph" in text  # the progress display named the longest step


def test_no_progress_on_a_pipe_or_with_quiet(tmp_path):
    db = tmp_path / "s.duckdb"
    piped = subprocess.run([*CLI, "ingest", str(SAMPLE), "--db", str(db)], capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert "building the lineage graph" not in piped.stderr and "\x1b[" not in piped.stderr
    code, raw = run_pty(["ingest", str(SAMPLE), "--db", str(tmp_path / "q.duckdb"), "--quiet"], 80)
    assert code == 0 and "building the lineage graph" not in raw
    code, raw = run_pty(["ingest", str(SAMPLE), "--db", str(tmp_path / "v.duckdb"), "--quiet", "--verbose"], 80)
    assert code == 0 and re.search(r"building the lineage graph: \d+\.\d\ds", ANSI.sub("", raw))


@pytest.mark.parametrize("args", [["stats"], ["rules"], ["rejects"], ["choose", "-p", "llama3.1", "-p", "apache-2.0"]])
def test_other_commands_fit_80_columns(store_db, args):
    extra = [] if args[0] in ("rules", "choose") else ["--db", str(store_db)]
    code, raw = run_pty([*args, *extra], 80)
    assert code == 0, raw
    assert_fits(raw, 80)


def test_help_has_no_type_noise_and_an_example():
    code, raw = run_pty(["audit", "--help"], 80)
    assert code == 0
    text = ANSI.sub("", raw)
    assert "<bool>" not in text and "<str>" not in text
    assert "Example: licensegraph audit" in text


def test_no_color_and_version():
    code, raw = run_pty(["--no-color", "rules"], 80)
    assert code == 0 and "\x1b[3" not in raw  # no colour codes
    code, raw = run_pty(["rules"], 80, env={"NO_COLOR": "1"})
    assert code == 0 and "\x1b[3" not in raw
    out = subprocess.run([*CLI, "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and re.fullmatch(r"licensegraph \d+\.\d+\.\d+\S*\n", out.stdout)
