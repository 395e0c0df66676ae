"""Rules over data and outputs (issue 17) on real records and hand-made lineages."""

from __future__ import annotations

import pytest

from conftest import record, write_jsonl
from licensegraph.api.audit import audit_table
from licensegraph.api.ingest import ingest
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store
from licensegraph.store.findings_view import FINDING_COLUMNS

DATA_RULES = ("data-terms-dropped", "output-no-improve", "output-name-prefix", "output-built-with",
              "output-gemma-derivative")


def _findings(store: Store, model_id: str, view: str = "effective") -> list[dict]:
    rows = store.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE model_key = ? AND view = ? "
                         "AND list_contains(?, rule_id) ORDER BY rule_id, duty",
                         [model_id.lower(), view, list(DATA_RULES)]).fetchall()
    return [dict(zip(FINDING_COLUMNS, r)) for r in rows]


@pytest.fixture(scope="module")
def audited(data_db):
    """The sample and the dataset sample, ingested and audited (conftest's shared store)."""
    s = Store(data_db, read_only=True)
    yield s
    s.close()


def test_natural_reasoning_model(audited):
    """Duckets/Duckbot1 (MIT) names facebook/natural_reasoning (CC-BY-NC-4.0, responses from
    Llama3.3-70B-Instruct): the NC term is dropped (a risk) and the name lacks "Llama"."""
    found = {(f["rule_id"], f["duty"]): f for f in _findings(audited, "Duckets/Duckbot1")}
    assert set(found) == {("data-terms-dropped", "non-commercial"), ("output-name-prefix", "name-prefix")}
    risk = found[("data-terms-dropped", "non-commercial")]
    assert risk["severity"] == "risk" and risk["ancestor_id"] == "facebook/natural_reasoning"
    assert risk["path"] == ["Duckets/Duckbot1", "facebook/natural_reasoning"]
    assert "unsettled" in risk["message"] and risk["clause"] and risk["source_url"].startswith("https://creativecommons")
    name = found[("output-name-prefix", "name-prefix")]
    assert name["severity"] == "violation" and name["ancestor_license"] == "llama3.3"
    assert name["path"] == ["Duckets/Duckbot1", "facebook/natural_reasoning", "meta-llama/Llama-3.3-70B-Instruct"]
    assert "llama_3_3" in name["source_url"] or "llama3_3" in name["source_url"]


def test_deepseek_r1_distillation_set(audited):
    """tensopolis/mistral-small-r1-tensopolis (Apache-2.0) names ServiceNow-AI/R1-Distill-SFT
    (CC-BY-NC-SA-4.0, DeepSeek-R1 outputs): NC and SA dropped; DeepSeek-R1's MIT license puts
    no duty on outputs, so no output finding."""
    found = _findings(audited, "tensopolis/mistral-small-r1-tensopolis")
    assert sorted((f["rule_id"], f["duty"]) for f in found) == [
        ("data-terms-dropped", "non-commercial"), ("data-terms-dropped", "share-alike")]
    assert audited.execute("SELECT count(*) FROM data_edges WHERE child_key = 'servicenow-ai/r1-distill-sft' "
                           "AND parent_id = 'deepseek-ai/DeepSeek-R1'").fetchone()[0] == 1


@pytest.mark.parametrize("model_id", ["ShreySharma07/maths-llama-qlora", "Tim419/Humpback_Myx"])
def test_permissive_human_written_data_has_no_findings(audited, model_id):
    """openai/gsm8k (MIT, crowdsourced) and timdettmers/openassistant-guanaco (Apache-2.0 in
    the body, human-written): trained-on edges, no generator, no finding."""
    assert audited.execute("SELECT count(*) FROM data_edges WHERE child_key = ? AND NOT dangling",
                           [model_id.lower()]).fetchone()[0] == 1
    assert _findings(audited, model_id) == []
    assert _findings(audited, model_id, "local") == []


def test_data_table_is_a_second_table(audited):
    result = audit_table(audited, "local")
    assert [r.rule_id for r in result.data_rows] == list(DATA_RULES)
    rows = {r.rule_id: r for r in result.data_rows}
    assert rows["data-terms-dropped"].noncompliant == 20 and rows["data-terms-dropped"].qualifying == 24
    assert rows["output-name-prefix"].noncompliant == 10
    assert not any(r.rule_id in DATA_RULES for r in result.rows)  # the study table is unchanged


def _hand_made(tmp_path, model: dict, generator_text: str, dataset_license: str = "apache-2.0",
               extra: list | None = None) -> Store:
    path = write_jsonl(tmp_path / "in.jsonl", [
        {"repo_type": "dataset", "id": "me/chat-data", "card_data": f"license: {dataset_license}\n",
         "card_text": generator_text},
        *(extra or []), model,
    ])
    s = Store(tmp_path / "s.duckdb")
    ingest(s, [path])
    run_audit(s)
    return s


def test_llama3_outputs_improving_another_llm(tmp_path):
    """A model on a Mistral base trained on Llama 3 outputs: Llama 3 §1.b.v, a violation, path
    model -> dataset -> Llama 3 model."""
    s = _hand_made(
        tmp_path,
        record("me/mistral-chat", {"license": "apache-2.0", "base_model": "mistralai/Mistral-7B-v0.1",
                                   "datasets": ["me/chat-data"]}),
        "All answers were generated by Meta-Llama-3-70B-Instruct.",
        extra=[record("mistralai/Mistral-7B-v0.1", {"license": "apache-2.0"})])
    found = [f for f in _findings(s, "me/mistral-chat") if f["rule_id"] == "output-no-improve"]
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == "violation" and f["ancestor_license"] == "llama3"
    assert f["path"] == ["me/mistral-chat", "me/chat-data", "meta-llama/Meta-Llama-3-70B-Instruct"]
    assert f["clause"] == "§1.b.v" and "llama3/LICENSE" in f["source_url"]
    s.close()


def test_llama3_outputs_on_a_llama3_base_are_exempt(tmp_path):
    s = _hand_made(
        tmp_path,
        record("me/llama-chat", {"license": "llama3", "base_model": "meta-llama/Meta-Llama-3-8B",
                                 "datasets": ["me/chat-data"]}),
        "All answers were generated by Meta-Llama-3-70B-Instruct.",
        extra=[record("meta-llama/Meta-Llama-3-8B", {"license": "llama3"})])
    assert [f for f in _findings(s, "me/llama-chat") if f["rule_id"] == "output-no-improve"] == []
    s.close()


def test_llama2_outputs_and_an_unrelated_llama3_base(tmp_path):
    """Llama 2's exemption covers Llama 2 only: a Llama 3 model trained on Llama 2 outputs violates it."""
    s = _hand_made(
        tmp_path,
        record("me/llama3-chat", {"license": "llama3", "base_model": "meta-llama/Meta-Llama-3-8B",
                                  "datasets": ["me/chat-data"]}),
        "Responses from Llama-2-70b-chat were collected for every prompt.",
        extra=[record("meta-llama/Meta-Llama-3-8B", {"license": "llama3"})])
    found = [f for f in _findings(s, "me/llama3-chat") if f["rule_id"] == "output-no-improve"]
    assert [f["ancestor_license"] for f in found] == ["llama2"]
    s.close()


def test_qwen_and_gemma_outputs(tmp_path):
    s = _hand_made(
        tmp_path,
        record("me/student", {"license": "mit", "datasets": ["me/chat-data", "me/gemma-data"]}),
        "We distilled from Qwen2.5-72B-Instruct.",
        extra=[{"repo_type": "dataset", "id": "me/gemma-data", "card_data": {"license": "mit"},
                "card_text": "Synthetic answers generated with Gemma-2-27B-it."}])
    found = {f["rule_id"]: f for f in _findings(s, "me/student")}
    assert set(found) == {"output-built-with", "output-gemma-derivative"}
    assert found["output-built-with"]["severity"] == "warning"
    assert found["output-gemma-derivative"]["path"] == ["me/student", "me/gemma-data", "google/gemma-2-27b-it"]
    assert "Model Derivative" in found["output-gemma-derivative"]["message"]
    s.close()


def test_dataset_terms_share_alike_kept_and_undecidable_model_license(tmp_path):
    """A model under the dataset's own share-alike license keeps the terms; a model whose
    license is unknown is left out of the denominator, not flagged."""
    s = _hand_made(
        tmp_path,
        record("me/keeps", {"license": "cc-by-nc-sa-4.0", "datasets": ["me/chat-data"]}),
        "Human-written.", dataset_license="cc-by-nc-sa-4.0",
        extra=[record("me/unknown", {"license": "unknown", "datasets": ["me/chat-data"]})])
    assert _findings(s, "me/keeps") == [] and _findings(s, "me/unknown") == []
    assert s.scalar("SELECT qualifying FROM data_rule_counts WHERE rule_id = 'data-terms-dropped'") == 1
    s.close()
