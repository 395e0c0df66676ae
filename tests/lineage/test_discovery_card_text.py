"""Parents from card text: hand-written card bodies in the shapes the common generators
write (Trainer, the big quantizing accounts, mergekit, PEFT), and cards that only mention
other models."""

from __future__ import annotations

from licensegraph.lineage.discovery import discover
from licensegraph.lineage.discovery.card_text import card_body, find_parents_in_text

TRAINER_CARD = """---
license: apache-2.0
tags:
- generated_from_trainer
---

<!-- This model card has been generated automatically according to the information the Trainer had access to. -->

# sentiment-probe-v2

This model is a fine-tuned version of [distilbert-base-uncased](https://huggingface.co/distilbert-base-uncased) on the None dataset.
It achieves the following results on the evaluation set:
- Loss: 0.2931
- Accuracy: 0.9012

## Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 2e-05
- train_batch_size: 16
"""


def test_trainer_card_names_its_single_segment_parent():
    found = find_parents_in_text(TRAINER_CARD)
    assert [(e.parent_id, e.relation, e.source) for e in found] == [("distilbert-base-uncased", "finetune", "card_text")]
    ev = found[0]
    assert ev.pattern == 'phrase "fine-tuned version of" + link'
    assert "fine-tuned version of [distilbert-base-uncased]" in ev.matched
    assert ev.line == 11  # line numbers count the front matter: they point into the README


QUANTIZER_CARD = """# Chatty Llama 7B - GGUF
- Model creator: [Some Lab](https://huggingface.co/some-lab)
- Original model: [Chatty Llama 7B](https://huggingface.co/some-lab/chatty-llama-7b)

## Description

This repo contains GGUF format model files for [Some Lab's Chatty Llama 7B](https://huggingface.co/some-lab/chatty-llama-7b).

## Provided files

| Name | Quant method | Bits | Size |
| ---- | ---- | ---- | ---- |
| [chatty-llama-7b.Q4_K_M.gguf](https://huggingface.co/quanter/chatty-llama-7b-GGUF/blob/main/chatty-llama-7b.Q4_K_M.gguf) | Q4_K_M | 4 | 4.08 GB |
"""


def test_quantizer_card_names_the_original_once_with_its_strongest_evidence():
    found = find_parents_in_text(QUANTIZER_CARD, model_id="quanter/chatty-llama-7b-GGUF")
    assert [(e.parent_id, e.relation) for e in found] == [("some-lab/chatty-llama-7b", "quantization")]
    assert found[0].pattern == 'phrase "<format> model files for" + link'
    assert found[0].confidence >= 0.9
    # the creator's org page (one path segment, link text not the id) is no parent
    assert all(e.parent_id != "some-lab" for e in found)


IMATRIX_CARD = """## Llamacpp imatrix Quantizations of Tiny-Writer-3B

Using llama.cpp release b4000 for quantization.

Original model: https://huggingface.co/writers-guild/Tiny-Writer-3B

All quants made using imatrix option with a calibration dataset.
"""


def test_bare_url_after_original_model():
    [ev] = find_parents_in_text(IMATRIX_CARD)
    assert (ev.parent_id, ev.relation, ev.line) == ("writers-guild/Tiny-Writer-3B", "quantization", 5)
    assert ev.pattern == 'phrase "Original model:" + link'


MLX_CARD = """# someone/Tiny-Writer-3B-4bit

The Model [someone/Tiny-Writer-3B-4bit](https://huggingface.co/someone/Tiny-Writer-3B-4bit) was converted to MLX format from [writers-guild/Tiny-Writer-3B](https://huggingface.co/writers-guild/Tiny-Writer-3B) using mlx-lm version **0.20.0**.
"""


def test_mlx_conversion_skips_the_self_link_before_the_phrase():
    [ev] = find_parents_in_text(MLX_CARD, model_id="someone/Tiny-Writer-3B-4bit")
    assert (ev.parent_id, ev.relation) == ("writers-guild/Tiny-Writer-3B", "quantization")


GGUF_MY_REPO_CARD = """# me/Tiny-Writer-3B-Q8_0-GGUF
This model was converted to GGUF format from [`writers-guild/Tiny-Writer-3B`](https://huggingface.co/writers-guild/Tiny-Writer-3B) using llama.cpp.
Refer to the [original model card](https://huggingface.co/writers-guild/Tiny-Writer-3B) for more details on the model.
"""


def test_backticked_link_text():
    [ev] = find_parents_in_text(GGUF_MY_REPO_CARD)
    assert ev.parent_id == "writers-guild/Tiny-Writer-3B"
    assert ev.line == 2


MERGEKIT_CARD = """# Mixed-Blend-7B

This is a merge of pre-trained language models created using [mergekit](https://github.com/cg123/mergekit).

## Merge Details
### Merge Method

This model was merged using the TIES merge method using [base-org/Base-7B](https://huggingface.co/base-org/Base-7B) as a base.

### Models Merged

The following models were included in the merge:
* [alpha-lab/Alpha-7B](https://huggingface.co/alpha-lab/Alpha-7B)
* beta-lab/Beta-7B

### Configuration

The following YAML configuration was used to produce this model:

```yaml
models:
  - model: alpha-lab/Alpha-7B
    parameters:
      density: 0.5
      weight: 0.5
  - model: beta-lab/Beta-7B+gamma-lab/Gamma-LoRA
    parameters:
      density: 0.5
      weight: 0.3
merge_method: ties
base_model: base-org/Base-7B
dtype: bfloat16
```
"""


def test_mergekit_card_lists_every_input_as_a_merge_parent():
    found = find_parents_in_text(MERGEKIT_CARD)
    by_parent = {e.parent_id: e for e in found}
    assert set(by_parent) == {"base-org/Base-7B", "alpha-lab/Alpha-7B", "beta-lab/Beta-7B"}
    assert {e.relation for e in found} == {"merge"}
    # the YAML block is the strongest evidence for the models it names
    assert by_parent["alpha-lab/Alpha-7B"].pattern == "mergekit YAML models: - model:"
    assert by_parent["beta-lab/Beta-7B"].matched == "- model: beta-lab/Beta-7B+gamma-lab/Gamma-LoRA"
    assert by_parent["base-org/Base-7B"].pattern == "mergekit YAML base_model:"


def test_merge_list_without_yaml():
    card = MERGEKIT_CARD.split("### Configuration")[0]
    found = {e.parent_id: e for e in find_parents_in_text(card)}
    assert found["beta-lab/Beta-7B"].pattern == '"The following models were included in the merge:" list'
    assert found["base-org/Base-7B"].pattern == 'phrase "using X as a base" (merge)'
    assert len(found) == 3


PEFT_CARD = """---
library_name: peft
---

# Model Card for Model ID

## Model Details

### Model Description

- **Developed by:** a student
- **Model type:** causal LM adapter
- **License:** [More Information Needed]
- **Finetuned from model [optional]:** meta-llama/Llama-2-7b-hf

## Training procedure

### Framework versions

- PEFT 0.7.1
"""


def test_peft_template_plain_id_is_an_adapter_parent():
    [ev] = find_parents_in_text(PEFT_CARD)
    assert (ev.parent_id, ev.relation, ev.source) == ("meta-llama/Llama-2-7b-hf", "adapter", "card_text")
    assert ev.pattern == 'phrase "Finetuned from model:" + link'
    assert ev.line == 14


def test_unfilled_peft_template_names_nothing():
    assert find_parents_in_text(PEFT_CARD.replace("meta-llama/Llama-2-7b-hf", "[More Information Needed]")) == []


COMPARISON_CARD = """# Tiny-Writer-3B

Tiny-Writer-3B is trained from scratch on our own corpus.

## Evaluation

| Model | MMLU | GSM8K |
|---|---|---|
| Tiny-Writer-3B | 45.1 | 30.2 |
| [meta-llama/Llama-2-7b-hf](https://huggingface.co/meta-llama/Llama-2-7b-hf) | 45.3 | 14.6 |
| [mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/Mistral-7B-v0.1) | 62.5 | 35.4 |

Compared with [Llama 2](https://huggingface.co/meta-llama/Llama-2-7b-hf) it is smaller.
See also [our 1B model](https://huggingface.co/writers-guild/Tiny-Writer-1B) and the
[training data](https://huggingface.co/datasets/writers-guild/corpus).
"""


def test_comparison_table_and_see_also_links_name_no_parent():
    assert find_parents_in_text(COMPARISON_CARD) == []


def test_phrase_and_link_in_different_sentences_do_not_pair():
    text = "It is based on months of work. Thanks to [x/y](https://huggingface.co/x/y) for compute.\n"
    assert find_parents_in_text(text) == []


def test_dataset_link_after_phrase_is_not_a_parent():
    text = "A fine-tuned version of [the corpus](https://huggingface.co/datasets/org/corpus).\n"
    assert find_parents_in_text(text) == []


def test_links_inside_other_code_blocks_are_ignored():
    text = "```python\n# fine-tuned version of https://huggingface.co/a/b\nmodel = load('a/b')\n```\n"
    assert find_parents_in_text(text) == []


def test_a_card_never_names_itself():
    text = "This is a quantized version of [me/x](https://huggingface.co/me/x).\n"
    assert find_parents_in_text(text, model_id="ME/X") == []


def test_card_body_skips_front_matter_only_when_present():
    assert card_body("---\na: 1\n---\nbody\n") == "body\n"
    assert card_body("no front matter\n") == "no front matter\n"


def test_discover_prefers_adapter_config_over_text():
    configs = {"adapter_config.json": {"base_model_name_or_path": "meta-llama/Llama-2-7b-hf", "peft_type": "LORA"}}
    [ev] = discover("me/my-adapter", card_text=QUANTIZER_CARD, configs=configs)
    assert (ev.parent_id, ev.relation, ev.source) == ("meta-llama/Llama-2-7b-hf", "adapter", "config")
    # a merge card keeps every input the text lists
    assert len(discover("me/m", card_text=MERGEKIT_CARD, configs=configs)) == 3
