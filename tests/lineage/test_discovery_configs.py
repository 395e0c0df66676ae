"""Parents from config files: adapter_config.json and config.json."""

from __future__ import annotations

from licensegraph.lineage.discovery.configs import find_parents_in_configs


def test_adapter_config_names_the_base():
    [ev] = find_parents_in_configs({"adapter_config.json": {
        "base_model_name_or_path": "meta-llama/Llama-2-7b-hf", "peft_type": "LORA", "r": 8}})
    assert (ev.parent_id, ev.relation, ev.source) == ("meta-llama/Llama-2-7b-hf", "adapter", "config")
    assert ev.pattern == "adapter_config.json base_model_name_or_path (LORA)"
    assert ev.matched == "meta-llama/Llama-2-7b-hf"
    assert ev.confidence >= 0.9


def test_adapter_config_outranks_config_json():
    [ev] = find_parents_in_configs({
        "adapter_config.json": {"base_model_name_or_path": "gpt2"},
        "config.json": {"_name_or_path": "someone/else"},
    })
    assert ev.parent_id == "gpt2"


def test_config_name_or_path():
    [ev] = find_parents_in_configs({"config.json": {"_name_or_path": "mistralai/Mistral-7B-v0.1"}})
    assert (ev.parent_id, ev.relation) == ("mistralai/Mistral-7B-v0.1", "finetune")
    assert ev.confidence < 0.9  # often a stale path: weaker than an adapter's config
    [ev] = find_parents_in_configs({"config.json": {"_name_or_path": "mistralai/Mistral-7B-v0.1",
                                                    "quantization_config": {"quant_method": "gptq"}}})
    assert ev.relation == "quantization"


def test_local_paths_and_the_model_itself_are_no_parents():
    for path in ("/content/drive/MyDrive/out", "./checkpoints", "~/models/x", "C:\\models\\x", "", "outputs/a/b"):
        assert find_parents_in_configs({"config.json": {"_name_or_path": path}}) == []
    assert find_parents_in_configs({"config.json": {"_name_or_path": "Me/Model"}}, model_id="me/model") == []
    assert find_parents_in_configs({"adapter_config.json": {"base_model_name_or_path": 7}}) == []
    assert find_parents_in_configs({"README.md": "x"}) == []
