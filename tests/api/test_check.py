"""`check`: cards written here are run through every rule as would-be models; assert the
findings, the exit code and the fix. Also: a real parent from the ingested sample, bad
input (exit 2), several paths (worst exit code), --online with a stand-in Hub API, and
the pre-commit hook definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from licensegraph.api.check import CheckError, check_card, load_card, parse_parent_licenses
from licensegraph.api.results import CheckParent, CheckResult
from licensegraph.cli import app
from licensegraph.licenses.kb import load_kb

KB = load_kb()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_default_store(tmp_path, monkeypatch):
    """The CLI falls back to the default store when it exists; keep tests off the user's."""
    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "no-default-store.duckdb"))
REPO = Path(__file__).resolve().parents[2]


def write_card(root: Path, dirname: str, meta: dict | None, body: str = "# A model\n", raw: str | None = None) -> Path:
    d = root / dirname
    d.mkdir(parents=True, exist_ok=True)
    text = raw if raw is not None else "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body
    (d / "README.md").write_text(text, encoding="utf-8")
    return d


def rules_of(result: CheckResult, severity: str | None = None) -> set[str]:
    return {f.rule_id for f in result.findings if severity is None or f.severity == severity}


def exit_code(result: CheckResult) -> int:
    return 1 if result.violations else 0


@pytest.fixture
def sample_ro(sample_store):
    return sample_store


# --------------------------------------------------------------------------- acceptance cards


def test_llama3_finetune_without_prefix(tmp_path):
    card = write_card(tmp_path, "chat", {"license": "llama3", "base_model": "meta-llama/Meta-Llama-3-8B",
                                          "model_name": "my-chat-model"})
    res = check_card(card, kb=KB, parent_licenses={"meta-llama/Meta-Llama-3-8B": "llama3"})
    assert res.model_id == "local/my-chat-model"
    assert rules_of(res, "violation") == {"llama-naming"}
    assert exit_code(res) == 1
    naming = next(f for f in res.findings if f.rule_id == "llama-naming")
    assert naming.ancestor_id == "meta-llama/Meta-Llama-3-8B" and "§1.b.i" in naming.clause
    fix = res.fix
    assert fix.name_prefix == "Llama 3" and fix.name_ok is False
    assert fix.suggested_name == "Llama-3-my-chat-model"
    assert fix.license_ok is True and dict(fix.yaml) == {"license": "llama3", "base_model_relation": "finetune"}
    kinds = {s.kind for s in res.ship}
    assert {"license-copy", "notice-file", "display", "use-policy"} <= kinds
    assert any("Built with Meta Llama 3" in w for w in res.warnings)
    assert res.parents == (CheckParent(parent_id="meta-llama/Meta-Llama-3-8B", license="llama3", relation="finetune",
                                       relation_source="default", found_in="parent-license"),)

    # the same card under a name with the prefix (and the display line) is clean
    ok = check_card(card, kb=KB, name="Llama-3-my-chat-model",
                    parent_licenses={"meta-llama/Meta-Llama-3-8B": "llama3"})
    assert rules_of(ok, "violation") == set() and exit_code(ok) == 0 and ok.fix.name_ok is True


def test_llama31_finetune_under_apache(tmp_path):
    card = write_card(tmp_path, "apache-tune", {"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B"})
    res = check_card(card, kb=KB, parent_licenses={"meta-llama/Llama-3.1-8B": "llama3.1"})
    assert rules_of(res, "violation") == {"copyleft-style-dropped", "llama-naming"}
    assert rules_of(res, "warning") == {"license-mismatch"}
    assert exit_code(res) == 1
    fix = res.fix
    assert fix.license_ok is False and fix.suggested_license == "llama3.1"
    assert fix.yaml_text == "license: llama3.1\nbase_model_relation: finetune\n"
    assert fix.name_prefix == "Llama" and fix.suggested_name == "Llama-apache-tune"


def test_openrail_finetune_kept_license(tmp_path):
    card = write_card(tmp_path, "sd-style", {"license": "creativeml-openrail-m",
                                             "base_model": "someone/sd-base", "base_model_relation": "finetune"})
    res = check_card(card, kb=KB, parent_licenses={"someone/sd-base": "creativeml-openrail-m"})
    assert rules_of(res, "violation") == set() and exit_code(res) == 0
    assert res.fix.license_ok is True and res.fix.suggested_license == "creativeml-openrail-m"
    assert any(s.kind == "use-policy" for s in res.ship)


def test_merge_of_sa_and_ncsa(tmp_path):
    card = write_card(tmp_path, "cc-merge", {"license": "cc-by-sa-4.0",
                                             "base_model": ["org/sa-model", "org/ncsa-model"]})
    res = check_card(card, kb=KB, parent_licenses={"org/sa-model": "cc-by-sa-4.0", "org/ncsa-model": "cc-by-nc-sa-4.0"})
    assert res.relation == "merge"
    assert {"merge-conflict", "copyleft-violation", "nc-dropped"} <= rules_of(res, "violation")
    assert exit_code(res) == 1
    fix = res.fix
    assert fix.none_feasible is True and fix.suggested_license is None
    assert "cc-by-sa-4.0 and cc-by-nc-sa-4.0 demand terms no single license carries" in fix.reason
    assert dict(fix.yaml) == {} and fix.yaml_text == ""


def test_quantization_of_nd_model(tmp_path):
    card = write_card(tmp_path, "nd-gguf", {"license": "cc-by-nd-4.0", "base_model": "org/nd-model",
                                            "base_model_relation": "quantized"})
    res = check_card(card, kb=KB, parent_licenses={"org/nd-model": "cc-by-nd-4.0"})
    assert res.relation == "quantization"
    assert "no-derivatives" in rules_of(res, "violation") and exit_code(res) == 1
    assert res.fix.none_feasible and "cc-by-nd-4.0 forbids sharing derivatives" in res.fix.reason


def test_clean_mit_adapter(tmp_path):
    card = write_card(tmp_path, "mit-lora", {"license": "mit", "base_model": "org/mit-model", "library_name": "peft"})
    res = check_card(card, kb=KB, parent_licenses={"org/mit-model": "mit"})
    assert res.relation == "adapter"
    assert rules_of(res, "violation") == set() and exit_code(res) == 0
    assert rules_of(res) <= {"license-mismatch"}  # MIT is a software license: a warning only
    assert res.fix.license_ok is True and res.fix.name_prefix is None


def test_real_parent_from_sample_store(tmp_path, sample_ro):
    card = write_card(tmp_path, "llama2-chat-tune", {"license": "apache-2.0",
                                                     "base_model": "meta-llama/Llama-2-7b-chat-hf"})
    res = check_card(card, kb=KB, store=sample_ro)
    assert {"copyleft-style-dropped", "llama-exclusive-license"} <= rules_of(res, "violation")
    assert exit_code(res) == 1
    assert res.parents[0].found_in == "store" and res.parents[0].license == "llama2"
    assert res.fix.suggested_license == "llama2"
    assert dict(res.fix.yaml) == {"license": "llama2", "base_model_relation": "finetune"}


def test_effective_view_reaches_through_a_relabelled_parent(tmp_path, sample_ro):
    # inceptionai/jais-adapted-7b-chat declares apache-2.0 but descends from Llama 2: the
    # edge-local view sees only apache-2.0, the effective view (reported) sees Llama 2.
    card = write_card(tmp_path, "jais-tune", {"license": "apache-2.0", "base_model": "inceptionai/jais-adapted-7b-chat"})
    res = check_card(card, kb=KB, store=sample_ro)
    assert res.view == "effective"
    local = {f.rule_id for f in res.local_findings if f.severity == "violation"}
    assert "llama-exclusive-license" not in local
    eff = next(f for f in res.findings if f.rule_id == "llama-exclusive-license")
    assert eff.ancestor_id == "meta-llama/Llama-2-7b" and eff.via_noncompliant
    assert eff.path[0] == "local/jais-tune" and eff.path[-1] == "meta-llama/Llama-2-7b"
    assert res.fix.suggested_license == "llama2"


def test_parent_license_overrides_the_store(tmp_path, sample_ro):
    card = write_card(tmp_path, "phi-tune", {"license": "mit", "base_model": "microsoft/phi-2"})
    assert exit_code(check_card(card, kb=KB, store=sample_ro)) == 0
    res = check_card(card, kb=KB, store=sample_ro, parent_licenses={"microsoft/phi-2": "cc-by-nc-4.0"})
    assert "nc-dropped" in rules_of(res, "violation")
    assert res.parents[0].found_in.startswith("parent-license")


# --------------------------------------------------------------------------- bad input


def test_bad_input(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "README.md").write_text("# Just a readme\n")
    with pytest.raises(CheckError, match="no YAML front matter") as exc:
        load_card(plain)
    assert exc.value.kind == "no-front-matter"

    broken = write_card(tmp_path, "broken", None, raw="---\nlicense: mit\nbase_model: [org/a\ntags: x\n---\n")
    with pytest.raises(CheckError, match=r"YAML error in the front matter at line \d+") as exc:
        load_card(broken)
    assert exc.value.line >= 3 and f":{exc.value.line}:" in str(exc.value)

    typo = write_card(tmp_path, "typo", {"license": "llama-3.5", "base_model": "org/x"})
    with pytest.raises(CheckError, match="unknown license id 'llama-3.5'") as exc:
        check_card(typo, kb=KB, parent_licenses={"org/x": "mit"})
    assert "closest known ids" in str(exc.value) and exc.value.line == 2

    # a custom license (license: other + a license_name the knowledge base does not know) is
    # valid: see tests/rules/test_verdicts.py; a bare `other` names nothing
    other = write_card(tmp_path, "other", {"license": "other"})
    with pytest.raises(CheckError, match="license: other needs license_name"):
        check_card(other, kb=KB)

    orphan = write_card(tmp_path, "orphan", {"license": "mit", "base_model": "org/nowhere"})
    with pytest.raises(CheckError, match="unknown parent") as exc:
        check_card(orphan, kb=KB)
    assert "--parent-license org/nowhere=LICENSE" in str(exc.value) and "--online" in str(exc.value)

    with pytest.raises(CheckError, match="must contain README.md"):
        check_card(_empty_dir(tmp_path), kb=KB)
    with pytest.raises(CheckError, match="expected ID=LICENSE"):
        parse_parent_licenses(KB, ["org/x:mit"])
    with pytest.raises(CheckError, match="unknown license 'apachee'.*apache-2.0"):
        parse_parent_licenses(KB, ["org/x=apachee"])


def _empty_dir(tmp_path: Path) -> Path:
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_root_card_and_unused_parent_license(tmp_path):
    card = write_card(tmp_path, "root", {"license": "apache-2.0"})
    res = check_card(card, kb=KB, parent_licenses={"org/unrelated": "mit"})
    assert res.parents == () and res.choose is None and exit_code(res) == 0
    assert rules_of(res) == {"license-mismatch"}
    assert any("org/unrelated" in w and "ignored" in w for w in res.warnings)


# --------------------------------------------------------------------------- --online


def test_online_lookup_follows_ancestors(tmp_path, empty_hub, clock):
    """--online fetches parents and their ancestors the way `crawl --model --ancestors` does,
    from the Hub at $HF_ENDPOINT (here the fake Hub on 127.0.0.1)."""
    from licensegraph.sources.hub_client import HubClient

    empty_hub.put({"id": "org/relabelled", "author": "org", "tags": ["base_model:meta-llama/Llama-3.1-8B"],
                   "library_name": "transformers",
                   "cardData": {"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B"}})
    empty_hub.put({"id": "meta-llama/Llama-3.1-8B", "author": "meta-llama", "tags": [],
                   "cardData": {"license": "llama3.1"}})
    card = write_card(tmp_path, "Llama-online", {"license": "apache-2.0", "base_model": "org/relabelled"})
    res = check_card(card, kb=KB, online=True)
    assert [r.path for r in empty_hub.requests] == ["/api/models/org/relabelled", "/api/models/meta-llama/Llama-3.1-8B"]
    assert res.parents[0].found_in == "online"
    assert "copyleft-style-dropped" in rules_of(res, "violation")
    assert res.fix.suggested_license == "llama3.1"

    with pytest.raises(CheckError, match=r"online lookup of org/missing failed: not found on the Hub \(404\)"):
        check_card(write_card(tmp_path, "m", {"license": "mit", "base_model": "org/missing"}),
                   kb=KB, online=True, hub_api=HubClient(sleep=clock.sleep))
    empty_hub.script("500", on="model", times=100)
    with pytest.raises(CheckError, match="online lookup of org/down failed: the Hub answered HTTP 500 after 2 attempts"):
        check_card(write_card(tmp_path, "m", {"license": "mit", "base_model": "org/down"}),
                   kb=KB, online=True, hub_api=HubClient(sleep=clock.sleep, max_retries=1))


# --------------------------------------------------------------------------- CLI


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_check(tmp_path, sample_db):
    clean = write_card(tmp_path, "clean", {"license": "mit", "base_model": "org/mit-model"})
    bad = write_card(tmp_path, "bad", {"license": "apache-2.0", "base_model": "meta-llama/Llama-2-7b-chat-hf"})
    nofm = tmp_path / "docs"
    nofm.mkdir()
    (nofm / "README.md").write_text("# project docs\n")

    res = run("check", clean / "README.md", "--parent-license", "org/mit-model=mit")
    assert res.exit_code == 0, res.output
    assert "0 violation(s)" in res.output and "not legal advice" in res.output

    res = run("check", bad, "--db", sample_db, "--format", "json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    assert data["view"] == "effective" and data["fix"]["yaml"]["license"] == "llama2"
    assert {"copyleft-style-dropped", "llama-exclusive-license"} <= {f["rule_id"] for f in data["findings"]}

    text = run("check", bad, "--db", sample_db)
    assert text.exit_code == 1 and "license: llama2" in text.output and "effective view" in text.output

    # several paths: the worst exit code wins; a card without front matter is bad input...
    both = run("check", clean, bad, "--db", sample_db, "--parent-license", "org/mit-model=mit", "--format", "json")
    assert both.exit_code == 1 and [r["exit_code"] for r in json.loads(both.output)] == [0, 1]
    worst = run("check", clean, bad, nofm, "--db", sample_db, "--parent-license", "org/mit-model=mit")
    assert worst.exit_code == 2 and "no YAML front matter" in worst.output
    # ...unless the hook asks to skip files that are not model cards
    skip = run("check", clean, nofm, "--parent-license", "org/mit-model=mit", "--skip-non-cards")
    assert skip.exit_code == 0, skip.output

    assert run("check", tmp_path / "nope.md").exit_code == 2
    assert run("check", clean, "--format", "xml").exit_code == 2
    assert run("check", clean, "--parent-license", "org/mit-model=nolicense").exit_code == 2
    assert run("check", clean, bad, "--name", "x").exit_code == 2
    missing = run("check", clean)
    assert missing.exit_code == 2 and "--parent-license org/mit-model=LICENSE" in missing.output


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "licensegraph-check")
    assert hook["entry"].split()[:2] == ["licensegraph", "check"]
    assert hook["pass_filenames"] is True and hook["language"] == "python"
    import re

    pattern = re.compile(hook["files"])
    assert pattern.search("README.md") and pattern.search("models/chat/README.md")
    assert not pattern.search("docs/README.md.bak") and not pattern.search("NOT_README.md")
