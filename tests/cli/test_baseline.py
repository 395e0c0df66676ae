"""`audit --fail-on`, baselines and `check --baseline`: exit codes, accepted findings, expiry, bad files."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from typer.testing import CliRunner

from licensegraph.api.baseline import BaselineError, load_baseline
from licensegraph.cli import app

runner = CliRunner()


@pytest.fixture
def db(sample_db, tmp_path):
    path = tmp_path / "s.duckdb"
    shutil.copyfile(sample_db, path)
    path.chmod(0o644)
    return path


def flat(text: str) -> str:
    """Output with the terminal's line wrapping undone."""
    return " ".join(text.split())


def audit(db, *args):
    return runner.invoke(app, ["audit", "--db", str(db), "--format", "json", *args])


def test_fail_on_counts_the_view_and_a_written_baseline_accepts_everything(db, tmp_path):
    loose = audit(db, "--fail-on", "violation")
    assert loose.exit_code == 1, loose.output  # the sample has violations
    assert "remain" in flat(loose.stderr)
    baseline = tmp_path / "baseline.toml"
    written = audit(db, "--fail-on", "violation", "--baseline-write", str(baseline))
    assert written.exit_code == 1
    entries = load_baseline(baseline).entries
    assert entries and all(e.rule_id and e.justification for e in entries)
    accepted = audit(db, "--fail-on", "violation", "--baseline", str(baseline))
    assert accepted.exit_code == 0, accepted.stderr
    assert "; 0 remain" in flat(accepted.stderr)
    # the table itself is not changed by a baseline
    assert json.loads(accepted.stdout) == json.loads(loose.stdout)


def test_an_expired_entry_counts_again(db, tmp_path):
    baseline = tmp_path / "baseline.toml"
    audit(db, "--fail-on", "violation", "--baseline-write", str(baseline))
    text = baseline.read_text().replace('justification = "', 'expires = 2001-01-01\njustification = "', 1)
    baseline.write_text(text)
    assert load_baseline(baseline).expired(dt.date.today())
    result = audit(db, "--fail-on", "violation", "--baseline", str(baseline))
    assert result.exit_code == 1
    assert "expired on 2001-01-01" in flat(result.stderr)


def test_warnings_only_fail_when_asked(db):
    # license-mismatch findings are warnings: --fail-on warning counts them, violation alone does not
    result = runner.invoke(app, ["audit", "--db", str(db), "--rule", "license-mismatch", "--fail-on", "violation"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["audit", "--db", str(db), "--rule", "license-mismatch", "--fail-on", "warning"])
    assert result.exit_code == 1


@pytest.mark.parametrize("text, problem", [
    ("[[accept]]\nmodel_id = 'a/b'\nrule_id = 'nc-dropped'\n", "`justification` is required"),
    ("[[accept]]\nmodel_id = 'a/b'\nrule_id = 'x'\njustification = 'y'\nview = 'both'\n", "`view` must be one of"),
    ("[[accept]]\nmodel_id = 'a/b'\nrule_id = 'x'\njustification = 'y'\nexpires = 'soon'\n", "`expires` must be a date"),
    ("accept = [", "not valid TOML"),
    ("[[ignore]]\nmodel_id = 'a/b'\n", "unknown top-level key"),
])
def test_bad_baseline_files_are_named_with_their_problem(db, tmp_path, text, problem):
    path = tmp_path / "b.toml"
    path.write_text(text)
    with pytest.raises(BaselineError, match="b.toml"):
        load_baseline(path)
    result = audit(db, "--fail-on", "violation", "--baseline", str(path))
    assert result.exit_code == 2 and problem in flat(result.output + result.stderr)


def test_check_reports_accepted_violations_and_passes(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-2-7b-hf\nmodel_name: my-chat\n---\n")
    args = ["check", str(card), "--parent-license", "meta-llama/Llama-2-7b-hf=llama2"]
    env = {"LICENSEGRAPH_DB": str(tmp_path / "absent.duckdb")}  # no store: parents from the flag alone
    assert runner.invoke(app, args, env=env).exit_code == 1
    baseline = tmp_path / "b.toml"
    baseline.write_text("".join(
        f"[[accept]]\nmodel_id = 'local/my-chat'\nrule_id = '{r}'\njustification = 'agreed with the licensor'\n"
        for r in ("copyleft-style-dropped", "llama-exclusive-license")))
    result = runner.invoke(app, [*args, "--baseline", str(baseline)], env=env)
    assert result.exit_code == 0, result.output
    assert "accepted by" in flat(result.output) and "agreed with the licensor" in flat(result.output)
    sarif = runner.invoke(app, [*args, "--baseline", str(baseline), "--format", "sarif"], env=env)
    log = json.loads(sarif.stdout)
    suppressed = [r for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert {r["ruleId"] for r in suppressed} == {"copyleft-style-dropped", "llama-exclusive-license"}
    assert suppressed[0]["suppressions"][0]["justification"] == "agreed with the licensor"
