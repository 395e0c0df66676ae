"""Data as upstream (issue 17): dataset records, trained-on and generated-by edges, on the
real sample (models + 40 dataset cards) and on hand-made records."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import DATASETS, record, write_jsonl
from licensegraph.api.ingest import ingest
from licensegraph.lineage.discovery.outputs import find_generators, find_generators_in_text
from licensegraph.sources.datasets import read_dataset_record
from licensegraph.store.db import Store


def _cards() -> dict[str, dict]:
    with gzip.open(DATASETS, "rt", encoding="utf-8") as fh:
        return {d["id"]: d for d in map(json.loads, fh)}


def _generators(dataset_id: str) -> dict[str, str]:
    raw = _cards()[dataset_id]
    rec, problems = read_dataset_record(1, raw)
    assert rec is not None and not problems
    return {ev.parent_id: ev.source for ev in find_generators(rec.id, rec.card_json, rec.tags, rec.card_text)}


@pytest.fixture(scope="module")
def data_store(data_db):
    """The sample and the dataset sample ingested (conftest's shared store; the audit it also
    holds writes none of the tables read here)."""
    s = Store(data_db, read_only=True)
    yield s
    s.close()


def test_dataset_records_are_ingested_apart_from_models(data_store):
    q = data_store.execute
    assert q("SELECT count(*) FROM datasets").fetchone()[0] == 40
    assert q("SELECT count(*) FROM models WHERE model_key = 'facebook/natural_reasoning'").fetchone()[0] == 0
    licenses = dict(q("SELECT id, license FROM dataset_licenses").fetchall())
    assert licenses["facebook/natural_reasoning"] == "cc-by-nc-4.0"
    assert licenses["mlsum"] == "other-research-only"  # legacy plural `licenses:`
    assert licenses["allenai/tulu-3-sft-personas-instruction-following"] == "odc-by"
    # no front matter: the license is read from the body's "License: Apache 2.0" line
    assert q("SELECT license, resolution FROM dataset_licenses WHERE id = 'timdettmers/openassistant-guanaco'"
             ).fetchone() == ("apache-2.0", "card-text")
    assert q("SELECT count(*) FROM rejects").fetchone()[0] == 0


def test_trained_on_edges_and_dangling_references(data_store):
    q = data_store.execute
    named = q("SELECT count(DISTINCT model_key), count(DISTINCT lower(dataset_id)) FROM data_named").fetchone()
    assert named == (841, 343)  # the sample's README figures
    edges, found, dangling = q(
        "SELECT count(*), count(*) FILTER (WHERE NOT dangling), count(*) FILTER (WHERE dangling) "
        "FROM data_edges WHERE relation = 'trained-on'").fetchone()
    assert edges == found + dangling and found > 0 and dangling > 0
    assert q("SELECT dangling FROM data_edges WHERE relation = 'trained-on' AND child_id = 'Dimaswa/openrail' "
             "AND parent_key = 'facebook/natural_reasoning'").fetchone() == (False,)


def test_ingest_keeps_dataset_record_problems(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        {"repo_type": "dataset", "id": "me/data", "card_data": "license: [mit\n", "tags": ["license:mit"]},
        {"repo_type": "dataset", "card_data": "license: mit"},
        {"repo_type": "dataset", "id": "me/other", "card_data": {"licenses": ["cc-by-nc-4.0"]}},
        record("me/model", {"license": "mit", "datasets": ["me/data", "https://huggingface.co/datasets/me/other",
                                                           "me/missing"]}),
    ])
    with Store(tmp_path / "s.duckdb") as s:
        report = ingest(s, [path])
        assert report.files[0].datasets == 2
        assert s.scalar("SELECT count(*) FROM models") == 1
        parts = sorted(p for (p,) in s.execute("SELECT part FROM rejects").fetchall())
        assert parts == ["card", "record"]
        # the unreadable card keeps its record; the tag still gives the license
        assert s.scalar("SELECT license FROM dataset_licenses WHERE id = 'me/data'") == "mit"
        assert s.scalar("SELECT license FROM dataset_licenses WHERE id = 'me/other'") == "cc-by-nc-4.0"
        edges = s.execute("SELECT parent_id, dangling FROM data_edges WHERE relation = 'trained-on' "
                          "ORDER BY parent_id").fetchall()
        assert edges == [("me/data", False), ("me/missing", True), ("me/other", False)]
        ingest(s, [path])  # again: nothing changes
        assert s.scalar("SELECT count(*) FROM datasets") == 2


@pytest.mark.parametrize("dataset_id, generator", [
    ("facebook/natural_reasoning", "meta-llama/Llama-3.3-70B-Instruct"),
    ("open-r1/OpenR1-Math-220k", "deepseek-ai/DeepSeek-R1"),
    ("bespokelabs/Bespoke-Stratos-17k", "deepseek-ai/DeepSeek-R1"),
    ("cognitivecomputations/dolphin-r1", "deepseek-ai/DeepSeek-R1"),
    ("cognitivecomputations/dolphin-r1", "google:gemini"),
    ("tatsu-lab/alpaca", "openai:text-davinci-003"),
    ("vicgalle/alpaca-gpt4", "openai:gpt-4"),
    ("FreedomIntelligence/medical-o1-reasoning-SFT", "openai:gpt-4o"),
    ("ServiceNow-AI/R1-Distill-SFT", "deepseek-ai/DeepSeek-R1"),  # no card text: the id says it
    ("Congliu/Chinese-DeepSeek-R1-Distill-data-110k", "deepseek-ai/DeepSeek-R1"),
])
def test_generators_found_in_real_dataset_cards(dataset_id, generator):
    assert generator in _generators(dataset_id)


@pytest.mark.parametrize("dataset_id", [
    "open-thoughts/OpenThoughts-114k",  # compares against DeepSeek-R1-Distill, gpt-4o, o1-mini in a table
    "HumanLLMs/Human-Like-DPO-Dataset",  # license: llama3, but the text names no model
    "fka/awesome-chatgpt-prompts",  # prompts written for ChatGPT, not by it
    "openai/gsm8k", "samsum", "timdettmers/openassistant-guanaco", "nvidia/Llama-Nemotron-Post-Training-Dataset",
])
def test_no_generator_invented(dataset_id):
    assert _generators(dataset_id) == {}


def test_judge_and_other_datasets_are_not_generators():
    gens = _generators("open-r1/OpenR1-Math-220k")
    assert "meta-llama/Llama-3.3-70B-Instruct" not in gens  # used "as a judge"
    gens = _generators("FreedomIntelligence/medical-o1-reasoning-SFT")
    assert "deepseek-ai/DeepSeek-R1" not in gens  # named in a link to another dataset
    text = "We compare our model with GPT-4 and Llama 3 70B.\n| model | score |\n| GPT-4o generated by | 1 |"
    assert find_generators_in_text(text) == []
    found = find_generators_in_text("Answers were generated by [this model](https://huggingface.co/org/teacher).")
    assert [ev.parent_id for ev in found] == ["org/teacher"]


def test_generated_by_edges_in_store(data_store):
    rows = dict(data_store.execute(
        "SELECT child_id || ' -> ' || parent_id, parent_kind FROM data_edges WHERE relation = 'generated-by'").fetchall())
    assert rows["facebook/natural_reasoning -> meta-llama/Llama-3.3-70B-Instruct"] == "model"
    assert rows["tatsu-lab/alpaca -> openai:text-davinci-003"] == "external"
