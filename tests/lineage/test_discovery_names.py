"""Parents from repo names: suffix stripping, mirror owners, tie-breaks and refusals."""

from __future__ import annotations

import duckdb
import pytest

from licensegraph.lineage.discovery.names import infer_names, infer_parents_sql

KNOWN = [
    ("meta-llama/Llama-2-7b-chat-hf", None, None),
    ("meta-llama/Llama-2-7b-hf", None, None),
    ("Qwen/Qwen2.5-7B-Instruct", "2024-09-01", None),
    ("someone/Qwen2.5-7B-Instruct", "2025-01-01", None),  # a re-upload
    ("unsloth/Qwen2.5-7B-Instruct", "2024-09-10", None),  # a mirror account's copy
    ("mistralai/Mistral-7B-v0.1", None, None),
    ("a/Twin-7B", None, None),
    ("b/Twin-7B", None, None),
    ("writers-guild/Tiny-Writer-3B", None, None),
    ("late/Newer-1B", "2026-01-01", None),
    ("other/Tiny-Writer-3B-GGUF", None, None),  # a sibling quantization is never a parent
]


def infer(model_id, known=KNOWN, declared=()):
    return infer_names([model_id], known, declared).get(model_id)


@pytest.mark.parametrize("child, parent, relation", [
    ("TheBloke/Llama-2-7b-Chat-hf-GGUF", "meta-llama/Llama-2-7b-chat-hf", "quantization"),
    ("bartowski/Tiny-Writer-3B-GGUF", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("me/Tiny_Writer_3B-Q4_K_M-GGUF", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("me/Tiny-Writer-3B-6.5bpw-h8-exl2", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("mlx-community/Tiny-Writer-3B-4bit", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("me/Tiny-Writer-3B-bnb-4bit", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("me/Tiny-Writer-3B-i1-GGUF", "writers-guild/Tiny-Writer-3B", "quantization"),
    ("me/Tiny-Writer-3B-fp16", "writers-guild/Tiny-Writer-3B", "conversion"),
    ("me/Tiny-Writer-3B-MLX", "writers-guild/Tiny-Writer-3B", "conversion"),
    # the source owner spelled out in the name (RichardErkhov, tensorblock, bartowski)
    ("RichardErkhov/meta-llama_-_Llama-2-7b-hf-4bits", "meta-llama/Llama-2-7b-hf", "quantization"),
    ("tensorblock/mistralai_Mistral-7B-v0.1-GGUF", "mistralai/Mistral-7B-v0.1", "quantization"),
    # a mirror account's same-name copy, no suffix at all
    ("mlx-community/Tiny-Writer-3B", "writers-guild/Tiny-Writer-3B", "quantization"),
])
def test_suffixes_and_mirrors(child, parent, relation):
    ev = infer(child)
    assert ev is not None and (ev.parent_id, ev.relation, ev.source) == (parent, relation, "name")


def test_evidence_names_the_suffix_and_the_stem():
    ev = infer("TheBloke/Llama-2-7b-Chat-hf-GGUF")
    assert ev.pattern == "suffix -gguf stripped; known model named 'llama-2-7b-chat-hf'"
    assert ev.matched == "llama-2-7b-chat-hf"
    assert ev.confidence >= 0.9


def test_longest_stem_wins():
    # -hf is a conversion token too, but the model named with it is the closer match
    assert infer("me/Llama-2-7b-hf-GGUF").parent_id == "meta-llama/Llama-2-7b-hf"


def test_originals_beat_mirror_copies_and_newer_uploads_are_no_parents():
    ev = infer("me/Qwen2.5-7B-Instruct-AWQ", declared=[])
    # someone/ is newer than nothing here (child has no date) but unsloth/ is a mirror:
    # two originals remain (Qwen/, someone/) and neither is more popular: refused
    assert ev is None
    # popularity from others' declared edges decides
    declared = [(f"x/ft-{i}", "Qwen/Qwen2.5-7B-Instruct") for i in range(12)]
    ev = infer("me/Qwen2.5-7B-Instruct-AWQ", declared=declared)
    assert ev.parent_id == "Qwen/Qwen2.5-7B-Instruct"
    assert "popularity among 3 candidates" in ev.pattern


def test_a_childs_own_declared_edge_is_not_its_popularity():
    # the benchmark masks a child's edge by handing it in as declared: it must not count
    declared = [("me/Twin-7B-GGUF", "a/Twin-7B")] * 1 + [(f"x/{i}", "b/Twin-7B") for i in range(3)]
    assert infer("me/Twin-7B-GGUF", declared=declared) is None
    declared = [(f"x/{i}", "a/Twin-7B") for i in range(30)]
    assert infer("me/Twin-7B-GGUF", declared=declared).parent_id == "a/Twin-7B"


def test_ambiguous_names_are_refused():
    assert infer("me/Twin-7B-GGUF") is None


def test_no_suffix_no_inference():
    assert infer("me/Tiny-Writer-3B") is None  # a same-name repo by a non-mirror account
    assert infer("me/Tiny-Writer-3B-finetuned") is None


def test_parent_newer_than_child_is_dropped():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE c AS SELECT 'me/newer-1b-gguf' AS model_key, 'me/Newer-1B-GGUF' AS id, "
                "TIMESTAMPTZ '2025-06-01' AS created")
    con.execute("CREATE TABLE k AS SELECT 'late/newer-1b' AS model_key, 'late/Newer-1B' AS id, "
                "TIMESTAMPTZ '2026-01-01' AS created, NULL::BIGINT AS popularity")
    infer_parents_sql(con, "c", "k", out="res")
    assert con.execute("SELECT count(*) FROM res").fetchone()[0] == 0
    con.execute("UPDATE c SET created = TIMESTAMPTZ '2026-02-01'")
    infer_parents_sql(con, "c", "k", out="res")
    assert con.execute("SELECT parent_id FROM res").fetchall() == [("late/Newer-1B",)]


def test_refusals_are_listed_with_their_candidates():
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT 'me/twin-7b-gguf' AS model_key, 'me/Twin-7B-GGUF' AS id, NULL::TIMESTAMPTZ AS created")
    con.execute("CREATE TABLE k AS SELECT lower(id) AS model_key, id, NULL::TIMESTAMPTZ AS created, NULL::BIGINT AS popularity "
                "FROM (VALUES ('a/Twin-7B'), ('b/Twin-7B')) v(id)")
    infer_parents_sql(con, "c", "k", out="res")
    assert con.execute("SELECT child_id, candidates, candidate_ids FROM res_refused").fetchall() == [
        ("me/Twin-7B-GGUF", 2, ["a/Twin-7B", "b/Twin-7B"])]
