"""Ingest, card parsing, lineage and license normalization on real and hand-made records."""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest
import yaml

from conftest import LINEAGE, SAMPLE, real_record, record, write_jsonl
from licensegraph.api.ingest import IngestError, ingest
from licensegraph.api.stats import stats as collect_stats

# libyaml when present: the same YAML, ten times faster over the sample's cards
CARD_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def edges_of(store, model_id):
    return store.execute(
        "SELECT parent_id, relation, relation_source, hub_relation, evidence, in_card, in_tags, dangling "
        "FROM edges WHERE child_key = lower(?) ORDER BY parent_key", [model_id]
    ).fetchall()


def license_of(store, model_id):
    return store.execute(
        "SELECT license, resolution, license_raw FROM model_licenses WHERE model_key = lower(?)", [model_id]
    ).fetchone()


def rejects(store):
    return store.execute("SELECT line, model_id, part, reason FROM rejects ORDER BY line").fetchall()


def set_card(rec: dict, **changes) -> dict:
    card = yaml.load(rec["card_data"], Loader=CARD_LOADER) or {}
    card.update(changes)
    rec["card_data"] = yaml.safe_dump(card)
    return rec


# -- real records -----------------------------------------------------------------


def test_sample_counts_and_license_figures(sample_store):
    stats = collect_stats(sample_store, top=40)
    assert stats.models.total == 1982
    top = {row.license: row.models for row in stats.licenses.top}
    # Figures counted from the raw card YAML (see ../shared/data/README.md).
    assert top["none"] == 731
    # 378 cards say mit; deepseek-ai/Janus-Pro-7B and two re-uploads name the DeepSeek
    # license beside it (license_name: deepseek) and carry that one
    assert top["mit"] == 375 and top["deepseek"] >= 3
    assert stats.licenses.name_beside_id == 5  # those 3, and 2 apache-2.0 cards linking Mistral's MRL
    assert top["apache-2.0"] == 274  # 276 say so; the 2 MRL-linking cards carry mrl-0.1
    assert top["llama2"] == 189
    assert top["creativeml-openrail-m"] == 158


def test_reingest_changes_nothing(tmp_path, store):
    first = ingest(store, [SAMPLE])
    before = collect_stats(store)
    second = ingest(store, [SAMPLE])
    assert first.total("stored") == 1982
    assert second.total("stored") == 0 and second.total("updated") == 0
    assert second.total("unchanged") == 1982
    assert collect_stats(store) == before


def test_other_with_name_resolves(sample_store):
    # Real: license: other, license_name: llama4
    assert license_of(sample_store, "meta-llama/Llama-4-Scout-17B-16E")[:2] == ("llama4", "other-name")


def test_other_without_name_or_link_is_unresolved(sample_store):
    lic, how, raw = license_of(sample_store, "Alibaba-Research-Intelligence-Computing/Tora")
    assert (lic, how, raw) == ("other-unresolved", "other-unresolved", "other")


def test_other_with_link_only_is_kept_raw(sample_store):
    # Real: license: other + license_link to the CogVideoX LICENSE, no license_name.
    lic, how, raw = license_of(sample_store, "THUDM/CogVideoX-5b")
    assert raw == "other"
    assert how in ("other-link", "other-unresolved")
    row = sample_store.execute(
        "SELECT license_link FROM model_licenses WHERE model_key = 'thudm/cogvideox-5b'").fetchone()
    assert row[0] == "https://huggingface.co/THUDM/CogVideoX-5b/blob/main/LICENSE"


def test_license_as_list(store, tmp_path):
    # The sample has no list-valued license; a real record with its license made a list.
    rec = set_card(real_record("microsoft/phi-2"), license=["MIT", "apache-2.0"])
    ingest(store, [write_jsonl(tmp_path / "r.jsonl", [rec])])
    assert store.execute("SELECT card_license FROM models").fetchone()[0] == ["MIT", "apache-2.0"]
    # every entry is kept; the model is judged under the most restrictive one
    assert license_of(store, "microsoft/phi-2")[:2] == ("apache-2.0", "list")
    assert store.execute("SELECT licenses FROM model_licenses").fetchone()[0] == ["mit", "apache-2.0"]


def test_base_model_list_is_a_merge_by_evidence(sample_store):
    # Real: 0xchum/Fugen lists two parents; its tags name one as finetune.
    edges = edges_of(sample_store, "0xchum/Fugen")
    assert [e[0] for e in edges] == ["deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B"]
    assert {e[1] for e in edges} == {"merge"}
    assert {e[2] for e in edges} == {"evidence"}
    assert edges[0][3] == "finetune"  # the Hub's label kept beside it
    assert edges[1][3] is None  # the tag did not name this parent


def test_base_model_url_and_duplicates(store, tmp_path):
    rec = set_card(real_record("awilliamson/phrankened"),
                   base_model=["https://huggingface.co/microsoft/phi-2", " microsoft/phi-2 ", {"bad": 1}])
    ingest(store, [write_jsonl(tmp_path / "r.jsonl", [rec])])
    assert [e[0] for e in edges_of(store, "awilliamson/phrankened")] == ["microsoft/phi-2"]
    reasons = [r[3] for r in rejects(store)]
    assert any(r.startswith("card_data.base_model: 1 of 3 entries are not text") for r in reasons)


def test_relation_declared(sample_store):
    # Real: the card declares base_model_relation: finetune; declared outranks the MLX 4-bit evidence.
    edge = edges_of(sample_store, "AGCobra/EXAONE-Deep-32B-mlx-4Bit")[0]
    assert edge[1:3] == ("finetune", "declared")


def test_relation_evidence_overrides_wrong_hub_tag(sample_store):
    # Real: an EXL2 quantization that the Hub tagged finetune.
    edge = edges_of(sample_store, "bartowski/Arcee-Blitz-exl2")[0]
    assert edge[1:4] == ("quantization", "evidence", "finetune")
    assert edge[4] == "name token exl2"


def test_relation_evidence_peft(sample_store):
    edge = edges_of(sample_store, "cassidyjennings/grant-assistant-3")[0]
    assert edge[1:5] == ("adapter", "evidence", "finetune", "tag peft")


def test_relation_hub(sample_store):
    edge = edges_of(sample_store, "4TO/MC_Farmer")[0]
    assert edge[1:4] == ("finetune", "hub", "finetune")


def test_relation_default(store, tmp_path):
    # A real record whose tags were lost: only the card's base_model remains.
    rec = real_record("4TO/MC_Farmer")
    rec["tags"] = []
    ingest(store, [write_jsonl(tmp_path / "r.jsonl", [rec])])
    edge = edges_of(store, "4TO/MC_Farmer")[0]
    assert edge[1:4] == ("finetune", "default", None)


def test_card_lists_more_parents_than_tags(sample_store):
    edges = edges_of(sample_store, "Fr0sT-FLAB/SolidityGPT")
    assert len(edges) == 3
    assert {e[1] for e in edges} == {"merge"}
    assert sum(1 for e in edges if e[6]) == 1  # one parent named by tags
    issue = sample_store.execute(
        "SELECT detail FROM lineage_issues WHERE kind = 'card-tag-disagreement' AND model_key = 'fr0st-flab/soliditygpt'"
    ).fetchone()[0]
    assert issue.startswith("card lists 3 parent(s), tags name 1")


def test_dangling_parent_kept_as_edge(sample_store):
    edge = edges_of(sample_store, "TencentARC/GeometryCrafter")
    dangling = [e for e in edge if e[7]]
    assert [e[0] for e in dangling] == ["tencent/DepthCrafter"]


# -- hand-made inputs --------------------------------------------------------------


def test_truncated_gzip_keeps_the_readable_part(store, tmp_path):
    data = SAMPLE.read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    summary = ingest(store, [path])
    stored = summary.total("stored")
    assert 500 < stored < 1982
    file_rejects = [r for r in rejects(store) if r[2] == "file"]
    assert len(file_rejects) == 1 and file_rejects[0][3].startswith("truncated gzip stream: file ends after line")
    assert summary.files[0].error.startswith("truncated gzip stream")


def test_non_json_line_and_record_without_id(store, tmp_path):
    good = record("org/good", card={"license": "mit"})
    path = write_jsonl(tmp_path / "m.jsonl", [good, "{not json", json.dumps({"author": "x"}), "[1, 2]", ""])
    summary = ingest(store, [path])
    assert summary.total("stored") == 1
    assert summary.total("rejected") == 4
    reasons = {line: reason for line, _, _, reason in rejects(store)}
    assert reasons[2].startswith("not valid JSON")
    assert reasons[3] == "record has no id"
    assert reasons[4] == "a JSON list, not a record (a JSON object)"
    assert reasons[5] == "empty line"


def test_yaml_error_keeps_the_record(store, tmp_path):
    rec = record("org/broken", card="license: mit\nbase_model: [unclosed\n",
                 tags=["license:apache-2.0", "base_model:finetune:org/parent"])
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", [rec])])
    (line, model, part, reason), = rejects(store)
    assert (line, model, part) == (1, "org/broken", "card")
    assert reason.startswith("YAML error at line")
    assert store.execute("SELECT card_error IS NOT NULL FROM models").fetchone()[0]
    # the rest of the record is kept: license and parent from the tags
    assert license_of(store, "org/broken")[0] == "apache-2.0"
    assert [e[0] for e in edges_of(store, "org/broken")] == ["org/parent"]


def test_self_loop_and_three_cycle(store, tmp_path):
    recs = [
        record("org/self", card={"base_model": "org/self", "license": "mit"}),
        record("org/a", card={"base_model": "org/b", "license": "mit"}),
        record("org/b", card={"base_model": "org/c", "license": "mit"}),
        record("org/c", card={"base_model": "org/a", "license": "mit"}),
        record("org/d", card={"base_model": "org/a", "license": "mit"}),
    ]
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", recs)])
    issues = store.execute("SELECT kind, model_id, detail FROM lineage_issues ORDER BY kind, model_id").fetchall()
    assert [(k, m) for k, m, _ in issues] == [
        ("cycle", "org/a"), ("cycle", "org/b"), ("cycle", "org/c"), ("self-loop", "org/self")]
    assert "cycle of 3 models" in issues[0][2]
    assert store.execute("SELECT count(*) FROM edges WHERE in_cycle").fetchone()[0] == 3
    assert not store.execute("SELECT in_cycle FROM edges WHERE child_key = 'org/d'").fetchone()[0]
    stats = collect_stats(store)
    assert stats.self_loops == 1 and len(stats.cycles) == 1


def test_newer_record_replaces_older(store, tmp_path):
    old = record("org/m", card={"license": "mit"}, last_modified="2025-01-01T00:00:00Z")
    new = record("ORG/M", card={"license": "apache-2.0"}, last_modified="2025-02-01T00:00:00Z")
    ingest(store, [write_jsonl(tmp_path / "a.jsonl", [old])])
    summary = ingest(store, [write_jsonl(tmp_path / "b.jsonl", [new])])
    assert summary.total("updated") == 1
    assert license_of(store, "org/m")[0] == "apache-2.0"
    assert store.execute("SELECT id FROM models").fetchone()[0] == "ORG/M"
    # an older record arriving later does not win
    summary = ingest(store, [write_jsonl(tmp_path / "c.jsonl", [old])])
    assert summary.total("superseded") == 1
    assert license_of(store, "org/m")[0] == "apache-2.0"


def test_camelcase_api_fields_and_mapping_card(store, tmp_path):
    rec = {"modelId": "org/api", "cardData": {"license": "other", "license_name": "llama4",
                                             "base_model": ["org/p1", "org/p2"]},
           "lastModified": "2025-03-01T00:00:00.000Z", "tags": []}
    ingest(store, [write_jsonl(tmp_path / "api.jsonl.gz", [rec], gz=True)])
    assert license_of(store, "org/api")[0] == "llama4"
    assert {e[1] for e in edges_of(store, "org/api")} == {"merge"}


def test_lineage_csv_deleted_event_and_bad_rows(store, tmp_path):
    path = tmp_path / "lin.csv"
    path.write_text(
        "week,event,Model ID,Type,Base Model\n"
        "2025-03-19,added,org/child,quantized,org/base\n"
        "2025-03-26,deleted,org/child,quantized,org/base\n"
        "2025-03-19,added,,finetune,org/base\n"
        "2025-03-19,added,org/weird,sideways,org/base\n"
    )
    summary = ingest(store, [path])
    assert summary.total("stored") == 2
    assert summary.total("superseded") == 1
    assert store.execute("SELECT deleted FROM models WHERE model_key = 'org/child'").fetchone()[0] is True
    edge = edges_of(store, "org/child")[0]
    assert edge[1:4] == ("quantization", "hub", "quantization")
    reasons = [r[3] for r in rejects(store)]
    assert "row has no Model ID" in reasons
    assert "unknown Type sideways; ignored" in reasons


def test_missing_file_and_unsupported_kind(store, tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        ingest(store, [tmp_path / "nope.jsonl"])
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(IngestError, match="unsupported file type"):
        ingest(store, [tmp_path / "x.txt"])


def test_parquet_records(store, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rec = real_record("bartowski/Arcee-Blitz-exl2")
    table = pa.table({k: [v] for k, v in rec.items() if k in ("id", "author", "tags", "card_data", "last_modified")})
    pq.write_table(table, tmp_path / "r.parquet")
    ingest(store, [tmp_path / "r.parquet"])
    assert edges_of(store, "bartowski/Arcee-Blitz-exl2")[0][1] == "quantization"


# -- stats over both real files -----------------------------------------------------


def _independent_hub_edge_counts() -> dict[str, int]:
    """Hub-labelled edge counts recomputed from the raw files without licensegraph code."""
    # the latest row per model (by week, then file order), read by DuckDB's own CSV reader
    rows = duckdb.sql(
        f"""
        SELECT key, typ, list_filter(list_transform(string_split(coalesce(base, ''), ','), lambda x: trim(x)), lambda x: x <> '')
        FROM (SELECT lower("Model ID") AS key, nullif("Type", '') AS typ, "Base Model" AS base,
                     row_number() OVER (PARTITION BY lower("Model ID") ORDER BY week DESC, n DESC) AS rk
              FROM (SELECT *, row_number() OVER () AS n
                    FROM read_csv('{LINEAGE}', header = true, all_varchar = true)))
        WHERE rk = 1
        """
    ).fetchall()
    parents: dict[str, dict[str, str | None]] = {}
    for key, rel, bases in rows:
        for p in bases:
            parents.setdefault(key, {}).setdefault(p.lower(), None)
            if rel:
                parents[key][p.lower()] = rel
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        for rec in map(json.loads, fh):
            key = rec["id"].lower()
            card = yaml.load(rec["card_data"], Loader=CARD_LOADER) or {}
            bm = card.get("base_model") or []
            for p in [bm] if isinstance(bm, str) else bm:
                parents.setdefault(key, {}).setdefault(p.strip().lower(), None)
            for tag in rec["tags"]:
                parts = tag.split(":")
                if parts[0] == "base_model" and len(parts) == 3:
                    parents.setdefault(key, {})[parts[2].lower()] = parts[1]
    counts: dict[str, int] = {}
    for child, ps in parents.items():
        for parent, rel in ps.items():
            if parent == child:
                continue
            label = {"quantized": "quantization"}.get(rel, rel) or "unlabelled"
            counts[label] = counts.get(label, 0) + 1
    return counts


@pytest.mark.long  # the full store: the sample and 535k lineage rows ingested
def test_stats_relation_shares_match_the_files(full_store):
    stats = collect_stats(full_store)
    hub = {r.relation: r.edges for r in stats.edges.by_hub_relation}
    hub["unlabelled"] = stats.edges.hub_unlabelled
    assert hub == _independent_hub_edge_counts()
    total = sum(r.edges for r in stats.edges.by_relation)
    assert total == stats.edges.total
    assert stats.edges.relabelled_by_evidence > 0
    assert stats.models.deleted > 90_000


@pytest.mark.parametrize("text,expected", [
    ("license: mit\nwidget:\n- text: hi\nbase_model: a/b\n", {"license": "mit", "base_model": "a/b"}),
    ("{license: mit, base_model: a/b}", {"license": "mit", "base_model": "a/b"}),  # flow mapping
    ("x: &lic apache-2.0\nlicense: *lic\n", {"license": "apache-2.0"}),  # alias to a dropped entry
    ("\"license\": gpl-3.0\nbase_model:\n- a/b\n- c/d\n", {"license": "gpl-3.0", "base_model": ["a/b", "c/d"]}),
    ("tags:\n- x\n", {}),
])
def test_card_fields_parse_like_the_whole_card(text, expected):
    from licensegraph.sources.card import yaml_to_slim_json

    assert json.loads(yaml_to_slim_json(text)) == expected


# -- a file in many batches -------------------------------------------------------


def _store_rows(store) -> dict:
    return {
        "models": store.execute("SELECT * FROM models ORDER BY model_key").fetchall(),
        "rejects": store.execute("SELECT file, line, model_id, part, field, reason FROM rejects "
                                 "ORDER BY line, part, reason").fetchall(),
        "dirty": store.execute("SELECT DISTINCT model_key FROM dirty_models ORDER BY model_key").fetchall(),
    }


def _many_batches_file(tmp_path):
    """The sample's records, a third of them given twice (the second one newer, some in a
    later batch), camelCase spellings, a malformed line and a line that is not a record."""
    with gzip.open(SAMPLE, "rt") as fh:
        recs = [json.loads(line) for line in fh]
    lines = []
    for i, rec in enumerate(recs):
        if i % 7 == 0:
            rec = {("modelId" if k == "id" else "lastModified" if k == "last_modified" else k): v for k, v in rec.items()}
        lines.append(json.dumps(rec))
        if i == 500:
            lines.append('{"id": "broken/line", "tags": [')
        if i == 1200:
            lines.append("[1, 2]")
    for i, rec in enumerate(recs[::3]):
        # some with a field not kept as given: that field keeps what was stored before the
        # file (here nothing), never the value of the older record in an earlier batch
        newer = dict(rec, last_modified="2030-01-01 00:00:00+00:00", downloads=123_456 if i % 5 else "many")
        lines.append(json.dumps(newer))
    return write_jsonl(tmp_path / "many.jsonl", lines)


def test_a_file_read_in_many_batches_is_stored_as_in_one(tmp_path, monkeypatch):
    from licensegraph.sources import hub_records
    from licensegraph.sources.ingest import ingest as ingest_records
    from licensegraph.store.db import Store

    path = _many_batches_file(tmp_path)
    with Store(tmp_path / "one.duckdb") as one:
        whole = ingest_records(one, [path]).as_dict()
        expected = _store_rows(one)
    # ~10 batches: the newer copies at the file's end replace records of earlier batches and
    # of their own batch (each batch costs a fixed ~0.1 s of statements: more prove no more)
    monkeypatch.setattr(hub_records, "BLOCK_BYTES", 256 << 10)
    stage, batches = hub_records.HubRecordStager.stage, []
    monkeypatch.setattr(hub_records.HubRecordStager, "stage",
                        lambda self, batch: (batches.append(1), stage(self, batch))[1])
    with Store(tmp_path / "many.duckdb") as many:
        parts = ingest_records(many, [path]).as_dict()
        got = _store_rows(many)
    assert len(batches) >= 8
    assert parts == whole
    assert whole["totals"]["superseded"] == 661 and whole["totals"]["rejected"] == 2
    assert got == expected


def test_an_error_while_staging_a_later_batch_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    from licensegraph.sources import hub_records
    from licensegraph.sources.ingest import ingest as ingest_records
    from licensegraph.store.db import Store

    path = _many_batches_file(tmp_path)
    monkeypatch.setattr(hub_records, "BLOCK_BYTES", 256 << 10)  # ~10 batches
    stage = hub_records.HubRecordStager.stage
    calls = []

    def failing(self, batch):
        calls.append(1)
        if len(calls) == 5:
            raise duckdb.OutOfMemoryException("staging failed")
        return stage(self, batch)

    monkeypatch.setattr(hub_records.HubRecordStager, "stage", failing)
    with Store(tmp_path / "s.duckdb") as s:
        before = _store_rows(s)
        with pytest.raises(duckdb.OutOfMemoryException, match="staging failed"):
            ingest_records(s, [path])
        assert _store_rows(s) == before
    assert len(calls) == 5  # staging stopped at the error


def test_an_error_while_merging_a_batch_behind_the_staging_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    # the merge of a batch runs in a thread while the next batch is staged: its error still
    # ends the ingest, before another batch is merged, and the transaction is rolled back
    from licensegraph.sources import hub_records, ingest
    from licensegraph.store.db import Store

    path = _many_batches_file(tmp_path)
    monkeypatch.setattr(hub_records, "BLOCK_BYTES", 256 << 10)  # ~10 batches
    merge, merged, stage, staged = ingest.RecordMerger.merge, [], hub_records.HubRecordStager.stage, []

    def failing(self, records, duplicates=0):
        merged.append(1)
        if len(merged) == 4:
            raise duckdb.OutOfMemoryException("merging failed")
        return merge(self, records, duplicates)

    monkeypatch.setattr(ingest.RecordMerger, "merge", failing)
    monkeypatch.setattr(hub_records.HubRecordStager, "stage",
                        lambda self, batch: (staged.append(1), stage(self, batch))[1])
    with Store(tmp_path / "s.duckdb") as s:
        before = _store_rows(s)
        with pytest.raises(duckdb.OutOfMemoryException, match="merging failed"):
            ingest.ingest(s, [path])
        assert _store_rows(s) == before
    assert len(merged) == 4 and len(staged) == 5  # at most one batch staged past the failed merge


@pytest.mark.parametrize("stored_before", [True, False])
def test_a_warned_field_of_a_model_given_twice_keeps_the_value_from_before_the_file_whatever_the_batches(
        tmp_path, monkeypatch, stored_before):
    """The newer of two records of a model, the older one in an earlier batch: its warned
    field keeps what was stored before the file (nothing, for a model new to the store), as
    it does when both records are in one batch; never the older record's value."""
    from licensegraph.sources import hub_records
    from licensegraph.sources.ingest import ingest as ingest_records
    from licensegraph.store.db import Store

    first = write_jsonl(tmp_path / "first.jsonl", [record("org/twice", author="stored-author", downloads=7)])
    older = record("org/twice", author="older-author", downloads=8, last_modified="2025-02-01 00:00:00+00:00")
    newer = record("org/twice", author=["not", "text"], downloads="many", last_modified="2025-03-01 00:00:00+00:00")
    padding = [record(f"org/pad-{i}") for i in range(400)]  # ~100 KB: the two records in different 64 KiB batches
    second = write_jsonl(tmp_path / "second.jsonl", [older, *padding, newer])

    def stored(block_bytes):
        monkeypatch.setattr(hub_records, "BLOCK_BYTES", block_bytes)
        with Store(tmp_path / f"{block_bytes}.duckdb") as s:
            if stored_before:
                ingest_records(s, [first])
            summary = ingest_records(s, [second]).files[0]
            assert summary.warnings == 1 and summary.superseded == 1
            return s.execute("SELECT author, downloads, last_modified FROM models "
                             "WHERE model_key = 'org/twice'").fetchone()

    whole = stored(hub_records.BLOCK_BYTES)
    assert stored(64 << 10) == whole
    assert whole[:2] == (("stored-author", 7) if stored_before else (None, None))
    assert str(whole[2]).startswith("2025-03-01")
