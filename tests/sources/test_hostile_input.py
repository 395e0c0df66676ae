"""Hostile and broken input: property tests of the record and card parsers, the alias bomb
under a memory cap, and one test per defect of issue 9 on a copy of a real sample record
with one field broken (exit code, the reject or warning text, and that what was stored
before is unchanged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SAMPLE, real_record, write_jsonl
from licensegraph.cli import app
from licensegraph.sources.card import MAX_CARD_CHARS, MAX_DEPTH, CardError, yaml_to_slim_json
from licensegraph.sources.ingest import read_records
from licensegraph.store.db import Store

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def billion_laughs(levels: int = 10, width: int = 10, key: str = "license") -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\n{key}: *a{levels - 1}\n"


# --------------------------------------------------------------------------- properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
ODD_SCALARS = ["~", ".nan", "-.inf", "0x1F", "0o17", "1_000", "yes", "No", "2025-01-01", "2025-01-01T10:00:00Z",
               "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!python/object:os.system x", "'\\x00'",
               "\"\\u0000\"", "[", "{a: ", "!!str", "*undefined", "&anchor", "? [a, b]\n: c", "|\n  text", ">-"]


@st.composite
def card_yaml(draw) -> str:
    """YAML with anchors and aliases, merge keys, deep nesting and odd scalars."""
    parts = []
    anchors = []
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["anchor", "alias-list", "merge", "deep", "odd", "plain"]))
        if kind == "anchor" or not anchors and kind in ("alias-list", "merge"):
            anchors.append(f"x{i}")
            value = json.dumps(draw(json_values))
            parts.append(f"k{i}: &x{i} {value}")
        elif kind == "alias-list":
            refs = draw(st.lists(st.sampled_from(anchors), min_size=1, max_size=12))
            anchors.append(f"x{i}")
            parts.append(f"k{i}: &x{i} [" + ", ".join(f"*{r}" for r in refs) + "]")
        elif kind == "merge":
            parts.append(f"k{i}: {{<<: *{draw(st.sampled_from(anchors))}, z: 1}}")
        elif kind == "deep":
            depth = draw(st.integers(1, 3 * MAX_DEPTH))
            parts.append(f"k{i}: " + "[" * depth + "]" * depth)
        elif kind == "odd":
            parts.append(f"k{i}: {draw(st.sampled_from(ODD_SCALARS))}")
        else:
            parts.append(yaml.safe_dump({f"k{i}": draw(json_values)}).strip())
    field = draw(st.sampled_from(["license", "base_model", "datasets", "license_name", "model_name"]))
    value = f"*{draw(st.sampled_from(anchors))}" if anchors and draw(st.booleans()) else json.dumps(draw(json_values))
    parts.append(f"{field}: {value}")
    return "\n".join(draw(st.permutations(parts)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(card_yaml(), st.text(max_size=200)))
def test_card_parser_accepts_or_rejects_with_a_reason(text):
    try:
        out = yaml_to_slim_json(text)
    except CardError as exc:
        assert str(exc) and len(str(exc)) < 400  # a reason, quoting at most a short excerpt
        return
    assert isinstance(json.loads(out), dict)


@pytest.fixture(scope="module")
def memory_store():
    s = Store(":memory:")
    yield s
    s.close()


record_fields = st.fixed_dictionaries({}, optional={
    name: json_values for name in ("author", "sha", "created_at", "last_modified", "private", "gated", "disabled",
                                   "downloads", "likes", "library_name", "pipeline_tag", "tags")
} | {"id": st.one_of(json_values, st.sampled_from(["org/model", " org/model ", "a b/c", "../x", "ünï/code"])),
     "card_data": st.one_of(json_values, card_yaml())})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(record_fields, json_values), min_size=1, max_size=4))
def test_record_parser_stores_or_rejects_every_record_with_a_reason(memory_store, records):
    memory_store.execute("DELETE FROM rejects")
    summary = read_records(memory_store, records, "prop.jsonl")
    accounted = summary.stored + summary.updated + summary.unchanged + summary.superseded + summary.rejected
    assert summary.read == len(records) == accounted
    reasons = memory_store.execute("SELECT part, reason FROM rejects").fetchall()
    assert all(reason for _, reason in reasons)
    assert sum(1 for part, _ in reasons if part == "record") == summary.rejected


@pytest.mark.parametrize("licenses, kept", [
    (['a""b', 1], ['a""b']),  # escaped quotes balance the number's missing ones
    (['x,[y', 'p[q]'], ['x,[y', 'p[q]']),  # brackets inside texts
    (['mit', ['x']], ['mit']),  # a list entry
    (['mit', 'apache-2.0'], ['mit', 'apache-2.0']),
])
def test_a_card_list_keeps_its_texts_only(memory_store, licenses, kept):
    memory_store.execute("DELETE FROM rejects")
    key = "org/lists-" + "".join(c for c in json.dumps(licenses) if c.isalnum())  # a model of its own
    read_records(memory_store, [{"id": key, "card_data": {"license": licenses}}], "lists.jsonl")
    assert memory_store.execute("SELECT card_license FROM models WHERE model_key = ?", [key]).fetchone()[0] == kept
    warned = memory_store.execute("SELECT count(*) FROM rejects WHERE field = 'card_data.license' AND model_id = ?",
                                  [key]).fetchone()[0]
    assert warned == (len(kept) < len(licenses))


def test_alias_bomb_is_rejected_within_a_memory_cap():
    """The billion-laughs card (10^10 nodes expanded) in a subprocess capped at 512 MiB."""
    code = f"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))
sys.path.insert(0, {str(SRC)!r})
from licensegraph.sources.card import CardError, yaml_to_slim_json
bomb = {billion_laughs()!r}
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    yaml_to_slim_json(bomb)
    outcome = "accepted"
except CardError as exc:
    outcome = str(exc)
print(json.dumps({{"outcome": outcome, "seconds": time.perf_counter() - start,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_growth_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    print(f"\nalias bomb: {result}")
    assert "nodes once aliases are expanded" in result["outcome"]
    assert result["seconds"] < 1 and result["rss_growth_mb"] < 20


# --------------------------------------------------------------------------- defects on the CLI


def stats_json(db) -> dict:
    result = run("stats", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data.pop("rejects")
    return data


def rejects_json(db) -> list[dict]:
    return json.loads(run("rejects", "--db", db, "--json", "--limit", "1000").output)


def models_row(db, model_id: str) -> tuple:
    """The stored model, without what says where it came from (record hash, source, card error)."""
    with Store(db, read_only=True) as s:
        return s.execute("SELECT * EXCLUDE (record_hash, record_source, card_error) FROM models "
                         "WHERE model_key = lower(?)", [model_id]).fetchone()


PHI = "microsoft/phi-2"


def ingest_broken(tmp_path, db, rec, *extra) -> tuple:
    path = write_jsonl(tmp_path / "broken.jsonl", [rec])
    result = run("ingest", "--db", db, "-q", *extra, path)
    return result, [r for r in rejects_json(db) if r["file"] == str(path)]


@pytest.mark.parametrize("field, value, expected", [
    ("downloads", "many", 'downloads: expected a count (a whole number, 0 or more), got text "many"; not stored'),
    ("likes", -3, "likes: expected a count (a whole number, 0 or more), got a number -3; not stored"),
    ("private", "yes", 'private: expected true or false, got text "yes"; not stored'),
    ("tags", "text-generation", 'tags: expected a list of text, got text "text-generation"; kept as a one-entry list'),
    ("author", ["a", "b"], 'author: expected text, got a list ["a","b"]; not stored'),
])
def test_a_field_of_the_wrong_type_is_a_warning_and_the_stored_value_survives(
        tmp_path, sample_copy, field, value, expected):
    before, row_before = stats_json(sample_copy), models_row(sample_copy, PHI)
    rec = real_record(PHI)
    rec[field] = value
    result, rows = ingest_broken(tmp_path, sample_copy, rec)
    assert result.exit_code == 0, result.output
    assert [(r["part"], r["field"], r["reason"]) for r in rows] == [("field", field, expected)]
    assert stats_json(sample_copy) == before
    assert models_row(sample_copy, PHI) == row_before  # the stored value was not lost


def test_an_unreadable_last_modified_is_a_warning_and_changes_nothing(tmp_path, sample_copy):
    before = stats_json(sample_copy)
    rec = real_record(PHI)
    rec["last_modified"] = "yesterday"
    rec["downloads"] = 1
    result, rows = ingest_broken(tmp_path, sample_copy, rec)
    assert result.exit_code == 0
    assert rows[0]["reason"].startswith('last_modified: expected a date and time (ISO 8601')
    assert stats_json(sample_copy) == before


@pytest.mark.parametrize("bad_id", ["microsoft/phi 2", "../microsoft/phi-2", "micrøsoft/phi-2", "a--b/c",
                                    "org/" + "x" * 97, "org/name.git", "-org/x"])
def test_an_id_the_hub_would_refuse_rejects_the_record(tmp_path, sample_copy, bad_id):
    before = stats_json(sample_copy)
    rec = real_record(PHI)
    rec["id"] = bad_id
    result, rows = ingest_broken(tmp_path, sample_copy, rec)
    assert result.exit_code == 0
    assert len(rows) == 1 and rows[0]["part"] == "record"
    assert rows[0]["reason"].startswith("id ") and "is not a Hub repo id" in rows[0]["reason"]
    assert stats_json(sample_copy) == before
    strict, _ = ingest_broken(tmp_path, sample_copy, rec, "--strict")
    assert strict.exit_code == 1  # for pipelines


def test_card_data_of_the_wrong_type_keeps_the_record_and_its_stored_card(tmp_path, sample_copy):
    before, row_before = stats_json(sample_copy), models_row(sample_copy, PHI)
    rec = real_record(PHI)
    rec["card_data"] = 42
    result, rows = ingest_broken(tmp_path, sample_copy, rec)
    assert result.exit_code == 0
    assert [r["reason"] for r in rows] == ["card_data: expected a mapping or YAML text, got a number 42; card not read"]
    assert stats_json(sample_copy) == before
    assert models_row(sample_copy, PHI) == row_before


def test_an_alias_bomb_card_is_rejected_and_the_rest_of_the_file_kept(tmp_path, sample_copy):
    before = stats_json(sample_copy)
    bomb = real_record(PHI)
    bomb["card_data"] = billion_laughs()
    new = real_record("google/gemma-7b")
    new["id"] = "someone/gemma-7b-copy"
    path = write_jsonl(tmp_path / "bomb.jsonl", [bomb, new])
    result = run("ingest", "--db", sample_copy, "-q", "--json", path)
    assert result.exit_code == 0
    totals = json.loads(result.output)["totals"]
    assert totals["stored"] == 1 and totals["warnings"] == 1
    rows = [r for r in rejects_json(sample_copy) if r["file"] == str(path)]
    assert len(rows) == 1 and "nodes once aliases are expanded (limit)" in rows[0]["reason"]
    assert len(rows[0]["reason"]) < 200
    after = stats_json(sample_copy)
    assert after["models"]["total"] == before["models"]["total"] + 1


def test_check_on_an_alias_bomb_card_is_a_short_error(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\n" + billion_laughs() + "---\n# model\n")
    result = run("check", card, "--parent-license", "org/base=mit")
    assert result.exit_code == 2
    assert "nodes once aliases are expanded" in result.output and len(result.output) < 1000


def test_a_card_listing_two_licenses_keeps_both(tmp_path, store):
    rec = real_record(PHI)
    rec["id"] = "org/two-licenses"
    rec["card_data"] = "license:\n- mit\n- cc-by-nc-4.0\n"
    db = tmp_path / "two.duckdb"
    run("ingest", "--db", db, "-q", write_jsonl(tmp_path / "two.jsonl", [rec]))
    with Store(db, read_only=True) as s:
        assert s.execute("SELECT license, licenses FROM model_licenses WHERE id = 'org/two-licenses'").fetchone() == (
            "cc-by-nc-4.0", ["mit", "cc-by-nc-4.0"])


@pytest.mark.parametrize("name, content", [
    ("records.jsonl", b'{"id": "org/x"}\n'), ("lineage.csv", b"week,event\n"), ("snap.parquet", b"PAR1"),
    ("snap.jsonl.gz", b"\x1f\x8b\x08\x00"), ("notes.duckdb", b"not a database at all, just text"),
])
def test_db_pointing_at_a_file_that_is_not_a_store_is_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    data = write_jsonl(tmp_path / "in.jsonl", [real_record(PHI)])
    for args in (("ingest", "--db", path, data), ("stats", "--db", path), ("audit", "--db", path)):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert "not a licensegraph store" in " ".join(result.output.split()) or "not a DuckDB" in result.output
    assert path.read_bytes() == content


def test_db_pointing_at_someone_elses_duckdb_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE people (name VARCHAR)")
    con.close()
    result = run("stats", "--db", path)
    assert result.exit_code == 2 and "without the licensegraph schema" in " ".join(result.output.split())


@pytest.mark.parametrize("args", [
    ("rejects", "--limit", "-1"), ("stats", "--top", "-5"),
])
def test_out_of_range_arguments_are_usage_errors(sample_db, args):
    result = run(*args, "--db", sample_db)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "greater than or equal to 0" in result.output


def test_an_unexpected_error_prints_one_line_and_writes_the_trace(tmp_path, sample_db):
    env = {**os.environ, "LICENSEGRAPH_TRACE_DIR": str(tmp_path), "PYTHONPATH": str(SRC)}
    code = ("import sys; import licensegraph.api.graph as g\n"
            "def boom(*a, **k): raise RuntimeError('simulated failure')\n"
            "g.LicenseGraph.stats = boom\n"
            f"sys.argv = ['licensegraph', 'stats', '--db', {str(sample_db)!r}]\n"
            "from licensegraph.cli import main; main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "unexpected RuntimeError: simulated failure" in done.stderr
    traces = list(tmp_path.glob("licensegraph-trace-*.txt"))
    assert len(traces) == 1 and "Traceback" in traces[0].read_text() and str(traces[0]) in done.stderr


def test_rule_accepts_the_label_the_table_shows(sample_copy):
    result = run("audit", "--db", sample_copy, "--rule", "La2E-license", "--format", "json")
    assert result.exit_code == 0, result.output
    unknown = run("audit", "--db", sample_copy, "--rule", "no-such-rule")
    assert unknown.exit_code == 2 and "La2E-license" in unknown.output


def test_parquet_without_an_id_column_is_one_file_level_reject(tmp_path, sample_copy):
    path = tmp_path / "wrong.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT range AS n, 'x' AS name FROM range(50)) TO '{path}' (FORMAT parquet)")
    con.close()
    result = run("ingest", "--db", sample_copy, "-q", path)
    assert result.exit_code == 0
    rows = [r for r in rejects_json(sample_copy) if r["file"] == str(path)]
    assert len(rows) == 1 and rows[0]["part"] == "file" and "no 'id'" in rows[0]["reason"]


def test_card_size_limit(tmp_path):
    with pytest.raises(CardError, match="over the"):
        yaml_to_slim_json("license: mit\nx: '" + "a" * MAX_CARD_CHARS + "'\n")


def test_too_small_a_memory_bound_says_how_to_raise_it_and_keeps_the_store(tmp_path, monkeypatch, capsys):
    import licensegraph.cli as cli

    db = tmp_path / "s.duckdb"
    write_jsonl(tmp_path / "one.jsonl", [{"id": "a/b", "cardData": {"license": "mit"}}])
    monkeypatch.setattr(sys, "argv", ["licensegraph", "ingest", str(tmp_path / "one.jsonl"), "--db", str(db)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 0
    monkeypatch.setenv("LICENSEGRAPH_TRACE_DIR", str(tmp_path))
    monkeypatch.setenv("LICENSEGRAPH_MEMORY_LIMIT", "2MB")
    monkeypatch.setattr(sys, "argv", ["licensegraph", "ingest", str(SAMPLE), "--db", str(db)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    err = capsys.readouterr().err
    assert done.value.code == 2 and "Out of Memory" in err and "LICENSEGRAPH_MEMORY_LIMIT=4GB" in err
    monkeypatch.delenv("LICENSEGRAPH_MEMORY_LIMIT")
    with Store(db, read_only=True) as store:  # the ingest that failed changed nothing
        assert store.scalar("SELECT list(id) FROM models") == ["a/b"]
