"""Parents named in a repo's config files.

PEFT writes the model an adapter was trained on into `adapter_config.json`
(`base_model_name_or_path`); transformers writes what a model was loaded from into
`config.json` (`_name_or_path`), which for a finetune saved with `save_pretrained` is
its starting checkpoint, but is often a local directory or the repo itself: only a Hub
id other than the model's own counts, and with less confidence.
"""

from __future__ import annotations

from collections.abc import Mapping

from licensegraph.lineage.discovery.evidence import ParentEvidence, repo_id_from_ref, trim

ADAPTER_CONFIG = "adapter_config.json"
MODEL_CONFIG = "config.json"
CONFIG_FILES = (ADAPTER_CONFIG, MODEL_CONFIG)


def find_parents_in_configs(configs: Mapping[str, object], model_id: str | None = None) -> list[ParentEvidence]:
    """Parents named by `configs` ({file name: parsed JSON mapping}); unknown files are ignored."""
    own = (model_id or "").lower()
    out: list[ParentEvidence] = []
    adapter = configs.get(ADAPTER_CONFIG)
    if isinstance(adapter, Mapping):
        raw = adapter.get("base_model_name_or_path")
        parent = repo_id_from_ref(raw, allow_single=True) if isinstance(raw, str) else None
        if parent and parent.lower() != own:
            peft = adapter.get("peft_type")
            pattern = f"{ADAPTER_CONFIG} base_model_name_or_path" + (f" ({peft})" if isinstance(peft, str) else "")
            out.append(ParentEvidence(parent, "adapter", "config", pattern,
                                      trim(raw), 0.95))
    model = configs.get(MODEL_CONFIG)
    if isinstance(model, Mapping) and not out:
        raw = model.get("_name_or_path")
        parent = repo_id_from_ref(raw) if isinstance(raw, str) else None
        if parent and parent.lower() != own:
            quantized = isinstance(model.get("quantization_config"), Mapping)
            relation = "quantization" if quantized else "finetune"
            pattern = f"{MODEL_CONFIG} _name_or_path" + (" with quantization_config" if quantized else "")
            out.append(ParentEvidence(parent, relation, "config", pattern, trim(raw),
                                      0.75 if quantized else 0.6))
    return out
