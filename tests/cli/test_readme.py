"""Every `licensegraph` command example in the README runs, so none can go stale.

Examples are taken from the README's sh/console code blocks and from the `run:` steps of its
YAML blocks (the CI recipe). They run in order, as a user would type them, in three chains
of sections, each with a working folder and a fresh default store of its own (so that xdist
runs them side by side): "Run" (the snapshot and the 535k-row lineage file ingested, then
audited) and "Crawling the Hub" (whose first crawl is "first time: the whole Hub") each
start from nothing; every other section follows the Quickstart, whose store the later
sections read. `../shared/data` is the real data, `models/*/README.md` are model cards made
here, and the network is the fake Hub on 127.0.0.1 serving the sample. Install lines, the
test command and benchmarks are exempt.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATASETS, SHARED
from fakehub import load_records

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
EXEMPT = re.compile(r"^(python3(\.11)? -m venv|pip install|\.venv/bin/pip |\.venv/bin/python |python bench/)")
#: Commands documented to exit 1 when they find violations (check, audit --fail-on).
MAY_FIND = re.compile(r"^licensegraph (check|audit .*--fail-on)")

CARDS = {
    "models/my-chat-model/README.md": ("---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B\n"
                                       "model_name: my-chat-model\n---\n# my chat model\n"),
    "models/llama-tuned/README.md": ("---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n"
                                     "model_name: Llama-3.1-tuned\n---\n# Built with Llama\n"),
}


#: The sections that start from nothing, each a chain of its own; the others follow the Quickstart.
OWN_CHAIN = ("Run", "Crawling the Hub")
CHAINS = ("Quickstart", *OWN_CHAIN)


def readme_sections(text: str) -> list[tuple[str, str]]:
    """The README's level-2 sections, in order: (title, text); headings inside code blocks
    do not count."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    fenced = False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
            continue
        sections[-1][1].append(line)
    return [(title, "\n".join(lines)) for title, lines in sections]


def chain_commands(text: str) -> dict[str, list[str]]:
    """The README's commands by chain (see the module's docstring), each in README order."""
    chains: dict[str, list[str]] = {name: [] for name in CHAINS}
    for title, body in readme_sections(text):
        chains[title if title in OWN_CHAIN else "Quickstart"] += readme_commands(body)
    return chains


def readme_commands(text: str) -> list[str]:
    """The README's `licensegraph` command lines, in order, continuations joined."""
    commands: list[str] = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S):
        if lang in ("sh", "console", "bash", "shell"):
            lines = body.split("\n")
        elif lang == "yaml":
            lines = _yaml_run_lines(body)
        else:
            continue
        joined: list[str] = []
        for line in lines:
            line = line.strip()
            if joined and joined[-1].endswith("\\"):
                joined[-1] = joined[-1][:-1].rstrip() + " " + line
            else:
                joined.append(line)
        for line in joined:
            line = re.sub(r"^\$ ", "", line)
            line = re.sub(r"\s+#.*$", "", line)  # trailing comments
            if not line or line.startswith("#") or EXEMPT.match(line):
                continue
            for part in line.split("&&"):
                part = part.strip().replace(".venv/bin/licensegraph", "licensegraph")
                if part.startswith("licensegraph"):
                    commands.append(part)
    return commands


def _yaml_run_lines(body: str) -> list[str]:
    """The shell lines of `run:` steps in a YAML block (`run: cmd` or `run: |` blocks)."""
    out: list[str] = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:- )?run: ?(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, rest = len(m.group(1)), m.group(2).strip()
        i += 1
        if rest not in ("|", ">"):
            out.append(rest)
            continue
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            out.append(lines[i])
            i += 1
    return out


def test_readme_has_the_examples_this_test_runs():
    text = README.read_text(encoding="utf-8")
    commands = readme_commands(text)
    verbs = {c.split()[1] for c in commands if len(c.split()) > 1}
    # the quickstart (live Hub), the offline quickstart, and each publisher/CI recipe are there
    assert {"crawl", "audit", "ingest", "explain", "check", "choose"} <= verbs, verbs
    assert any(c.startswith("licensegraph crawl --model") for c in commands)
    # the chains run every command once, in README order within each
    chains = chain_commands(text)
    assert sorted(c for chain in chains.values() for c in chain) == sorted(commands)
    assert chains["Quickstart"][0].startswith("licensegraph crawl --model")
    assert chains["Run"][0] == ("licensegraph ingest ../shared/data/hub-sample-2025.jsonl.gz "
                                "../shared/data/hub-lineage-2025.csv.gz")
    assert chains["Crawling the Hub"][:2] == ["licensegraph crawl", "licensegraph crawl"]
    assert all(len(chain) >= 2 for chain in chains.values()), chains


@pytest.mark.long
@pytest.mark.parametrize("chain", CHAINS)
def test_every_readme_example_runs(tmp_path, hub, chain):
    commands = chain_commands(README.read_text(encoding="utf-8"))[chain]
    hub.put_datasets(load_records(DATASETS))  # for `crawl --datasets`
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "shared").symlink_to(SHARED.parent)  # ../shared/data as in the README
    for rel, text in CARDS.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text, encoding="utf-8")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "LICENSEGRAPH_DB": str(tmp_path / "default.duckdb"), "COLUMNS": "100"}
    ran = []
    for command in commands:
        if command.startswith("licensegraph serve"):
            assert_serves(command, work, env)
            ran.append(command)
            continue
        proc = subprocess.run(command, shell=True, executable="/bin/bash", cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)
        allowed = {0, 1} if MAY_FIND.match(command) else {0}
        assert proc.returncode in allowed, f"{command!r} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr, f"{command!r}:\n{proc.stderr[-2000:]}"
        ran.append(command)
    assert ran == commands


def assert_serves(command: str, cwd: Path, env: dict[str, str]) -> None:
    """`serve` runs until stopped: it must print its URL on 127.0.0.1 and answer there."""
    import urllib.request

    if "--port" not in command:
        command += " --port 0"  # the README's default port may be taken on a test machine
    proc = subprocess.Popen(command, shell=True, executable="/bin/bash", cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url = None
        for _ in range(200):
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+/?", line)
            if found:
                url = found.group(0)
                break
        assert url, f"{command!r} printed no URL"
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
