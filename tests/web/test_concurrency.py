"""The dashboard keeps serving while another process writes the store, never blocks that
writer, and shows the new state once the write is complete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from dashboard_facts import FOCUS_PARENT, Server

NEW_ID = "concurrency-test/jais-child"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_serving_during_ingest_and_audit(sample_db, tmp_path):
    db = tmp_path / "live.duckdb"
    shutil.copyfile(sample_db, db)
    os.chmod(db, 0o644)
    records = tmp_path / "new.jsonl"
    records.write_text(json.dumps({
        "id": NEW_ID, "author": "concurrency-test", "sha": "1" * 40,
        "created_at": "2025-05-01 00:00:00+00:00", "last_modified": "2025-05-02 00:00:00+00:00",
        "private": False, "gated": False, "disabled": False, "downloads": 3, "likes": 0,
        "library_name": None, "pipeline_tag": None, "tags": ["license:mit"],
        "card_data": f"license: mit\nbase_model: {FOCUS_PARENT}\n",
    }) + "\n")
    exe = str(Path(sys.executable).with_name("licensegraph"))
    server = Server(db)
    try:
        base = server.url.rstrip("/")
        status, before = get(base + "/api/stats")
        assert status == 200
        assert get(f"{base}/api/models/{quote(NEW_ID)}")[0] == 404

        writer = subprocess.Popen(
            f"{exe} ingest --db {db} {records} && {exe} audit --db {db}", shell=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        answers = []
        while writer.poll() is None:  # the server answers all along, from the last complete state
            answers.append(get(base + "/api/stats")[0])
            answers.append(get(f"{base}/api/models/{quote(FOCUS_PARENT)}/graph?depth=1")[0])
            time.sleep(0.05)
        out, err = writer.communicate()
        assert writer.returncode == 0, err  # the server held nothing that blocks the writer
        assert answers and set(answers) == {200}, answers

        status, after = get(base + "/api/stats")
        assert status == 200
        assert after["models"]["with_record"] == before["models"]["with_record"] + 1
        status, model = get(f"{base}/api/models/{quote(NEW_ID)}")
        assert status == 200 and model["model"]["license"] == "mit"
        assert model["audited"] and any(f["rule_id"] for f in model["findings"])  # the audit after it, too
        status, graph = get(f"{base}/api/models/{quote(FOCUS_PARENT)}/graph?depth=1&limit=200")
        assert NEW_ID in {n["model_id"] for n in graph["nodes"]}
    finally:
        server.stop()
