"""Compatibility derived from clause properties (issue 16): every named error, with the
corrected answer, through `choose` (feasibility), the rules (check runs every rule on a
would-be model) and the knowledge-base properties that decide it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from licensegraph.api.check import check_card
from licensegraph.api.choose import choose
from licensegraph.api.explain import effective_duties
from licensegraph.api.results import Ancestor
from licensegraph.formats.text import check_text, choice_text
from licensegraph.licenses.feasibility import feasible_licenses
from licensegraph.licenses.kb import KnowledgeBaseError, load_kb

KB = load_kb()


def feasible(*parents: str, relation: str | None = None) -> set[str]:
    return {f.license for f in choose(KB, list(parents), relation=relation).feasible}


def card(root: Path, name: str, meta: dict) -> Path:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "README.md").write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n# m\n", encoding="utf-8")
    return d


def violations(root: Path, name: str, license_id: str, parents: dict[str, str], relation: str | None = None) -> set[str]:
    meta = {"license": license_id, "base_model": list(parents)}
    if relation:
        meta["base_model_relation"] = relation
    res = check_card(card(root, name, meta), kb=KB, parent_licenses=parents)
    return {f.rule_id for f in res.findings if f.severity == "violation"}


# --------------------------------------------------------------------------- no further restrictions


@pytest.mark.parametrize("upstream", ["apache-2.0", "ecl-2.0"])
def test_patent_termination_and_indemnity_are_further_restrictions_under_gplv2(upstream):
    # GPL-2.0 §6 and LGPL-2.1 §10 forbid further restrictions; Apache-2.0 / ECL-2.0 §3
    # (patent termination) and §9 (indemnity) are such (FSF license list). GPL-3.0 §7(f) and
    # §10-§11 allow them, and LGPL-3.0 is GPL-3.0 plus permissions.
    got = feasible(upstream)
    assert {"gpl-2.0", "lgpl-2.1"}.isdisjoint(got)
    assert {"gpl-3.0", "lgpl-3.0", "agpl-3.0"} <= got
    for outbound, clause in (("gpl-2.0", "§6"), ("lgpl-2.1", "§10")):
        why = feasible_licenses(KB, [upstream]).excluded[outbound]
        assert why.duty == "no-further-restrictions" and why.source.endswith(clause)
        assert "§3" in why.reason and "§9" in why.reason
    # the properties that decide it, as data
    assert {"patent-termination", "indemnity"} <= KB.get(upstream).imposes.keys()
    assert "patent-termination" in KB.get("gpl-2.0").duties_of("no-further-restrictions")[0].forbids
    assert "patent-termination" not in KB.get("gpl-3.0").duties_of("no-further-restrictions")[0].forbids


def test_afl_patent_action_termination_excludes_both_gpls():
    # AFL-3.0 §10 ends the whole license on a patent action: the FSF lists AFL as GPL-incompatible.
    got = feasible("afl-3.0")
    assert {"gpl-2.0", "gpl-3.0", "agpl-3.0", "lgpl-2.1", "lgpl-3.0"}.isdisjoint(got)
    assert {"mit", "apache-2.0", "mpl-2.0"} <= got
    why = feasible_licenses(KB, ["afl-3.0"]).excluded["gpl-3.0"]
    assert "§10 (Termination for Patent Action)" in why.reason


def test_cc_by_adaptations_may_carry_any_cc_license(tmp_path):
    # CC's adapter's-license chart: adaptations of BY material may carry any CC license, BY-NC-ND
    # included. §2(a)(5)(C) governs the licensed material, and a CC adapter's license binds
    # only the adapter's contribution ("licensed-material-only").
    for version in ("2.0", "2.5", "3.0", "4.0"):
        got = feasible(f"cc-by-{version}")
        assert {"cc-by-nc-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nd-4.0", "cc-by-nc-sa-4.0", "cc-by-sa-4.0"} <= got
    # a non-CC license whose commercial ban binds the whole model still adds a restriction
    assert "mg-by-nc-2.0" not in feasible("cc-by-4.0")
    assert "creativeml-openrail-m" not in feasible("cc-by-4.0")
    # the CCf rule reads the same properties: a BY-NC-ND adaptation of BY material is fine,
    # a ModelGo NC license on it is the conflict
    assert "cc-freedom-conflict" not in violations(tmp_path, "ccby-ncnd", "cc-by-nc-nd-4.0", {"org/by": "cc-by-4.0"})
    assert "cc-freedom-conflict" in violations(tmp_path, "ccby-mgnc", "mg-by-nc-2.0", {"org/by": "cc-by-4.0"})


# --------------------------------------------------------------------------- share-alike: relicense vs combine


def test_accepts_lists_are_closed_under_conversions():
    # LGPL-2.1 §3 and LGPL-3.0 (GPL-3.0 §7) relicense the copy itself: their targets' own
    # permissions follow. CC's adapter's licenses do not: BY-SA 3.0 -> 4.0 does not lead on to GPL-3.0.
    assert KB.relicense_targets("lgpl-2.1") == {"lgpl-2.1", "gpl-2.0", "gpl-3.0"}
    assert KB.relicense_targets("lgpl-3.0") == {"lgpl-3.0", "gpl-3.0"}
    assert KB.relicense_targets("cc-by-sa-3.0") == {"cc-by-sa-3.0", "cc-by-sa-4.0"}
    assert KB.relicense_targets("cc-by-sa-4.0") == {"cc-by-sa-4.0", "gpl-3.0"}
    assert KB.relicense_targets("epl-1.0") == {"epl-1.0", "epl-2.0"}


@pytest.mark.parametrize("lgpl", ["lgpl-3.0", "lgpl-2.1"])
def test_lgpl_and_agpl_merge_has_a_license(tmp_path, lgpl):
    # LGPL converts to GPL-3.0, which §13 lets combine with the AGPL-3.0 work: the merge
    # carries AGPL-3.0. Before, the accepts lists were not closed and nothing fitted.
    assert feasible(lgpl, "agpl-3.0") == {"agpl-3.0"}
    parents = {"org/lib": lgpl, "org/net": "agpl-3.0"}
    got = violations(tmp_path, f"{lgpl}-agpl", "agpl-3.0", parents)
    assert "merge-conflict" not in got and "copyleft-violation" not in got
    # a single-parent LGPL finetune has no second work: AGPL-3.0 is not open to it
    assert feasible(lgpl) == KB.relicense_targets(lgpl)
    assert "copyleft-violation" in violations(tmp_path, f"{lgpl}-ft", "agpl-3.0", {"org/lib": lgpl}, "finetune")


def test_second_work_permissions_apply_to_merges_only(tmp_path):
    # MPL-2.0 §3.1 keeps a Modification (a finetune) under MPL-2.0; §3.3 lets a Larger Work
    # with a Secondary-License work go out under that license.
    assert feasible("mpl-2.0") == {"mpl-2.0"}
    assert feasible("mpl-2.0", "gpl-2.0") == {"gpl-2.0"}
    assert feasible("mpl-2.0", "lgpl-3.0") >= {"lgpl-3.0", "gpl-3.0"}
    assert feasible("gpl-3.0") == {"gpl-3.0"} and feasible("gpl-3.0", "agpl-3.0") == {"agpl-3.0"}
    # the copyleft rule agrees: the merge with a GPL parent may carry the GPL, the finetune
    # may not, nor may a merge whose other parent is no Secondary-License work
    assert "copyleft-violation" not in violations(tmp_path, "mpl-gpl", "gpl-2.0",
                                                  {"org/mpl": "mpl-2.0", "org/gpl": "gpl-2.0"})
    assert "copyleft-violation" in violations(tmp_path, "mpl-ft", "gpl-2.0", {"org/mpl": "mpl-2.0"}, "finetune")
    assert "copyleft-violation" in violations(tmp_path, "mpl-mit", "gpl-2.0",
                                              {"org/mpl": "mpl-2.0", "org/mit": "mit"})


def test_eupl_compatibility_clause_needs_a_second_work(tmp_path):
    # Policy, stated in the KB: EUPL §5's compatibility clause covers a derivative "based upon
    # both the Work and another work" under a compatible licence. A finetune stays EUPL.
    for eupl in ("eupl-1.1", "eupl-1.2"):
        assert "merges" in KB.get(eupl).note and KB.get(eupl).combinations
    assert feasible("eupl-1.2") == {"eupl-1.2"}
    assert feasible("eupl-1.1") == {"eupl-1.1", "eupl-1.2"}
    assert feasible("eupl-1.2", "gpl-3.0") == {"gpl-3.0"}
    assert feasible("eupl-1.1", "gpl-2.0") == {"gpl-2.0"}
    assert "copyleft-violation" in violations(tmp_path, "eupl-ft", "gpl-3.0", {"org/eu": "eupl-1.2"}, "finetune")


def test_ms_pl_weights_stay_ms_pl():
    # Policy, stated and sourced: MS-PL §3(D) keeps any portion in source form under MS-PL;
    # weights are the form a model is modified in. The FSF lists MS-PL as GPL-incompatible.
    lic = KB.get("ms-pl")
    assert lic.share_alike.accepts == ("ms-pl",) and "§3(D)" in lic.share_alike.source.clause
    assert "Policy" in lic.note
    assert feasible("ms-pl") == {"ms-pl"}
    assert "§3(D)" in feasible_licenses(KB, ["ms-pl"]).excluded["gpl-3.0"].source


# --------------------------------------------------------------------------- obligations never lost


def test_agpl_network_duty_reaches_choose_check_and_explain(tmp_path):
    # AGPL-3.0 has two source-disclosure duties (§6 recipients, §13 network users): obligations
    # were de-duplicated on (license, kind, tag, text), which both share, and §13 was lost
    got = choose(KB, ["agpl-3.0", "gpl-3.0"], relation="merge")
    clauses = {(o.upstream, o.clause) for o in got.obligations if o.duty == "source-disclosure"}
    assert {("agpl-3.0", "§6"), ("agpl-3.0", "§13"), ("gpl-3.0", "§6")} <= clauses
    assert "source-disclosure (agpl-3.0 §13)" in choice_text(got)
    res = check_card(card(tmp_path, "agpl-merge", {"license": "agpl-3.0", "base_model": ["org/a", "org/g"]}),
                     kb=KB, parent_licenses={"org/a": "agpl-3.0", "org/g": "gpl-3.0"})
    sources = [s for s in res.ship if s.kind == "source"]
    assert any("network" in s.what for s in sources) and len(sources) >= 2
    assert "network" in check_text(res)
    anc = Ancestor(ancestor_id="org/a", depth=1, child_id="me/m", relation="merge", relation_source="declared",
                   hub_relation=None, evidence=None, license="agpl-3.0", license_raw="agpl-3.0",
                   resolution="id", dangling=False, in_cycle=False)
    duties = effective_duties(KB, [anc])
    assert {d.clause for d in duties if d.duty == "source-disclosure"} == {"§6", "§13"}


# --------------------------------------------------------------------------- GNU "-only"


def test_gnu_only_reading_is_said_where_users_see_it(tmp_path):
    for lid, spdx in (("gpl-2.0", "GPL-2.0-only"), ("gpl-3.0", "GPL-3.0-only"), ("lgpl-2.1", "LGPL-2.1-only"),
                      ("lgpl-3.0", "LGPL-3.0-only"), ("agpl-3.0", "AGPL-3.0-only")):
        assert f"read as {spdx}" in (KB.get(lid).reading or "")
        assert any(f"read as {spdx}" in n for n in choose(KB, [lid]).notes)
    assert KB.get("mit").reading is None and KB.get("gfdl-1.3").reading is None
    res = check_card(card(tmp_path, "gpl-ft", {"license": "gpl-3.0", "base_model": "org/g"}), kb=KB,
                     parent_licenses={"org/g": "gpl-3.0"})
    assert "Note: gpl-3.0 is read as GPL-3.0-only" in check_text(res)


# --------------------------------------------------------------------------- the schema


def _kb_dir(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "demo.toml").write_text(textwrap.dedent("""
        [[license]]
        id = "demo-1.0"
        name = "Demo"
        family = "copyleft"
        version = "1.0"
        date = ""
        work_kind = "software"
        hub_id = false
        spdx = ""
        commercial = true
        derivatives = "share"
        restricts_use = false
        field_of_use = false
        review = false
        note = "test"
        url = "https://example.org/demo"
        """) + textwrap.dedent(extra), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("extra, message", [
    ('[[license.duty]]\nkind = "no-further-restrictions"\ntag = "gnu"\nforbids = ["spite"]\nscope = "work"\n'
     'source = { url = "https://e.org", clause = "§6" }\nsummary = "x"\n', "unknown restriction 'spite'"),
    ('[[license.duty]]\nkind = "no-further-restrictions"\ntag = "gnu"\nforbids = ["indemnity"]\n'
     'source = { url = "https://e.org", clause = "§6" }\nsummary = "x"\n', "key 'scope' must be one of"),
    ('[[license.term]]\nkind = "indemnity"\nsource = { url = "https://e.org", clause = "" }\nsummary = "x"\n',
     "key 'clause' must not be empty"),
    ('[[license.combine]]\nwith = ["demo-1.0"]\nsource = { url = "https://e.org", clause = "§3" }\nsummary = "x"\n',
     "only a share-alike license needs a combination permission"),
    ('[[license.divergence]]\nauthority = "osadl"\nlicenses = ["demo-1.0"]\nsays = "yes"\nreason = "taste"\n'
     'source = { url = "https://e.org", clause = "§1" }\nsummary = "x"\n', "unknown value 'taste'"),
    ('[[license.divergence]]\nauthority = "osadl"\nlicenses = ["nope"]\nsays = "yes"\nreason = "second-work"\n'
     'source = { url = "https://e.org", clause = "§1" }\nsummary = "x"\n', "references unknown license 'nope'"),
])
def test_property_schema_errors_name_the_entry(tmp_path, extra, message):
    with pytest.raises(KnowledgeBaseError) as exc:
        load_kb(_kb_dir(tmp_path, extra))
    assert "demo.toml: license 'demo-1.0'" in str(exc.value) and message in str(exc.value)


# --------------------------------------------------------------------------- choose --why


def test_why_explains_one_pair_with_properties_and_authorities():
    from licensegraph.api import LicenseGraph, PairAnswer, PairError

    lg = LicenseGraph(read_only=True)
    a = lg.why("apache-2.0", "gpl-2.0")
    assert not a.feasible and not a.merge_feasible
    failing = [p for p in a.properties if not p.holds]
    assert [(p.license, p.clause) for p in failing] == [("gpl-2.0", "§6")]
    assert "LICENSE-2.0 §3" in failing[0].detail and "LICENSE-2.0 §9" in failing[0].detail
    says = {v.authority: (v.says, v.agrees) for v in a.authorities}
    assert says == {"osadl": ("no", True), "fsf": ("no", True)}
    assert any("GPL-2.0-only" in r for r in a.readings)
    # a listed divergence is shown with its reason and clause; the merge gets the authority's answer
    m = lg.why("mpl-2.0", "gpl-3.0")
    assert not m.feasible and m.merge_feasible
    osadl = next(v for v in m.authorities if v.authority == "osadl")
    assert osadl.says == "yes" and osadl.agrees is False
    assert osadl.divergence.reason == "second-work" and "§3.3" in osadl.divergence.clause
    # CC's chart beside the CC clause that no longer blocks BY-NC-ND
    c = lg.why("cc-by-4.0", "cc-by-nc-nd-4.0")
    assert c.feasible and [(v.authority, v.says, v.agrees) for v in c.authorities] == [("cc", "yes", True)]
    nfr = next(p for p in c.properties if p.property == "no-further-restrictions:cc")
    assert nfr.holds and "§1(h)" in nfr.detail
    # aliases resolve; JSON round-trips; unknown ids are a clear error
    assert lg.why("Apache 2.0", "GPLv2").candidate == "gpl-2.0"
    assert PairAnswer.from_dict(a.to_dict()) == a
    with pytest.raises(PairError, match="apachee: not a license id"):
        lg.why("apachee", "mit")
    with pytest.raises(PairError, match="family id"):
        lg.why("mit", "gpl")


def test_cli_choose_why(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from licensegraph.cli import app

    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "none.duckdb"))
    run = CliRunner().invoke
    res = run(app, ["choose", "--why", "ecl-2.0", "--license", "lgpl-2.1"])
    assert res.exit_code == 0, res.output
    assert "FAIL no-further-restrictions:lgpl (of lgpl-2.1) [lgpl-2.1 §10]" in res.output
    assert "OSADL" in res.output and "(agrees)" in res.output
    data = json.loads(run(app, ["choose", "--why", "mpl-2.0", "--license", "eupl-1.2", "--format", "json"]).output)
    assert data["authorities"][0]["divergence"]["reason"] == "separable-parts"
    assert run(app, ["choose", "--why", "mit"]).exit_code == 2
    assert run(app, ["choose", "--why", "mit", "--license", "nope"]).exit_code == 2
    assert run(app, ["choose", "--why", "mit", "--license", "gpl-3.0", "-p", "x"]).exit_code == 2
    assert run(app, ["choose"]).exit_code == 2
    assert not (tmp_path / "none.duckdb").exists()
