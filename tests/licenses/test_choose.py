"""`choose`: feasible licenses per parent combination (derived from the license facts first),
the ModelGo answer (cells of ModelGo's V2 compatibility table), store parents with their
effective (transitive) licenses, agreement with the merge-conflict rule, and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import record, write_jsonl
from licensegraph.api.choose import choose as api_choose
from licensegraph.api.ingest import ingest
from licensegraph.cli import app
from licensegraph.licenses.choose import COMMON, ParentError, choose
from licensegraph.licenses.feasibility import feasible_licenses, restrictiveness
from licensegraph.licenses.kb import load_kb
from licensegraph.licenses.modelgo import demanded_options, modelgo_answer, table_cell
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store

KB = load_kb()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_default_store(tmp_path, monkeypatch):
    """The CLI falls back to the default store when it exists; keep tests off the user's."""
    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "no-default-store.duckdb"))

# Licenses that carry no attribution or notice duty: a derivative under one of them would let
# recipients drop the upstream notices that MIT, Apache-2.0, BSD and CC-BY require be kept.
NO_ATTRIBUTION = {"cc0-1.0", "pddl", "unlicense", "wtfpl", "mg0-1.0", "mg0-2.0"}

# MIT requires only that the copyright and permission notice stay in all copies. Any license
# that keeps attribution may cover the derivative: permissive, copyleft, CC, data, ModelGo
# and OpenRAIL licenses alike (adding use restrictions, share-alike, NC or ND terms to one's
# own derivative is allowed). Vendors' model licenses (Llama, Gemma, Qwen, research-only
# licenses...) are not licenses a third party can grant for its own work, so they are out
# unless material under them is upstream.
PERMISSIVE_OK = {
    "afl-3.0", "agpl-3.0", "apache-2.0", "apple-ascl", "artistic-2.0", "bigcode-openrail-m",
    "bigscience-bloom-rail-1.0", "bigscience-openrail-m", "bsd-2-clause", "bsd-3-clause",
    "bsd-3-clause-clear", "bsl-1.0", "c-uda", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0",
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cc-by-sa-3.0",
    "cc-by-sa-4.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "cdla-sharing-1.0",
    "creativeml-openrail-m", "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2",
    "gfdl-1.3", "gpl-2.0", "gpl-3.0", "isc", "lgpl-2.1", "lgpl-3.0", "lgpl-lr", "lppl-1.3c",
    "mg-by-1.0", "mg-by-2.0", "mg-by-nc-1.0", "mg-by-nc-2.0", "mg-by-nc-nd-1.0", "mg-by-nc-nd-2.0",
    "mg-by-nc-os-1.0", "mg-by-nc-os-2.0", "mg-by-nc-rai-1.0", "mg-by-nc-rai-2.0", "mg-by-nd-1.0",
    "mg-by-nd-2.0", "mg-by-os-1.0", "mg-by-os-2.0", "mg-by-rai-1.0", "mg-by-rai-2.0", "mg-by-sa-2.0",
    "mit", "mpl-2.0", "ms-pl", "ncsa", "odbl-1.0", "odc-by-1.0", "ofl-1.1", "openmdw-1.0",
    "openmdw-1.1", "openrail++", "osl-3.0", "postgresql", "zlib",
}
assert not PERMISSIVE_OK & NO_ATTRIBUTION

# Every license that keeps a non-commercial scope and adds nothing CC forbids.
NC_OK = {
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "mg-by-nc-1.0", "mg-by-nc-2.0",
    "mg-by-nc-nd-1.0", "mg-by-nc-nd-2.0", "mg-by-nc-os-1.0", "mg-by-nc-os-2.0",
}

# Licenses that embed the OpenRAIL-M Attachment A use restrictions.
OPENRAIL_CARRIERS = {
    "bigscience-bloom-rail-1.0", "bigscience-openrail-m", "creativeml-openrail-m", "openrail++",
    "bigcode-openrail-m", "mg-by-rai-1.0", "mg-by-rai-2.0", "mg-by-nc-rai-1.0", "mg-by-nc-rai-2.0",
}

CASES = [
    # MIT: see PERMISSIVE_OK.
    (["mit"], PERMISSIVE_OK),
    # CC BY-SA 4.0 §3(b): adaptations under BY-SA 4.0 (or a later version) or a
    # CC-declared BY-SA-compatible license; GPL-3.0 is the one declared (2015, one-way).
    (["cc-by-sa-4.0"], {"cc-by-sa-4.0", "gpl-3.0"}),
    # CC BY-NC 4.0: NC must stay (§1(i), CC FAQ "keep at least the same elements"), and
    # §2(a)(5)(C) forbids adding restrictions: no RAI, no field-of-use limits. CC's own NC,
    # NC-SA and NC-ND licenses fit, and ModelGo NC variants without RAI.
    (["cc-by-nc-4.0"], NC_OK),
    # Llama 2 §1.b.i + AUP travel with every derivative, and §1.b.v bans improving any
    # non-Llama-2 LLM: only the Llama 2 agreement itself carries both.
    (["llama2"], {"llama2"}),
    # Llama 3.1: the agreement and AUP travel (§1.b.i); nothing else embeds them.
    (["llama3.1"], {"llama3.1"}),
    # CreativeML OpenRAIL-M §4(a): any license that includes the Attachment A use
    # restrictions: the OpenRAIL family and the ModelGo RAI variants (MG-RAI ⊇ Attachment A).
    (["creativeml-openrail-m"], OPENRAIL_CARRIERS),
    # BY-SA demands BY-SA (or GPL-3.0), BY-NC-SA demands BY-NC-SA: no license is both
    # (CC FAQ on remixing ShareAlike material).
    (["cc-by-sa-4.0", "cc-by-nc-sa-4.0"], set()),
    # ND: adaptations may not be shared under any license (CC BY-ND 4.0 §2(a)(1)(B)).
    (["cc-by-nd-4.0"], set()),
    # GPL-3.0 §5(c): the whole work under GPL-3.0. §13 allows combining with an AGPL-3.0
    # work, which a single-parent derivative does not have.
    (["gpl-3.0"], {"gpl-3.0"}),
    # ... a merge with an AGPL-3.0 parent does: the merge carries AGPL-3.0 (§13).
    (["gpl-3.0", "agpl-3.0"], {"agpl-3.0"}),
    # Gemma's terms (§3.1) and Llama 2's agreement must each travel with the derivative,
    # and neither license carries the other's restrictions.
    (["gemma", "llama2"], set()),
    # A permissive co-parent adds only attribution, which the Llama 3.1 agreement keeps.
    (["llama3.1", "apache-2.0"], {"llama3.1"}),
    # Meta Llama 3 bans improving non-Llama-3 LLMs (§1.b.v) and must travel; Llama 3.1 must
    # travel too: two model licenses each demanding their own terms.
    (["llama3", "llama3.1"], set()),
    # Research-only, non-commercial (Intel research license): the limits stay, and only the
    # licensor's own terms carry them.
    (["intel-research"], {"intel-research"}),
    # Research-only limits cannot be added to CC BY-NC material (§2(a)(5)(C)), and CC
    # licenses drop them: nothing fits (the CCf conflict).
    (["intel-research", "cc-by-nc-4.0"], set()),
]


@pytest.mark.parametrize("parents, expected", CASES, ids=["+".join(p) for p, _ in CASES])
def test_feasible_set_in_full(parents, expected):
    got = choose(KB, parents)
    assert {f["license"] for f in got.feasible} == expected
    assert got.none_feasible == (not expected)
    if expected:
        assert got.reason is None
    else:
        assert got.reason and all(p in got.reason for p in parents[:1])
    # the same answer as the function merge-conflict uses (several parents: a merge)
    assert set(feasible_licenses(KB, parents, combined=len(parents) > 1).feasible) == expected


def test_apache_feasible_set():
    # Apache-2.0 §4: keep the license copy, notices and a statement of changes; like MIT
    # otherwise, except that GPL-2.0 and LGPL-2.1 cannot take Apache-2.0 code (licenses.md
    # §3.1, OSADL, FSF: the patent and indemnity terms are "further restrictions" under
    # GPL-2.0 §6 and LGPL-2.1 §10).
    got = {f["license"] for f in choose(KB, ["apache-2.0"]).feasible}
    assert got == PERMISSIVE_OK - {"gpl-2.0", "lgpl-2.1"}


def test_apache_excludes_gpl2():
    # licenses.md §3.1: GPL-2.0 cannot take Apache-2.0 material; GPL-3.0 can. Derived from
    # properties: GPL-2.0 §6 forbids patent termination and indemnity, Apache-2.0 §3 and §9 impose them.
    got = choose(KB, ["apache-2.0"])
    feasible = {f["license"] for f in got.feasible}
    assert "gpl-2.0" not in feasible and "gpl-3.0" in feasible
    why = feasible_licenses(KB, ["apache-2.0"]).excluded["gpl-2.0"]
    assert why.duty == "no-further-restrictions" and "§6" in why.source
    assert "LICENSE-2.0 §3" in why.reason and "LICENSE-2.0 §9" in why.reason
    # no license in the knowledge base keeps a per-pair exception
    assert not [lic.id for lic in KB if lic.duties_of("incompatible-outbound")]


def test_reasons_name_the_duty():
    got = choose(KB, ["llama3.1"])
    ex = {e["license"]: e for e in got.excluded}
    # every common license is accounted for, and so are the other Llama versions
    assert set(COMMON) <= ex.keys() | {f["license"] for f in got.feasible}
    assert {"llama2", "llama3", "llama3.2", "llama3.3", "llama4"} <= ex.keys()
    assert ex["apache-2.0"]["duty"] == "use-restrictions" and ex["apache-2.0"]["upstream"] == "llama3.1"
    assert "llama3.1 use restrictions" in ex["apache-2.0"]["reason"]
    assert "LICENSE" in ex["apache-2.0"]["source"] and "§1.b.i" in ex["apache-2.0"]["source"]

    nc = {e["license"]: e for e in choose(KB, ["cc-by-nc-4.0"]).excluded}
    assert nc["mit"]["duty"] == "non-commercial"
    assert nc["creativeml-openrail-m"]["duty"] in ("non-commercial", "no-further-restrictions")
    assert nc["mg-by-rai-2.0"]["upstream"] == "cc-by-nc-4.0"

    sa = {e["license"]: e for e in choose(KB, ["cc-by-sa-4.0"]).excluded}
    assert sa["cc-by-nc-sa-4.0"]["duty"] == "share-alike" and "cc-by-sa-4.0, gpl-3.0" in sa["cc-by-nc-sa-4.0"]["reason"]

    # a vendor's license cannot be granted by someone else for an MIT derivative
    full = {e["license"]: e for e in choose(KB, ["mit"], all_licenses=True).excluded}
    assert full["llama2"]["duty"] == "licensor-terms" and full["llama2"]["upstream"] is None
    assert full["cc0-1.0"]["duty"] == "attribution"


def test_satisfies_and_ranking():
    got = choose(KB, ["mit"])
    # least to most restrictive; at equal restrictiveness the parent's own license first
    scores = [restrictiveness(KB.get(f["license"]))[0] for f in got.feasible]
    assert scores == sorted(scores)
    assert got.feasible[0]["license"] == "mit"
    rail = choose(KB, ["creativeml-openrail-m"])
    first = rail.feasible[0]
    assert first["license"] == "creativeml-openrail-m"
    assert {"upstream": "creativeml-openrail-m", "duty": "use-restrictions:openrail-m",
            "how": "carries the openrail-m use restrictions"} in first["satisfies"]
    mg = choose(KB, ["mg-by-nc-2.0", "mg-by-rai-2.0"])
    assert [f["license"] for f in mg.feasible] == ["mg-by-nc-rai-2.0", "mg-by-nc-rai-1.0"]


def test_no_license_reasons():
    nd = choose(KB, ["cc-by-nd-4.0"], relation="quantization")
    assert nd.none_feasible and "cc-by-nd-4.0 forbids sharing derivatives" in nd.reason
    assert "privately" in nd.reason
    sa = choose(KB, ["cc-by-sa-4.0", "cc-by-nc-sa-4.0"])
    assert "cc-by-sa-4.0 and cc-by-nc-sa-4.0 demand terms no single license carries" in sa.reason
    assert "non-commercial" in sa.reason
    two = choose(KB, ["gemma", "llama2"])
    assert "gemma and llama2" in two.reason


def test_relation_notes_and_name_prefix():
    q = choose(KB, ["llama3.1"], relation="quantization")
    assert q.name_prefix["prefix"] == "Llama" and q.name_prefix["required_by"] == ["llama3.1"]
    assert any("quantization" in n and "warning" in n for n in q.notes)
    assert any(o["duty"] == "name-prefix" and o["warning_only"] for o in q.obligations)
    ft = choose(KB, ["llama3"])
    assert ft.name_prefix["prefix"] == "Llama 3"
    assert {o["duty"] for o in ft.obligations} >= {"license-copy", "notice-file", "display", "name-prefix"}
    assert choose(KB, ["mit"]).name_prefix is None
    # a Llama 2 + MIT merge has a license (llama2), but merging is the La2E-merge violation
    merge = choose(KB, ["llama2", "mit"])
    assert merge.relation == "merge" and [f["license"] for f in merge.feasible] == ["llama2"]
    # ...which the rule itself decides (api.choose asks llama-exclusive-merge, no rewrite of it)
    regardless = api_choose(KB, ["llama2", "mit"]).violations_regardless
    assert [v.rule_id for v in regardless] == ["llama-exclusive-merge"] and regardless[0].outside == ("mit",)
    assert api_choose(KB, ["llama2", "llama2"]).violations_regardless == ()


def test_bad_parents():
    with pytest.raises(ParentError) as exc:
        choose(KB, ["apachee"])
    assert "apache-2.0" in exc.value.suggestions
    with pytest.raises(ParentError) as exc:
        choose(KB, ["someone/unknown-model"])
    assert "--db" in str(exc.value)
    with pytest.raises(ValueError):
        choose(KB, ["mit"], relation="distillation")


# --------------------------------------------------------------------------- store parents


def test_store_parents_count_every_ancestor(sample_store):
    direct = choose(KB, ["meta-llama/Llama-2-7b-chat-hf"], store=sample_store)
    assert direct.parents[0].kind == "model" and direct.upstream == ["llama2"]
    assert [f["license"] for f in direct.feasible] == ["llama2"]
    # jais-adapted-7b-chat declares apache-2.0, but descends from meta-llama/Llama-2-7b: the
    # effective duties are Llama 2's, so only llama2 fits.
    jais = choose(KB, ["inceptionai/jais-adapted-7b-chat"], store=sample_store)
    assert jais.parents[0].license == "apache-2.0"
    assert "llama2" in jais.upstream and "meta-llama/Llama-2-7b" in {a["ancestor_id"] for a in jais.parents[0].ancestors}
    assert [f["license"] for f in jais.feasible] == ["llama2"]
    # model and license parents mix; a license alias resolves
    mixed = choose(KB, ["microsoft/phi-2", "Apache 2.0"], store=sample_store, relation="merge")
    assert mixed.upstream == ["mit", "apache-2.0"] and mixed.feasible[0]["license"] == "mit"
    # a parent that declares no license: nothing to count, and the answer says so
    unknown = choose(KB, ["deepseek-ai/DeepSeek-V3"], store=sample_store)
    assert unknown.upstream == [] and not unknown.none_feasible
    assert any("declares no license" in w for w in unknown.warnings)
    assert any("no known license upstream" in w for w in unknown.warnings)
    with pytest.raises(ParentError) as exc:
        choose(KB, ["meta-llama/Llama-2-7b-chatt-hf"], store=sample_store)
    assert "meta-llama/Llama-2-7b-chat-hf" in exc.value.suggestions


def test_same_answer_as_merge_conflict(tmp_path):
    """choose on a merge's parents is empty exactly when merge-conflict flags the merge."""
    combos = {
        "sa-ncsa": ("cc-by-sa-4.0", "cc-by-nc-sa-4.0"),
        "mit-apache": ("mit", "apache-2.0"),
        "llama31-apache": ("llama3.1", "apache-2.0"),
        "gemma-llama2": ("gemma", "llama2"),
        "nd-mit": ("cc-by-nd-4.0", "mit"),
        "research-nc": ("intel-research", "cc-by-nc-4.0"),
    }
    recs = []
    for name, (a, b) in combos.items():
        recs += [record(f"p/{name}-a", card={"license": a}), record(f"p/{name}-b", card={"license": b}),
                 record(f"m/{name}-merge", card={"license": "other", "base_model": [f"p/{name}-a", f"p/{name}-b"]})]
    store = Store(tmp_path / "m.duckdb")
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", recs)])
    run_audit(store, rule_ids=["merge-conflict"])
    flagged = {r[0] for r in store.execute(
        "SELECT model_id FROM findings WHERE rule_id = 'merge-conflict' AND view = 'local'").fetchall()}
    for name in combos:
        answer = choose(KB, [f"p/{name}-a", f"p/{name}-b"], store=store)
        assert answer.none_feasible == (f"m/{name}-merge" in flagged), name
    assert flagged == {"m/sa-ncsa-merge", "m/gemma-llama2-merge", "m/nd-mit-merge", "m/research-nc-merge"}
    store.close()


# --------------------------------------------------------------------------- ModelGo

V2 = ("mg0-2.0", "mg-by-2.0", "mg-by-sa-2.0", "mg-by-rai-2.0", "mg-by-nc-2.0", "mg-by-nd-2.0",
      "mg-by-nc-rai-2.0", "mg-by-nc-nd-2.0")
# modelgo.md, V2 table (blob f2f19a83), order MG0, BY, SA, RAI, NC, ND, NC-RAI, NC-ND.
V2_TABLE = """
✓ ✓ ✓ ✓ ✓ ⚠ ✓ ⚠
✓ ✓ ✓ ✓ ✓ ⚠ ✓ ⚠
✓ ✓ ✓ ✗ ✗ ✗ ✗ ✗
✓ ✓ ✗ ✓ ✓ ✗ ✓ ✗
✓ ✓ ✗ ✓ ✓ ⚠ ✓ ⚠
⚠ ⚠ ✗ ✗ ⚠ ⚠ ✗ ✗
✓ ✓ ✗ ✓ ✓ ✗ ✓ ✗
⚠ ⚠ ✗ ✗ ⚠ ✗ ✗ ⚠
"""
# The one irregular cell pair: ND x NC-ND is ✗ in the table, yet NC x ND (the same pooled
# options BY+NC+ND) is ⚠. The generating rule gives ⚠ for both; either way nothing may be
# shared.
IRREGULAR = {("mg-by-nd-2.0", "mg-by-nc-nd-2.0"), ("mg-by-nc-nd-2.0", "mg-by-nd-2.0")}


def test_modelgo_v2_table():
    rows = [line.split() for line in V2_TABLE.strip().splitlines()]
    for i, a in enumerate(V2):
        for j, b in enumerate(V2):
            expected = "⚠" if (a, b) in IRREGULAR else rows[i][j]
            assert table_cell(KB, a, b) == expected, (a, b)


def test_modelgo_named_cells():
    # NC + RAI -> MG-BY-NC-RAI
    nc_rai = modelgo_answer(KB, ["mg-by-nc-2.0", "mg-by-rai-2.0"])
    assert nc_rai.status == "feasible" and [f["license"] for f in nc_rai.feasible] == ["mg-by-nc-rai-2.0"]
    assert nc_rai.options == ["BY", "NC", "RAI"]
    # BY + ND -> ⚠: nothing may be shared
    by_nd = modelgo_answer(KB, ["mg-by-2.0", "mg-by-nd-2.0"])
    assert by_nd.status == "not-shareable" and by_nd.feasible == [] and "nothing may be shared" in by_nd.reason
    # SA + RAI -> ✗, no variant on purpose
    sa_rai = modelgo_answer(KB, ["mg-by-sa-2.0", "mg-by-rai-2.0"])
    assert sa_rai.status == "none" and "SA+RAI" in sa_rai.reason
    # SA + NC -> ✗ in V2 (no NC-SA variant)
    sa_nc = modelgo_answer(KB, ["mg-by-sa-2.0", "mg-by-nc-2.0"])
    assert sa_nc.status == "none" and "NC+SA" in sa_nc.reason
    # V1: NC + RAI -> MG-BY-NC-RAI 1.0
    v1 = modelgo_answer(KB, ["mg-by-nc-1.0", "mg-by-rai-1.0"], version="1")
    assert [f["license"] for f in v1.feasible] == ["mg-by-nc-rai-1.0"]


def test_modelgo_non_mg_upstream():
    assert demanded_options(KB, "llama2").keys() == {"BY", "RAI"}
    assert demanded_options(KB, "cc-by-nc-sa-4.0").keys() == {"BY", "NC", "SA"}
    assert demanded_options(KB, "cc-by-nd-4.0").keys() == {"BY", "ND"}
    assert demanded_options(KB, "mg-by-nc-rai-2.0").keys() == {"BY", "NC", "RAI"}
    # permissive parents: MG-BY or stricter, never MG0 (it drops attribution)
    mit = modelgo_answer(KB, ["mit"])
    assert [f["license"] for f in mit.feasible] == ["mg-by-2.0", "mg-by-rai-2.0", "mg-by-sa-2.0", "mg-by-nc-2.0",
                                               "mg-by-nd-2.0", "mg-by-nc-rai-2.0", "mg-by-nc-nd-2.0"]
    # OpenRAIL parents need RAI kept
    assert [f["license"] for f in modelgo_answer(KB, ["creativeml-openrail-m"]).feasible] == ["mg-by-rai-2.0", "mg-by-nc-rai-2.0"]
    # CC-BY-NC needs NC; NC-RAI would add use restrictions CC forbids (CCf)
    nc = modelgo_answer(KB, ["cc-by-nc-4.0"])
    assert [f["license"] for f in nc.feasible] == ["mg-by-nc-2.0", "mg-by-nc-nd-2.0"]
    assert any(e["license"] == "mg-by-nc-rai-2.0" and "cc-by-nc-4.0 forbids" in e["reason"] for e in nc.excluded)
    # terms that cannot be relicensed at all
    for lic in ("llama2", "gemma", "cc-by-sa-4.0", "gpl-3.0", "cc-by-nc-sa-4.0"):
        ans = modelgo_answer(KB, [lic])
        assert ans.status == "none" and ans.feasible == [], lic
        assert f"{lic} (non-ModelGo) cannot be relicensed" in ans.reason
    assert modelgo_answer(KB, ["cc-by-nd-4.0"]).status == "not-shareable"


# --------------------------------------------------------------------------- CLI


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_choose(tmp_path, sample_db):
    res = run("choose", "--parent", "llama3.1", "--parent", "apache-2.0", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["parents"][0]["parent_id"] == "llama3.1" and data["relation"] == "merge"
    assert data["upstream_licenses"] == ["llama3.1", "apache-2.0"]
    assert [f["license"] for f in data["feasible"]] == ["llama3.1"] and data["none_feasible"] is False
    assert data["feasible"][0]["satisfies"]
    ex = {e["license"]: e for e in data["excluded"]}
    assert ex["mit"]["duty"] == "use-restrictions" and ex["mit"]["upstream"] == "llama3.1"
    assert "not legal advice" in data["disclaimer"]

    none = run("choose", "-p", "cc-by-sa-4.0", "-p", "cc-by-nc-sa-4.0", "--format", "json")
    assert none.exit_code == 0
    got = json.loads(none.output)
    assert got["feasible"] == [] and got["none_feasible"] and "no single license" in got["reason"]
    text = run("choose", "-p", "cc-by-nd-4.0", "--relation", "quantization")
    assert text.exit_code == 0 and "No compliant license exists" in text.output

    mg = json.loads(run("choose", "-p", "mg-by-nc-2.0", "-p", "mg-by-rai-2.0", "--modelgo", "--format", "json").output)
    assert [f["license"] for f in mg["modelgo"]["feasible"]] == ["mg-by-nc-rai-2.0"]
    assert mg["modelgo"]["demanded_options"] == ["BY", "NC", "RAI"]
    mg_text = run("choose", "-p", "llama3.1", "--modelgo")
    assert mg_text.exit_code == 0 and "No ModelGo license fits" in mg_text.output

    bad = run("choose", "-p", "apachee")
    assert bad.exit_code == 2 and "apache-2.0" in bad.output
    assert run("choose", "-p", "mit", "--relation", "distill").exit_code == 2
    assert run("choose", "-p", "mit", "--format", "xml").exit_code == 2
    assert run("choose", "-p", "mit", "--db", tmp_path / "missing.duckdb").exit_code == 2

    db = sample_db
    store_answer = run("choose", "--db", db, "-p", "meta-llama/Llama-2-7b-chat-hf", "--format", "json")
    assert store_answer.exit_code == 0, store_answer.output
    assert [f["license"] for f in json.loads(store_answer.output)["feasible"]] == ["llama2"]
    missing = run("choose", "--db", db, "-p", "nobody/no-such-model")
    assert missing.exit_code == 2 and "not a model in the store" in missing.output
