"""The rule catalogue on real records from the sample and on hand-made lineages."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import real_record, record, writable_copy, write_jsonl
from licensegraph.api.audit import audit_table
from licensegraph.api.explain import explain
from licensegraph.api.ingest import ingest
from licensegraph.rules import all_rules, get_rule
from licensegraph.rules.context import AuditContext
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store
from sample_facts import NOT_MODEL_LICENSES, UNDECIDED, sample_models

# libyaml when present: the same YAML, ten times faster over the sample's cards
CARD_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="session")
def audited_sample(sample_store):
    return sample_store


@pytest.fixture(scope="session")
def sample_ctx(audited_sample):
    return AuditContext(audited_sample)


def outcome(ctx: AuditContext, rule_id: str, label: str, view: str, model_id: str) -> str:
    """noncompliant | compliant | excluded | not-qualifying, for one model."""
    idx = ctx.index_of(model_id)
    row = next(r for r in get_rule(rule_id).evaluate(ctx, view) if r.label == label)
    if row.noncompliant[idx]:
        return "noncompliant"
    if row.qualifying[idx]:
        return "compliant"
    if row.excluded[idx] >= 0:
        return "excluded"
    return "not-qualifying"


def store_from(tmp_path, records) -> Store:
    s = Store(tmp_path / "h.duckdb")
    ingest(s, [write_jsonl(tmp_path / "h.jsonl", records)])
    run_audit(s)
    return s


def findings(store, model_id, view="effective"):
    return {r[0]: r[1:] for r in store.execute(
        "SELECT label, ancestor_id, path, via_noncompliant, message, remedy, severity FROM findings "
        "WHERE model_key = lower(?) AND view = ?", [model_id, view]).fetchall()}


def with_license(model_id: str, license: str, **card) -> dict:
    rec = real_record(model_id)
    data = yaml.load(rec["card_data"], Loader=CARD_LOADER) or {}
    data["license"] = license
    data.update(card)
    rec["card_data"] = yaml.safe_dump(data)
    rec["tags"] = [t for t in rec["tags"] if not t.startswith("license:")]
    return rec


# -- real records: one noncompliant and one compliant case per rule row ----------------

REAL_CASES = [
    # rule, label, view, noncompliant model, compliant model
    ("license-mismatch", "License Mismatch", "local", "4TO/MC_Farmer", "abhayesian/llama2-7b-sft-lora"),
    ("copyleft-style-dropped", "Copyleft-style Terms", "local", "abideen/gemma-7b-openhermes", "abhayesian/llama2-7b-sft-lora"),
    ("copyleft-violation", "Copyleft Violation", "local", "jhshao/ChronoDepth-v1", None),
    # keeps its CC parent's license and adds nothing, though Gemma sits above that parent
    ("cc-freedom-conflict", "CCf", "effective", None, "OpenLLM-Ro/RoGemma-7b-Instruct-DPO"),
    ("cc-freedom-conflict", "CCf", "local", None, "OpenLLM-Ro/RoGemma-7b-Instruct-DPO"),
    ("llama-exclusive-license", "La2E-license", "local", "agoor97/Llama-2-7b-chat-hf-llama-2-7b-chat-guanaco", "abhayesian/llama2-7b-sft-lora"),
    ("llama-exclusive-merge", "La2E-merge", "local", "sherooz/ahmed", "mayanklohani19/milan"),
    ("llama-naming", "llama-naming", "local", "gooberdooberloober/lana", "kingabzpro/Llama-4-Scout-17B-16E-Instruct-Medical-ChatBot"),
    ("nc-dropped", "nc-dropped", "local", "jhshao/ChronoDepth-v1", "AGCobra/EXAONE-Deep-32B-mlx-4Bit"),
    ("license-missing", "license-missing", "local", "0x6e676e/generate-context", "4TO/MC_Farmer"),
    ("license-unresolved", "license-unresolved", "local", "Alibaba-Research-Intelligence-Computing/Tora", "0xchum/Fugen"),
    ("merge-conflict", "merge-conflict", "local", None, "arcee-ai/gemma-7b-slerp"),
]


@pytest.mark.parametrize("rule_id,label,view,bad,good", REAL_CASES)
def test_real_cases(sample_ctx, rule_id, label, view, bad, good):
    if bad:
        assert outcome(sample_ctx, rule_id, label, view, bad) == "noncompliant"
    if good:
        assert outcome(sample_ctx, rule_id, label, view, good) == "compliant"


@pytest.mark.parametrize("label", ["ND", "FSff", "La3E-license", "La3E-merge"])
def test_rows_with_no_qualifying_model_in_the_sample(audited_sample, label):
    # The sample holds no ND, GPL or Meta Llama 3 parent: these rows' real cases are the
    # hand-made ones below (built from real records with one field changed).
    row = next(r for r in audit_table(audited_sample).rows if r.label == label)
    assert row.qualifying == 0 and row.noncompliant == 0


def test_real_findings_carry_clause_path_and_remedy(audited_sample):
    f = findings(audited_sample, "agoor97/Llama-2-7b-chat-hf-llama-2-7b-chat-guanaco", view="local")
    ancestor, path, via, message, remedy, severity = f["La2E-license"]
    assert ancestor == "meta-llama/Llama-2-7b-chat-hf"
    assert path == ["agoor97/Llama-2-7b-chat-hf-llama-2-7b-chat-guanaco", "meta-llama/Llama-2-7b-chat-hf"]
    assert "improve other LLMs" in message and "llama2" in remedy
    clause, url = audited_sample.execute(
        "SELECT clause, source_url FROM findings WHERE rule_id = 'llama-exclusive-license' AND view = 'local' "
        "AND model_key = lower('agoor97/Llama-2-7b-chat-hf-llama-2-7b-chat-guanaco')").fetchone()
    assert "1.b.v" in clause and url.startswith("https://")


# -- the table's counts against an independent reading of the sample -------------------

SOFTWARE_CONTENT_DATA = NOT_MODEL_LICENSES


def _decidable(m) -> bool:
    # `other` is read through the names and links of sample_facts (unresolved otherwise)
    return m["license"] not in UNDECIDED


def _is_merge(m) -> bool:
    return len(m["parents"]) > 1 or any(t in ("mergekit", "merge") for t in m["tags"])


def test_table_rows_match_independent_counts(audited_sample):
    models = sample_models()
    rows = {r.label: r for r in audit_table(audited_sample, view="local").rows}

    def parent_licenses(m):
        return [models[p]["license"] if p in models else None for p in m["parents"]]

    # License Mismatch: every model with a known license; noncompliant when it is a software,
    # content or data license (the sample's other licenses are all model licenses).
    known = [m for m in models.values() if _decidable(m)]
    mismatch = [m for m in known if m["license"] in SOFTWARE_CONTENT_DATA]
    assert (rows["License Mismatch"].qualifying, rows["License Mismatch"].noncompliant) == (len(known), len(mismatch))

    # La2E-license: derivatives with a llama2 parent and a known license; noncompliant unless llama2.
    la2 = [m for m in models.values() if "llama2" in parent_licenses(m) and _decidable(m)]
    la2_bad = [m for m in la2 if m["license"] != "llama2"]
    assert (rows["La2E-license"].qualifying, rows["La2E-license"].noncompliant) == (len(la2), len(la2_bad))

    # La2E-merge: merges with a llama2 parent; noncompliant when another parent has a known
    # non-Llama-2 license.
    merges = [m for m in models.values() if _is_merge(m) and "llama2" in parent_licenses(m)]
    merge_bad = [m for m in merges
                 if any(p in models and _decidable(models[p]) and models[p]["license"] != "llama2" for p in m["parents"])]
    assert rows["La2E-merge"].noncompliant == len(merge_bad)
    assert rows["La2E-merge"].qualifying + rows["La2E-merge"].excluded["absent"] + \
        rows["La2E-merge"].excluded["none"] >= len(merges)

    # llama-naming: derivatives of Llama 3.1+ (llama3.x ids or `other` named llama4) whose
    # repo name does not begin with the word "Llama" (any case; a digit or a capital may follow).
    def llama31(lic_model):
        return lic_model and lic_model["license"] in ("llama3.1", "llama3.2", "llama3.3", "llama4")

    naming = [m for m in models.values() if any(llama31(models.get(p)) for p in m["parents"])]
    naming_bad = [m for m in naming
                  if not (m["id"].split("/")[-1][:5].lower() == "llama"
                          and not m["id"].split("/")[-1][5:6].islower())]
    assert (rows["llama-naming"].qualifying, rows["llama-naming"].noncompliant) == (len(naming), len(naming_bad))
    assert rows["License Mismatch"].noncompliant > 500 and rows["La2E-license"].noncompliant > 40


def test_table_order_and_disclaimer(audited_sample):
    data = audit_table(audited_sample, view="effective")
    labels = [r.label for r in data.rows]
    assert labels[:10] == ["License Mismatch", "Copyleft-style Terms", "Copyleft Violation", "ND", "CCf", "FSff",
                           "La2E-license", "La2E-merge", "La3E-license", "La3E-merge"]
    assert set(labels[10:]) == {"llama-naming", "nc-dropped", "license-missing", "license-unresolved", "merge-conflict"}
    assert "not legal advice" in data.disclaimer
    assert data.view == "effective"


def test_effective_view_is_stricter(audited_sample):
    local = {r.label: r.noncompliant for r in audit_table(audited_sample, "local").rows}
    eff = {r.label: r.noncompliant for r in audit_table(audited_sample, "effective").rows}
    assert eff["Copyleft-style Terms"] > local["Copyleft-style Terms"]
    assert eff["La2E-license"] > local["La2E-license"]


# -- hand-made lineages ------------------------------------------------------------------


def test_transitive_inheritance_through_relabelled_ancestor(tmp_path):
    # Real: inceptionai/jais-adapted-7b is a Llama 2 finetune relabelled apache-2.0.
    # Hand-made: a GGUF quantization of it, also apache-2.0.
    root = real_record("meta-llama/Llama-2-7b")
    relabelled = real_record("inceptionai/jais-adapted-7b")
    quant = record("someone/jais-adapted-7b-GGUF", card={"license": "apache-2.0", "base_model": "inceptionai/jais-adapted-7b"},
                   tags=["gguf", "base_model:quantized:inceptionai/jais-adapted-7b"])
    s = store_from(tmp_path, [root, relabelled, quant])
    local = findings(s, "someone/jais-adapted-7b-GGUF", view="local")
    eff = findings(s, "someone/jais-adapted-7b-GGUF", view="effective")
    assert "Copyleft-style Terms" not in local  # apache-2.0 on apache-2.0
    ancestor, path, via, message, *_ = eff["Copyleft-style Terms"]
    assert ancestor == "meta-llama/Llama-2-7b"
    assert path == ["someone/jais-adapted-7b-GGUF", "inceptionai/jais-adapted-7b", "meta-llama/Llama-2-7b"]
    assert via is True and "reached through an ancestor that is itself noncompliant" in message
    assert "La2E-license" in eff

    data = explain(s, "someone/jais-adapted-7b-GGUF")
    assert data.parents[0].relation == "quantization"
    assert [a.ancestor_id for a in data.ancestors] == ["inceptionai/jais-adapted-7b", "meta-llama/Llama-2-7b"]
    kinds = {(d.license, d.duty) for d in data.effective_duties}
    assert ("llama2", "no-improve-other-llm") in kinds and ("llama2", "use-restrictions") in kinds
    assert {f.rule_id for f in data.findings if f.view == "effective"} >= {
        "copyleft-style-dropped", "llama-exclusive-license"}
    s.close()


def test_adapter_inherits_openrail_restrictions(tmp_path):
    # Real SD 2.1 (openrail++), hand-made LoRA adapter relabelled MIT.
    root = real_record("stabilityai/stable-diffusion-2-1")
    lora = record("someone/sd21-style-lora", card={"license": "mit", "base_model": "stabilityai/stable-diffusion-2-1"},
                  tags=["lora", "base_model:adapter:stabilityai/stable-diffusion-2-1"], library_name="diffusers")
    s = store_from(tmp_path, [root, lora])
    f = findings(s, "someone/sd21-style-lora", view="local")
    assert "Copyleft-style Terms" in f
    assert s.execute("SELECT relation FROM findings WHERE model_key = 'someone/sd21-style-lora' LIMIT 1").fetchone()[0] == "adapter"
    s.close()


def test_merge_of_incompatible_share_alike_parents(tmp_path):
    a = with_license("microsoft/phi-2", "cc-by-sa-4.0")
    b = with_license("EleutherAI/gpt-neox-20b", "cc-by-nc-sa-4.0")
    merge = record("someone/phi-neox-merge", card={"license": "cc-by-sa-4.0",
                                                   "base_model": ["microsoft/phi-2", "EleutherAI/gpt-neox-20b"]},
                   tags=["mergekit"])
    s = store_from(tmp_path, [a, b, merge])
    f = findings(s, "someone/phi-neox-merge", view="local")
    assert "merge-conflict" in f and "Copyleft Violation" in f
    assert "cc-by-sa-4.0 and cc-by-nc-sa-4.0" in f["merge-conflict"][3] or "cc-by-nc-sa-4.0 and cc-by-sa-4.0" in f["merge-conflict"][3]
    s.close()


def test_no_derivatives_and_gnu_and_llama3_rows(tmp_path):
    nd_root = with_license("microsoft/phi-2", "cc-by-nd-4.0")
    nd_child = record("someone/phi-2-ft", card={"license": "cc-by-nd-4.0", "base_model": "microsoft/phi-2"})
    gpl_root = with_license("EleutherAI/gpt-neox-20b", "gpl-3.0")
    gpl_good = record("someone/neox-gpl", card={"license": "gpl-3.0", "base_model": "EleutherAI/gpt-neox-20b"})
    gpl_bad = record("someone/neox-rail", card={"license": "creativeml-openrail-m", "base_model": "EleutherAI/gpt-neox-20b"})
    l3 = record("meta-llama/Meta-Llama-3-8B", card={"license": "llama3"})
    l3_good = record("someone/Llama-3-8B-chat", card={"license": "llama3", "base_model": "meta-llama/Meta-Llama-3-8B"})
    l3_bad = record("someone/chatty-8b", card={"license": "apache-2.0", "base_model": "meta-llama/Meta-Llama-3-8B"})
    l3_merge = record("someone/Llama-3-neox-merge", card={"license": "llama3",
                                                          "base_model": ["meta-llama/Meta-Llama-3-8B", "EleutherAI/gpt-neox-20b"]})
    s = store_from(tmp_path, [nd_root, nd_child, gpl_root, gpl_good, gpl_bad, l3, l3_good, l3_bad, l3_merge])
    ctx = AuditContext(s)
    assert outcome(ctx, "no-derivatives", "ND", "local", "someone/phi-2-ft") == "noncompliant"
    assert outcome(ctx, "gnu-freedom-conflict", "FSff", "local", "someone/neox-rail") == "noncompliant"
    assert outcome(ctx, "gnu-freedom-conflict", "FSff", "local", "someone/neox-gpl") == "compliant"
    assert outcome(ctx, "copyleft-violation", "Copyleft Violation", "local", "someone/neox-gpl") == "compliant"
    assert outcome(ctx, "llama-exclusive-license", "La3E-license", "local", "someone/chatty-8b") == "noncompliant"
    assert outcome(ctx, "llama-exclusive-license", "La3E-license", "local", "someone/Llama-3-8B-chat") == "compliant"
    assert outcome(ctx, "llama-exclusive-merge", "La3E-merge", "local", "someone/Llama-3-neox-merge") == "noncompliant"
    assert outcome(ctx, "llama-naming", "llama-naming", "local", "someone/chatty-8b") == "noncompliant"
    assert outcome(ctx, "llama-naming", "llama-naming", "local", "someone/Llama-3-8B-chat") == "compliant"
    assert outcome(ctx, "merge-conflict", "merge-conflict", "local", "someone/Llama-3-neox-merge") == "noncompliant"
    s.close()


def test_dangling_parent_is_left_out_not_guessed(tmp_path):
    child = record("someone/orphan-ft", card={"license": "apache-2.0", "base_model": "nowhere/missing-model"})
    s = store_from(tmp_path, [child])
    ctx = AuditContext(s)
    assert outcome(ctx, "copyleft-style-dropped", "Copyleft-style Terms", "local", "someone/orphan-ft") == "excluded"
    row = next(r for r in audit_table(s).rows if r.label == "Copyleft-style Terms")
    assert row.excluded["absent"] == 1
    s.close()


def test_cycle_terminates_and_is_reported(tmp_path):
    recs = [
        record("org/a", card={"license": "apache-2.0", "base_model": "org/b"}),
        record("org/b", card={"license": "apache-2.0", "base_model": "org/c"}),
        record("org/c", card={"license": "llama2", "base_model": "org/a"}),
    ]
    s = store_from(tmp_path, recs)
    f = findings(s, "org/a", view="effective")
    assert f["Copyleft-style Terms"][0] == "org/c"
    assert f["Copyleft-style Terms"][1] == ["org/a", "org/b", "org/c"]
    assert s.execute("SELECT count(*) FROM lineage_issues WHERE kind = 'cycle'").fetchone()[0] == 3
    s.close()


def test_unresolved_ancestor_marks_descendants_possibly_incomplete(tmp_path):
    recs = [
        record("org/root", card={"license": "other"}),
        record("org/mid", card={"license": "llama2", "base_model": "org/root"}),
        record("org/leaf", card={"license": "apache-2.0", "base_model": "org/mid"}),
    ]
    s = store_from(tmp_path, recs)
    marks = dict(((view, rule), flag) for view, rule, flag in s.execute(
        "SELECT view, rule_id, possibly_incomplete FROM findings WHERE model_key = 'org/leaf'").fetchall())
    # the unresolved license is a grandparent: effective-view verdicts may miss its duties
    assert marks[("effective", "llama-exclusive-license")] is True
    # the edge-local view judges against org/mid alone; license-mismatch reads the model's
    # own license; license-unresolved's finding is the unresolved license itself
    assert marks[("local", "llama-exclusive-license")] is False
    assert marks[("effective", "license-mismatch")] is False
    assert marks[("effective", "license-unresolved")] is False
    assert "license-unresolved" in findings(s, "org/leaf")
    # "possibly incomplete" only for an ancestor's license: org/root's own is the unresolved one
    assert not s.execute("SELECT count(*) FROM findings WHERE model_key = 'org/root' AND possibly_incomplete").fetchone()[0]
    s.close()


def test_rule_per_file_and_single_rule_run(audited_sample, sample_unaudited_db, tmp_path):
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids)) == 13
    s = Store(writable_copy(sample_unaudited_db, tmp_path / "one.duckdb"))
    run_audit(s, rule_ids=["nc-dropped"])
    assert {r[0] for r in s.execute("SELECT DISTINCT rule_id FROM rule_counts").fetchall()} == {"nc-dropped"}
    with pytest.raises(KeyError, match="unknown rule"):
        run_audit(s, rule_ids=["nope"])
    s.close()


def test_noncompliant_never_exceeds_qualifying(sample_ctx):
    for rule in all_rules():
        for view in ("local", "effective"):
            for row in rule.evaluate(sample_ctx, view):
                assert not (row.noncompliant & ~row.qualifying).any(), (rule.id, row.label, view)
                assert not (row.qualifying & (row.excluded >= 0)).any()
                assert np.all(row.qualifying <= sample_ctx.audited)


def test_pair_matrices_are_kept_in_the_user_cache_for_the_next_process(tmp_path, monkeypatch):
    """A process that audits a new store takes the pair matrices an earlier process kept in
    the user cache (building them is ~0.2 s of every `check`); a file of the wrong size is
    not used but rebuilt."""
    from licensegraph.rules import base

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(base, "_BUILT_HERE", {})  # as in a new process
    records = [real_record("meta-llama/Llama-2-7b"),
               record("someone/llama-ft", card={"license": "mit", "base_model": "meta-llama/Llama-2-7b"})]

    def kept(name: str) -> dict[str, bytes]:
        s = store_from(tmp_path / name, records)
        try:
            return dict(s.execute("SELECT key, bits FROM kb_matrices WHERE NOT starts_with(key, 'merge-conflict-')"
                                  ).fetchall())
        finally:
            s.close()

    (tmp_path / "a").mkdir()
    built = kept("a")
    files = sorted((tmp_path / "cache" / "licensegraph" / "pair-matrices").glob("*.bits"))
    assert built and len(files) == len(built)
    assert sorted(f.read_bytes() for f in files) == sorted(built.values())
    # The next process reads the files: changed here, the change reaches its store.
    for f in files:
        f.write_bytes(bytes(b ^ 0xFF for b in f.read_bytes()))
    files[0].write_bytes(b"\x00")  # cut short: rebuilt, not used
    monkeypatch.setattr(base, "_BUILT_HERE", {})
    (tmp_path / "b").mkdir()
    again = kept("b")
    assert again.keys() == built.keys()
    assert sum(again[k] != built[k] for k in built) == len(built) - 1
    assert {bytes(b ^ 0xFF for b in again[k]) for k in built if again[k] != built[k]} <= set(built.values())
