"""The whole product through the library API alone (no CLI, no SQL), asserting typed fields."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import SAMPLE
from licensegraph.api import (
    AuditResult,
    CheckResult,
    Choice,
    Explanation,
    Finding,
    FindingsPage,
    IngestReport,
    LicenseGraph,
    ModelNotFound,
)
from licensegraph.vocab import EFFECTIVE, LOCAL, STUDY_LABELS, VIOLATION

CARD = """---
license: apache-2.0
base_model: inceptionai/jais-adapted-7b-chat
model_name: jais-tune
---
# A tune of a Llama 2 derivative that declares apache-2.0
"""


def test_the_product_through_the_api(tmp_path):
    with LicenseGraph(tmp_path / "api.duckdb") as lg:
        # ingest the sample
        report = lg.ingest([SAMPLE])
        assert isinstance(report, IngestReport)
        assert report.files[0].stored == 1982 and report.totals["read"] == 1982 and report.total("rejected") == 0

        # audit: the study-style table, study rows first in the study's order
        table = lg.audit(view=LOCAL)
        assert isinstance(table, AuditResult) and table.view == LOCAL
        assert tuple(r.label for r in table.rows[:len(STUDY_LABELS)]) == STUDY_LABELS
        mismatch = table.rows[0]
        assert mismatch.rule_id == "license-mismatch" and mismatch.severity == "warning"
        assert mismatch.qualifying > 1000 and 0 < mismatch.noncompliant < mismatch.qualifying
        assert sum(b.count for b in mismatch.by_relation.values()) <= mismatch.noncompliant
        assert mismatch.excluded["none"] == 731
        # ingest ran the rules as the end of its run: this audit has nothing left to re-evaluate
        assert table.run is not None and table.run.incremental and table.run.affected == 0
        again = lg.audit(view=EFFECTIVE)  # nothing changed since: an incremental run with nobody to redo
        assert again.run is not None and again.run.incremental and again.run.affected == 0

        # page through findings: every page ordered, no finding twice, the pages add up to the total
        seen: list[Finding] = []
        offset: int | None = 0
        while offset is not None:
            page = lg.findings(view=EFFECTIVE, rule_id="llama-exclusive-license", offset=offset, limit=25)
            assert isinstance(page, FindingsPage) and len(page.findings) <= 25
            seen.extend(page.findings)
            offset = page.next_offset
        assert len(seen) == page.total > 25
        assert len({(f.model_id, f.label, f.ancestor_id) for f in seen}) == len(seen)
        assert [f.model_id.lower() for f in seen] == sorted(f.model_id.lower() for f in seen)
        first = seen[0]
        assert first.rule_id == "llama-exclusive-license" and first.view == EFFECTIVE and first.severity == VIOLATION
        assert first.path[0] == first.model_id and first.path[-1] == first.ancestor_id
        assert first.clause and first.source and first.source.startswith("https://") and first.remedy
        one_model = lg.findings(model_id=first.model_id.upper(), limit=100)
        assert {f.model_id for f in one_model.findings} == {first.model_id} and one_model.next_offset is None
        with pytest.raises(ValueError, match="severity"):
            lg.findings(severity="fatal")

        # explain a model two levels below Llama 2 (its parent relabelled itself apache-2.0)
        why = lg.explain("inceptionai/jais-adapted-7b-chat")
        assert isinstance(why, Explanation) and why.model.license == "apache-2.0" and why.audited
        assert [(a.ancestor_id, a.depth) for a in why.ancestors] == [
            ("inceptionai/jais-adapted-7b", 1), ("meta-llama/Llama-2-7b", 2)]
        assert why.ancestors[1].child_id == "inceptionai/jais-adapted-7b" and why.ancestors[1].license == "llama2"
        assert why.parents[0].parent_id == "inceptionai/jais-adapted-7b"
        assert ("llama2", "no-improve-other-llm") in {(d.license, d.duty) for d in why.effective_duties}
        llama = [f for f in why.findings if f.rule_id == "llama-exclusive-license" and f.view == EFFECTIVE]
        assert llama and llama[0].ancestor_id == "meta-llama/Llama-2-7b" and len(llama[0].path) == 3
        with pytest.raises(ModelNotFound):
            lg.explain("nobody/no-such-model")

        # check a card given as a string: the parent comes from the store, its Llama 2 ancestor counts
        card = lg.check(text=CARD)
        assert isinstance(card, CheckResult) and card.model_id == "local/jais-tune" and card.view == EFFECTIVE
        assert card.parents[0].parent_id == "inceptionai/jais-adapted-7b-chat" and card.parents[0].found_in == "store"
        assert "llama-exclusive-license" in {f.rule_id for f in card.findings if f.severity == VIOLATION}
        assert card.violations >= 1 and card.worst_severity == VIOLATION
        assert card.fix.suggested_license == "llama2" and card.fix.license_ok is False
        assert dict(card.fix.yaml) == {"license": "llama2", "base_model_relation": "finetune"}
        assert card.key_lines["license"] == 2

        # choose for two parents
        choice = lg.choose(["llama3.1", "apache-2.0"])
        assert isinstance(choice, Choice) and choice.relation == "merge"
        assert choice.upstream_licenses == ("llama3.1", "apache-2.0")
        assert [f.license for f in choice.feasible] == ["llama3.1"] and not choice.none_feasible
        assert {e.license: e.duty for e in choice.excluded}["mit"] == "use-restrictions"
        assert choice.name_prefix is not None and choice.name_prefix.prefix == "Llama"
        merged = lg.choose(["llama2", "mit"])
        assert [v.rule_id for v in merged.violations_regardless] == ["llama-exclusive-merge"]

        # results are frozen values
        with pytest.raises(dataclasses.FrozenInstanceError):
            choice.relation = "finetune"  # type: ignore[misc]
        assert Choice.from_dict(choice.to_dict()) == choice
