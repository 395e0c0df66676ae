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


# --- evidence beyond the name: siblings, the candidate's own lineage, the account's habit ---

def _run(child_ids, known, declared=()):
    """Name inference through the store's SQL; returns ({child: (parent, decided_by, pattern)},
    {child: (reason, candidate_ids)})."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE c (model_key VARCHAR, id VARCHAR, created TIMESTAMPTZ)")
    con.executemany("INSERT INTO c VALUES (lower(?), ?, NULL)", [(i, i) for i in child_ids])
    con.execute("CREATE TABLE k (model_key VARCHAR, id VARCHAR, created TIMESTAMPTZ, popularity BIGINT)")
    ids = sorted({*known, *(c for c, _ in declared), *(p for _, p in declared)})
    con.executemany("INSERT INTO k VALUES (lower(?), ?, NULL, NULL)", [(i, i) for i in ids])
    con.execute("CREATE TABLE d (child_key VARCHAR, parent_key VARCHAR)")
    if declared:
        con.executemany("INSERT INTO d VALUES (lower(?), lower(?))", list(declared))
    infer_parents_sql(con, "c", "k", declared="d", out="res")
    answers = {c: (p, step, pattern) for c, p, step, pattern in
               con.execute("SELECT child_id, parent_id, decided_by, pattern FROM res").fetchall()}
    refused = {c: (reason, ids) for c, reason, ids in
               con.execute("SELECT child_id, reason, candidate_ids FROM res_refused").fetchall()}
    return answers, refused


def test_siblings_of_the_same_account_decide_the_parent():
    # the account's other sizes of the same model declare the base it quantized from
    declared = [("q/Writer-7B-Q8_0-GGUF", "base/Writer-7B-Instruct"),
                ("q/Writer-7B-Q6_K-GGUF", "base/Writer-7B-Instruct")]
    answers, refused = _run(["q/Writer-7B-Q4_K_M-GGUF"], ["fork/Writer-7B"], declared)
    parent, step, pattern = answers["q/Writer-7B-Q4_K_M-GGUF"]
    assert (parent, step) == ("base/Writer-7B-Instruct", "siblings")
    assert "2 models of the same account named 'writer-7b'" in pattern
    assert "q/Writer-7B-Q6_K-GGUF" in pattern and pattern.endswith("declare base/Writer-7B-Instruct")
    assert refused == {}


def test_siblings_of_another_account_or_quantizations_of_the_child_do_not_count():
    # another account's quantization is no sibling: the name decides
    answers, _ = _run(["q/Writer-7B-GGUF"], ["fork/Writer-7B"],
                      [("other/Writer-7B-Q8_0-GGUF", "base/Writer-7B-Instruct")])
    assert answers["q/Writer-7B-GGUF"][:2] == ("fork/Writer-7B", "unique")
    # a repo of the same account that declares the child itself is its derivative, not a sibling
    answers, _ = _run(["q/Writer-7B-fp16"], ["fork/Writer-7B"], [("q/Writer-7B-fp16-Q4_K_M-GGUF", "q/Writer-7B-fp16")])
    assert answers["q/Writer-7B-fp16"][:2] == ("fork/Writer-7B", "unique")


def test_siblings_that_disagree_are_refused():
    declared = [("q/Writer-7B-Q8_0-GGUF", "base/Writer-7B-Instruct"), ("q/Writer-7B-Q6_K-GGUF", "fork/Writer-7B")]
    answers, refused = _run(["q/Writer-7B-Q4_K_M-GGUF"], ["fork/Writer-7B"], declared)
    assert answers == {}
    assert refused["q/Writer-7B-Q4_K_M-GGUF"] == ("siblings disagree", ["base/Writer-7B-Instruct", "fork/Writer-7B"])


def test_the_childs_own_edge_is_no_sibling_evidence():
    # the benchmark masks a child by handing its edge in as declared: it must not decide
    answers, refused = _run(["q/Writer-7B-GGUF"], ["fork/Writer-7B"], [("q/Writer-7B-GGUF", "base/Writer-7B-Instruct")])
    assert answers["q/Writer-7B-GGUF"][:2] == ("fork/Writer-7B", "unique") and refused == {}


def test_a_derivative_converted_outside_the_gguf_tools_is_refused():
    # fork/Writer-7B is a finetune of base/...: an exl2/MLX converter copies its card, which names
    # the base, so the name alone cannot tell which of the two the quantization declares
    declared = [("fork/Writer-7B", "base/Writer-7B-Instruct")]
    for child in ("q/Writer-7B-6.5bpw-h8-exl2", "q/Writer-7B-4bit", "q/Writer-7B-AWQ"):
        answers, refused = _run([child], [], declared)
        assert answers == {}
        assert refused[child] == ("candidate is a derivative", ["fork/Writer-7B"])
    # GGUF tools name the repo they quantized: answered
    answers, _ = _run(["q/Writer-7B-Q4_K_M-GGUF"], [], declared)
    assert answers["q/Writer-7B-Q4_K_M-GGUF"][0] == "fork/Writer-7B"
    # an original (declares nothing) converted to exl2: answered
    answers, _ = _run(["q/Writer-7B-6.5bpw-h8-exl2"], ["fork/Writer-7B"])
    assert answers["q/Writer-7B-6.5bpw-h8-exl2"][0] == "fork/Writer-7B"


def _account(copies: int, faithful: int) -> list[tuple[str, str]]:
    """Edges of account `acct`: `copies` GGUFs declaring the original's base (a copied card),
    `faithful` GGUFs declaring the model their name names."""
    edges = []
    for i in range(copies):
        edges += [(f"org/M{i}-7B", f"org/Base{i}"), (f"acct/M{i}-7B-GGUF", f"org/Base{i}")]
    for i in range(faithful):
        edges += [(f"acct/F{i}-7B-GGUF", f"org/F{i}-7B")]
    return edges


def test_an_account_whose_names_disagree_with_its_cards_gives_no_name_evidence():
    child = "acct/Writer-7B-GGUF"
    answers, refused = _run([child], ["fork/Writer-7B"], _account(copies=3, faithful=0))
    assert answers == {} and refused[child][0] == "the account's names disagree with its cards"
    # 1 in 4 agreeing is still under 1 in 3: refused
    _, refused = _run([child], ["fork/Writer-7B"], _account(copies=3, faithful=1))
    assert refused[child][0] == "the account's names disagree with its cards"
    # too few judged models to say (2), or enough agreeing (1 of 3): the name decides
    for copies, faithful in ((2, 0), (2, 1)):
        answers, refused = _run([child], ["fork/Writer-7B"], _account(copies, faithful))
        assert answers[child][0] == "fork/Writer-7B" and refused == {}


def test_a_full_precision_export_beside_the_same_accounts_model_is_refused():
    # me/Writer-7B is the LoRA/4-bit run, me/Writer-7B-16bit its merged export: a sibling, not a conversion
    for child in ("me/Writer-7B-16bit", "me/Writer-7B-fp16", "me/Writer-7B-hf"):
        answers, refused = _run([child], ["me/Writer-7B"])
        assert answers == {} and refused[child] == ("full-precision export beside the same account's model",
                                                    ["me/Writer-7B"])
    # another account's fp16 conversion, or the same account's GGUF: answered
    assert _run(["conv/Writer-7B-fp16"], ["me/Writer-7B"])[0]["conv/Writer-7B-fp16"][0] == "me/Writer-7B"
    assert _run(["me/Writer-7B-GGUF"], ["me/Writer-7B"])[0]["me/Writer-7B-GGUF"][0] == "me/Writer-7B"


def test_a_name_made_with_unsloth_is_refused():
    # Unsloth's notebooks save a finetune of unsloth/gemma-3-4b-it-unsloth-bnb-4bit under that name
    child = "student/gemma-3-4b-it-unsloth-bnb-4bit"
    answers, refused = _run([child], ["google/gemma-3-4b-it"])
    assert answers == {} and refused[child][0] == "made with unsloth from unsloth's copy"
    # the same format without the token, or a word merely containing it: answered
    assert _run(["student/gemma-3-4b-it-bnb-4bit"], ["google/gemma-3-4b-it"])[0] != {}
    assert _run(["student/gemma-3-4b-it-nonunslothy-GGUF"], ["google/gemma-3-4b-it-nonunslothy"])[0] != {}
