"""Static vocabulary of the synthetic Hub: model families, real root models, name parts.

Nothing here is measured: these are the *shapes* a snapshot is built from (which family
a license belongs to, how a GGUF repo is named, which tags a LoRA adapter carries).
The numbers that decide how often each shape occurs live in ``calibration.json``.

Every string here is emitted into JSON and YAML without escaping, so all of them are
restricted to ``[A-Za-z0-9._/:+-]`` (checked by ``_check_safe`` at import).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------
# Relations. Index order is used in every array of the generator.
RELATIONS = ("none", "finetune", "adapter", "quantized", "merge")
REL_NONE, REL_FINETUNE, REL_ADAPTER, REL_QUANTIZED, REL_MERGE = range(5)

MODALITIES = ("llm", "t2i", "encoder", "asr", "tts", "vision", "audio", "seq2seq", "rl")


@dataclass(frozen=True)
class Family:
    key: str
    modality: str
    arch: str  # the architecture tag the Hub adds ("llama", "gemma", ...); "" for none
    stems: tuple[tuple[str, str], ...]  # (name stem, size token) for synthetic roots
    licenses: tuple[str, ...]  # license keys a synthetic root of this family may carry
    weight: float = 1.0  # relative share among families open to a "free" license
    since: str = "2021-03-01"  # no model of the family is older (release of its first model)


# License keys: an HF id, "none" (no license declared), "other" (no name) or
# "other:<license_name>".
FAMILIES: tuple[Family, ...] = (
    Family("llama2", "llm", "llama", (("Llama-2-7b", "7b"), ("Llama-2-13b", "13b"), ("llama-2-7b-chat", "7b"), ("Llama-2-70b", "70b")), ("llama2",), 2.0, "2023-07-18"),
    Family("llama3", "llm", "llama", (("Meta-Llama-3-8B", "8B"), ("Llama-3-8B", "8B"), ("Meta-Llama-3-70B", "70B")), ("llama3",), 1.5, "2024-04-18"),
    Family("llama3.1", "llm", "llama", (("Llama-3.1-8B", "8B"), ("Meta-Llama-3.1-8B", "8B"), ("Llama-3.1-70B", "70B")), ("llama3.1",), 1.5, "2024-07-23"),
    Family("llama3.2", "llm", "llama", (("Llama-3.2-1B", "1B"), ("Llama-3.2-3B", "3B")), ("llama3.2",), 1.0, "2024-09-25"),
    Family("llama3.3", "llm", "llama", (("Llama-3.3-70B", "70B"),), ("llama3.3",), 0.5, "2024-12-06"),
    Family("llama4", "llm", "llama4", (("Llama-4-Scout-17B-16E", "17B"),), ("other:llama4", "llama4"), 0.3, "2025-04-05"),
    Family("gemma", "llm", "gemma", (("gemma-7b", "7b"), ("gemma-2b", "2b"), ("gemma-2-9b", "9b"), ("gemma-3-27b", "27b"), ("gemma-3-4b", "4b")), ("gemma", "other:gemma-terms-of-use"), 1.5, "2024-02-21"),
    Family("mistral", "llm", "mistral", (("Mistral-7B", "7B"), ("Mistral-Small-24B", "24B"), ("Mistral-Nemo-12B", "12B"), ("Mixtral-8x7B", "8x7B")), ("apache-2.0", "other:mrl"), 2.0, "2023-09-27"),
    Family("qwen", "llm", "qwen2", (("Qwen2.5-7B", "7B"), ("Qwen2.5-0.5B", "0.5B"), ("Qwen2.5-1.5B", "1.5B"), ("Qwen2.5-32B", "32B"), ("QwQ-32B", "32B"), ("Qwen-7B", "7B")), ("apache-2.0", "other:qwen", "other:tongyi-qianwen", "other:qwen-research"), 2.5, "2023-08-03"),
    Family("phi", "llm", "phi", (("phi-2", "2.7B"), ("phi-4", "14B"), ("Phi-3-mini", "3.8B")), ("mit",), 1.5, "2023-12-12"),
    Family("deepseek", "llm", "deepseek_v3", (("DeepSeek-R1", "671B"), ("DeepSeek-V3", "671B"), ("DeepSeek-R1-Distill-Qwen-7B", "7B"), ("deepseek-coder-6.7b", "6.7b")), ("mit", "other:deepseek"), 1.5, "2023-11-02"),
    Family("falcon", "llm", "falcon", (("falcon-7b", "7b"), ("falcon-40b", "40b")), ("apache-2.0", "other:falcon-llm-license"), 0.5, "2023-05-25"),
    Family("bloom", "llm", "bloom", (("bloom", "176b"), ("bloomz-560m", "560m"), ("bloom-1b7", "1b7")), ("bigscience-bloom-rail-1.0", "bigscience-openrail-m"), 0.5, "2022-07-12"),
    Family("gpt2", "llm", "gpt2", (("gpt2", "124m"), ("gpt2-medium", "355m"), ("distilgpt2", "82m")), ("mit",), 1.5),
    Family("starcoder", "llm", "gpt_bigcode", (("starcoder", "15b"), ("starcoder2-3b", "3b")), ("bigcode-openrail-m",), 0.4, "2023-05-04"),
    Family("exaone", "llm", "exaone", (("EXAONE-3.5-7.8B", "7.8B"), ("EXAONE-Deep-32B", "32B")), ("other:exaone",), 0.3, "2024-08-07"),
    Family("command", "llm", "cohere", (("c4ai-command-r-v01", "35B"), ("aya-expanse-8b", "8b")), ("cc-by-nc-4.0",), 0.3, "2024-03-11"),
    Family("stablelm", "llm", "stablelm", (("stablelm-base-alpha-7b", "7b"), ("stablelm-2-1_6b", "1.6b")), ("cc-by-sa-4.0", "other:stabilityai-ai-community"), 0.3, "2023-04-19"),
    Family("neox", "llm", "gpt_neox", (("gpt-neox-20b", "20b"), ("pythia-1b", "1b"), ("pythia-410m", "410m")), ("apache-2.0",), 0.8),
    Family("tinyllm", "llm", "llama", (("TinyLlama-1.1B", "1.1B"), ("tiny-gpt", "10M"), ("SmolLM2-360M", "360M"), ("OLMo-7B", "7B"), ("opt-350m", "350m")), ("apache-2.0", "mit", "cc-by-4.0", "cc-by-nc-sa-4.0", "gpl-3.0", "agpl-3.0", "lgpl-3.0", "gpl-2.0", "cc-by-nd-4.0", "cc-by-nc-nd-4.0", "other:fair-noncommercial-research-license"), 1.5, "2022-05-03"),
    Family("sd1", "t2i", "stable-diffusion", (("stable-diffusion-v1-5", ""), ("sd-v1-4", ""), ("anything-v5", ""), ("OrangeMixs", ""), ("dreamshaper-8", "")), ("creativeml-openrail-m", "openrail"), 2.0, "2022-08-22"),
    Family("sd2", "t2i", "stable-diffusion", (("stable-diffusion-2-1", ""), ("sd-2-1-base", "")), ("openrail++",), 0.8, "2022-11-24"),
    Family("sdxl", "t2i", "stable-diffusion-xl", (("stable-diffusion-xl-base-1.0", ""), ("sdxl", ""), ("Illustrious-XL", ""), ("pony-diffusion-v6-xl", "")), ("openrail++",), 1.5, "2023-07-26"),
    Family("sd3", "t2i", "sd3", (("stable-diffusion-3-medium", ""), ("sd3.5-large", "")), ("other:stabilityai-ai-community",), 0.3, "2024-06-12"),
    Family("flux", "t2i", "flux", (("FLUX.1-dev", ""), ("flux-dev", ""), ("FLUX.1-schnell", "")), ("other:flux-1-dev-non-commercial-license", "apache-2.0"), 1.0, "2024-08-01"),
    Family("bert", "encoder", "bert", (("bert-base-uncased", "base"), ("bert-base-multilingual-cased", "base"), ("distilbert-base-uncased", "base"), ("roberta-base", "base"), ("xlm-roberta-large", "large"), ("deberta-v3-base", "base")), ("apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "gpl-3.0", "afl-3.0"), 3.0),
    Family("embed", "encoder", "new", (("gte-base-en-v1.5", ""), ("all-MiniLM-L6-v2", ""), ("bge-small-en-v1.5", "")), ("apache-2.0", "mit"), 1.0),
    Family("whisper", "asr", "whisper", (("whisper-small", "small"), ("whisper-large-v3", "large"), ("whisper-tiny", "tiny"), ("wav2vec2-base", "base")), ("apache-2.0", "mit", "cc-by-nc-4.0"), 1.5),
    Family("tts", "tts", "kokoro", (("Kokoro-82M", "82M"), ("speecht5-tts", ""), ("vits-ljs", "")), ("apache-2.0", "mit", "other:coqui-public-model-license", "cc-by-nc-sa-4.0"), 0.6, "2021-06-01"),
    Family("yolo", "vision", "ultralytics", (("YOLOv8", "n"), ("yolov8n", "n"), ("YOLOv5", "s"), ("yolo11s", "s")), ("agpl-3.0", "gpl-3.0"), 0.6, "2023-01-10"),
    Family("vision", "vision", "vit", (("vit-base-patch16-224", "base"), ("resnet-50", "50"), ("convnext-tiny-224", "tiny"), ("detr-resnet-50", "50")), ("apache-2.0", "mit", "cc-by-nc-4.0", "bsd-3-clause", "cc-by-nc-nd-4.0", "gpl-2.0"), 2.0),
    Family("audio", "audio", "musicgen", (("musicgen-small", "small"), ("audioldm2", "")), ("cc-by-nc-4.0", "mit"), 0.4, "2023-06-08"),
    Family("seq2seq", "seq2seq", "t5", (("t5-small", "small"), ("nllb-200-distilled-600M", "600M"), ("bart-large-cnn", "large"), ("mt5-base", "base")), ("apache-2.0", "cc-by-nc-4.0", "mit"), 1.5),
    Family("rl", "rl", "", (("ppo-LunarLander-v2", ""), ("dqn-SpaceInvadersNoFrameskip-v4", ""), ("ppo-Huggy", ""), ("a2c-PandaReachDense-v3", "")), ("mit", "apache-2.0"), 2.5),
)
FAMILY_INDEX = {f.key: i for i, f in enumerate(FAMILIES)}


@dataclass(frozen=True)
class NamedRoot:
    id: str
    family: str
    license: str
    created: str  # ISO date (real release date, approximately)
    gated: str = "false"  # "false" | "auto" | "manual"
    hidden: bool = False  # deleted from the Hub: children point at it, it is not in the snapshot


# Real root models of the big families. Their share of all children comes from the
# lineage file (calibration "named_root_children"); the licenses are the ones their cards
# declare (the sample's where it has them).
NAMED_ROOTS: tuple[NamedRoot, ...] = (
    NamedRoot("meta-llama/Llama-2-7b-hf", "llama2", "llama2", "2023-07-13", "manual"),
    NamedRoot("meta-llama/Llama-2-7b-chat-hf", "llama2", "llama2", "2023-07-13", "manual"),
    NamedRoot("meta-llama/Llama-2-7b", "llama2", "llama2", "2023-07-13", "manual"),
    NamedRoot("meta-llama/Llama-2-13b-hf", "llama2", "llama2", "2023-07-13", "manual"),
    NamedRoot("meta-llama/Meta-Llama-3-8B", "llama3", "llama3", "2024-04-17", "manual"),
    NamedRoot("meta-llama/Meta-Llama-3-8B-Instruct", "llama3", "llama3", "2024-04-17", "manual"),
    NamedRoot("meta-llama/Llama-3.1-8B", "llama3.1", "llama3.1", "2024-07-14", "manual"),
    NamedRoot("meta-llama/Llama-3.1-8B-Instruct", "llama3.1", "llama3.1", "2024-07-18", "manual"),
    NamedRoot("meta-llama/Llama-3.2-1B", "llama3.2", "llama3.2", "2024-09-18", "manual"),
    NamedRoot("meta-llama/Llama-3.2-1B-Instruct", "llama3.2", "llama3.2", "2024-09-18", "manual"),
    NamedRoot("meta-llama/Llama-3.2-3B-Instruct", "llama3.2", "llama3.2", "2024-09-18", "manual"),
    NamedRoot("meta-llama/Llama-3.3-70B-Instruct", "llama3.3", "llama3.3", "2024-11-26", "manual"),
    NamedRoot("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama4", "other:llama4", "2025-04-02", "manual"),
    NamedRoot("google/gemma-7b", "gemma", "gemma", "2024-02-08", "manual"),
    NamedRoot("google/gemma-7b-it", "gemma", "gemma", "2024-02-13", "manual"),
    NamedRoot("google/gemma-2-9b", "gemma", "gemma", "2024-06-24", "manual"),
    NamedRoot("google/gemma-2-2b-it", "gemma", "gemma", "2024-07-16", "manual"),
    NamedRoot("google/gemma-3-27b-it", "gemma", "gemma", "2025-03-01", "manual"),
    NamedRoot("google/gemma-3-4b-it", "gemma", "gemma", "2025-02-20", "manual"),
    NamedRoot("microsoft/phi-2", "phi", "mit", "2023-12-13"),
    NamedRoot("microsoft/phi-4", "phi", "mit", "2024-12-11"),
    NamedRoot("microsoft/Phi-3-mini-4k-instruct", "phi", "mit", "2024-04-22"),
    NamedRoot("mistralai/Mistral-7B-v0.1", "mistral", "apache-2.0", "2023-09-20"),
    NamedRoot("mistralai/Mistral-7B-Instruct-v0.2", "mistral", "apache-2.0", "2023-12-11"),
    NamedRoot("mistralai/Mistral-Nemo-Instruct-2407", "mistral", "apache-2.0", "2024-07-17"),
    NamedRoot("mistralai/Mistral-Small-24B-Base-2501", "mistral", "apache-2.0", "2025-01-28"),
    NamedRoot("mistralai/Mistral-Small-24B-Instruct-2501", "mistral", "apache-2.0", "2025-01-28"),
    NamedRoot("mistralai/Mistral-Large-Instruct-2407", "mistral", "other:mrl", "2024-07-24", "auto"),
    NamedRoot("deepseek-ai/DeepSeek-R1", "deepseek", "mit", "2025-01-20"),
    NamedRoot("deepseek-ai/DeepSeek-V3", "deepseek", "none", "2024-12-25"),
    NamedRoot("Qwen/Qwen2.5-7B", "qwen", "apache-2.0", "2024-09-15"),
    NamedRoot("Qwen/Qwen2.5-7B-Instruct", "qwen", "apache-2.0", "2024-09-16"),
    NamedRoot("Qwen/Qwen2.5-0.5B-Instruct", "qwen", "apache-2.0", "2024-09-16"),
    NamedRoot("Qwen/Qwen2.5-1.5B-Instruct", "qwen", "apache-2.0", "2024-09-17"),
    NamedRoot("Qwen/Qwen2.5-72B-Instruct", "qwen", "other:qwen", "2024-09-16"),
    NamedRoot("Qwen/Qwen-7B", "qwen", "other:tongyi-qianwen", "2023-08-03"),
    NamedRoot("Qwen/QwQ-32B", "qwen", "apache-2.0", "2025-03-05"),
    NamedRoot("bigscience/bloom", "bloom", "bigscience-bloom-rail-1.0", "2022-05-19"),
    NamedRoot("bigscience/bloomz-560m", "bloom", "bigscience-bloom-rail-1.0", "2022-10-08"),
    NamedRoot("openai-community/gpt2", "gpt2", "mit", "2022-03-02"),
    NamedRoot("tiiuae/falcon-7b", "falcon", "apache-2.0", "2023-04-24"),
    NamedRoot("bigcode/starcoder", "starcoder", "bigcode-openrail-m", "2023-04-24", "auto"),
    NamedRoot("LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct", "exaone", "other:exaone", "2024-12-06"),
    NamedRoot("CohereForAI/c4ai-command-r-v01", "command", "cc-by-nc-4.0", "2024-03-11", "auto"),
    NamedRoot("stabilityai/stablelm-base-alpha-7b", "stablelm", "cc-by-sa-4.0", "2023-04-11"),
    NamedRoot("EleutherAI/gpt-neox-20b", "neox", "apache-2.0", "2022-04-07"),
    NamedRoot("EleutherAI/pythia-410m", "neox", "apache-2.0", "2023-02-13"),
    NamedRoot("CompVis/stable-diffusion-v1-4", "sd1", "creativeml-openrail-m", "2022-08-10"),
    NamedRoot("runwayml/stable-diffusion-v1-5", "sd1", "creativeml-openrail-m", "2022-10-20", hidden=True),
    NamedRoot("stable-diffusion-v1-5/stable-diffusion-v1-5", "sd1", "creativeml-openrail-m", "2024-08-30"),
    NamedRoot("WarriorMama777/OrangeMixs", "sd1", "creativeml-openrail-m", "2022-12-01"),
    NamedRoot("stabilityai/stable-diffusion-2-1", "sd2", "openrail++", "2022-12-06"),
    NamedRoot("stabilityai/stable-diffusion-xl-base-1.0", "sdxl", "openrail++", "2023-07-25"),
    NamedRoot("stabilityai/stable-diffusion-3-medium", "sd3", "other:stabilityai-ai-community", "2024-06-12", "auto"),
    NamedRoot("stabilityai/stable-diffusion-3.5-large", "sd3", "other:stabilityai-ai-community", "2024-10-22", "auto"),
    NamedRoot("black-forest-labs/FLUX.1-dev", "flux", "other:flux-1-dev-non-commercial-license", "2024-07-31", "auto"),
    NamedRoot("black-forest-labs/FLUX.1-schnell", "flux", "apache-2.0", "2024-07-31"),
    NamedRoot("google-bert/bert-base-uncased", "bert", "apache-2.0", "2022-03-02"),
    NamedRoot("distilbert/distilbert-base-uncased", "bert", "apache-2.0", "2022-03-02"),
    NamedRoot("FacebookAI/roberta-base", "bert", "mit", "2022-03-02"),
    NamedRoot("FacebookAI/xlm-roberta-base", "bert", "mit", "2022-03-02"),
    NamedRoot("Alibaba-NLP/gte-base-en-v1.5", "embed", "apache-2.0", "2024-04-20"),
    NamedRoot("sentence-transformers/all-MiniLM-L6-v2", "embed", "apache-2.0", "2022-03-02"),
    NamedRoot("openai/whisper-small", "whisper", "apache-2.0", "2022-09-26"),
    NamedRoot("openai/whisper-large-v3", "whisper", "apache-2.0", "2023-11-07"),
    NamedRoot("hexgrad/Kokoro-82M", "tts", "apache-2.0", "2024-12-26"),
    NamedRoot("Ultralytics/YOLOv8", "yolo", "agpl-3.0", "2023-01-10"),
    NamedRoot("Ultralytics/YOLOv5", "yolo", "gpl-3.0", "2022-11-22"),
    NamedRoot("google/vit-base-patch16-224", "vision", "apache-2.0", "2022-03-02"),
    NamedRoot("microsoft/resnet-50", "vision", "apache-2.0", "2022-03-16"),
    NamedRoot("facebook/nllb-200-distilled-600M", "seq2seq", "cc-by-nc-4.0", "2022-07-08"),
    NamedRoot("facebook/musicgen-small", "audio", "cc-by-nc-4.0", "2023-06-08"),
    NamedRoot("google-t5/t5-small", "seq2seq", "apache-2.0", "2022-03-02"),
    NamedRoot("facebook/bart-large-cnn", "seq2seq", "mit", "2022-03-02"),
)

# license_name -> license_link when a card says `license: other`
OTHER_LICENSE_LINKS = {
    "llama4": "https://huggingface.co/meta-llama/Llama-4-Scout-17B-16E-Instruct/blob/main/LICENSE",
    "gemma-terms-of-use": "https://ai.google.dev/gemma/terms",
    "mrl": "https://mistral.ai/licenses/MRL-0.1.md",
    "flux-1-dev-non-commercial-license": "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md",
    "stabilityai-ai-community": "LICENSE.md",
    "qwen": "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE",
    "tongyi-qianwen": "https://github.com/QwenLM/Qwen/blob/main/Tongyi%20Qianwen%20LICENSE%20AGREEMENT",
    "deepseek": "https://github.com/deepseek-ai/DeepSeek-LLM/blob/HEAD/LICENSE-MODEL",
    "nvidia-open-model-license": "https://developer.download.nvidia.com/licenses/nvidia-open-model-license-agreement-june-2024.pdf",
}
# `license: other` names seen on the Hub beyond the ones families use (licenses.md 1.1 and
# the sample); drawn when a root gets `other` with a name that no family claims.
EXTRA_OTHER_NAMES = (
    "exaone", "llama4", "nvidia-open-model-license", "stabilityai-ai-community", "mrl", "qwen-research",
    "deepseek-license", "falcon-llm-license", "sai-nc-community", "coqui-public-model-license",
    "microsoft-research-license", "mnpl", "non-commercial-license",
)

# `license_name` values kept as they are in calibration and output; any other name (one-off
# names in the sample) becomes CUSTOM_LICENSE_NAME.
CUSTOM_LICENSE_NAME = "custom-license"
KNOWN_OTHER_NAMES = frozenset(OTHER_LICENSE_LINKS) | frozenset(EXTRA_OTHER_NAMES) | frozenset(
    lic.split(":", 1)[1] for fam in FAMILIES for lic in fam.licenses if lic.startswith("other:")
) | {"stable-video-diffusion-community", CUSTOM_LICENSE_NAME}

# ---------------------------------------------------------------------------------
# Name parts.
DESCRIPTORS = {
    "llm": ("alpaca", "chat", "instruct", "sft", "dpo", "orpo", "ultrachat", "math", "code", "medical",
            "legal", "finance", "ko", "ja", "zh", "de", "fr", "es", "vi", "tr", "roleplay", "uncensored",
            "abliterated", "reasoning", "distill", "summarizer", "qa", "function-calling", "tool-use",
            "guanaco", "dolly", "openhermes", "sharegpt", "gsm8k", "rag", "grpo", "cot", "storywriter"),
    "t2i": ("anime", "pixel-art", "watercolor", "realistic", "portrait", "lineart", "dreambooth", "style",
            "cyberpunk", "product-photo", "logo", "character", "landscape", "inpainting", "ghibli", "3d-render"),
    "encoder": ("imdb", "sst2", "ner", "squad", "emotion", "sentiment", "spam", "toxic", "news-classifier",
                "mnli", "go-emotions", "finetuned-ner", "pubmed", "legal-ner", "intent", "sts"),
    "asr": ("hindi", "arabic", "es", "ja", "common-voice", "medical-asr", "fleurs", "swahili", "urdu", "de"),
    "tts": ("en-us", "voice-clone", "narrator", "ja", "expressive", "ljspeech"),
    "vision": ("helmet-detection", "ppe", "traffic", "license-plate", "fire-smoke", "fruit", "pcb-defects",
               "cifar10", "food101", "beans", "xray", "plant-disease"),
    "audio": ("lofi", "drums", "ambient", "piano", "sfx"),
    "seq2seq": ("cnn-dailymail", "xsum", "en-fr", "en-hi", "samsum", "paraphrase", "grammar", "wikisql"),
    "rl": ("v1", "v2", "seed42", "1M-steps", "tuned", "baseline"),
}
BRANDS = ("Hermes", "OpenHermes", "Dolphin", "Nous", "Zephyr", "Orca", "Vicuna", "Wizard", "Tulu", "Nemo",
          "Saiga", "Sakura", "Marco", "Athena", "Pygmalion", "Chronos", "Mythos", "Nova", "Aurora", "Helix",
          "Solar", "Neural", "Open", "Tiny", "Smol", "Kappa", "Lumina", "Sage", "Echo", "Atlas", "Orion",
          "Falcon-Chat", "Bagel", "Goliath", "Stheno", "Cydonia", "Magnum", "Rocinante", "Nemotron", "Euryale")
IMAGE_BRANDS = ("DreamShaper", "Juggernaut", "RealVis", "AnimagineX", "CounterfeitV3", "Deliberate", "Pony",
                "NoobAI", "epiCRealism", "majicMix", "ChilloutMix", "AbyssMix", "Pastel", "Dreamlike")

REL_SUFFIXES = {
    "finetune": ("finetuned", "sft", "dpo", "ft", "v2", "v1", "instruct", "chat", "test", "model", "", "", "", ""),
    "finetune-other": ("finetuned", "ft", "v2", "v1", "test", "model", "finetuned-v2", "", "", ""),
    "adapter": ("lora", "lora", "lora", "LoRA", "qlora", "adapter", "peft", "lora-r16", "lora-v1", ""),
    "merge": ("merge", "slerp", "ties", "dare-ties", "merged", "della", "MoE", "model-stock"),
}
VERSIONS = ("v1", "v2", "v3", "v0.1", "v1.5", "e3", "r16", "4k", "ep2", "2e-5", "1k-steps", "final", "step-500", "test2")

# Quantized repo name endings, keyed to the format evidence the audit looks for.
# (suffix, library_name, tags)
QUANT_FORMATS = {
    "GGUF": ("gguf", ("gguf", "llama-cpp")),
    "i1-GGUF": ("gguf", ("gguf", "imatrix")),
    "Q4_K_M-GGUF": ("gguf", ("gguf", "llama-cpp", "gguf-my-repo")),
    "Q8_0-GGUF": ("gguf", ("gguf", "llama-cpp", "gguf-my-repo")),
    "Q5_K_M-GGUF": ("gguf", ("gguf", "llama-cpp", "gguf-my-repo")),
    "Q4_K_S-GGUF": ("gguf", ("gguf", "llama-cpp", "gguf-my-repo")),
    "AWQ": ("transformers", ("safetensors", "awq", "4-bit")),
    "GPTQ": ("transformers", ("safetensors", "gptq", "4-bit")),
    "GPTQ-Int4": ("transformers", ("safetensors", "gptq", "4-bit")),
    "bnb-4bit": ("transformers", ("safetensors", "4-bit", "bitsandbytes", "unsloth")),
    "4bit": ("transformers", ("safetensors", "4-bit", "bitsandbytes")),
    "8bit": ("transformers", ("safetensors", "8-bit", "bitsandbytes")),
    "mlx-4bit": ("mlx", ("mlx", "safetensors", "4-bit")),
    "mlx-8bit": ("mlx", ("mlx", "safetensors", "8-bit")),
    "exl2": ("", ("exl2",)),
    "onnx": ("transformers.js", ("onnx",)),
    "FP8-Dynamic": ("transformers", ("safetensors", "fp8", "compressed-tensors")),
    "": ("gguf", ("gguf",)),  # a quantization whose name shows no format
}

# Well-known uploaders per relation (the lineage file's top authors are this kind).
SPECIALIST_AUTHORS = {
    "quantized": ("mradermacher", "bartowski", "QuantFactory", "TheBloke", "mlx-community", "tensorblock",
                  "DevQuasar", "lmstudio-community"),
    "adapter": ("lora-lab", "peft-internal-testing", "sd-loras", "qlora-runs", "adapters-hub", "flux-loras",
                "unsloth-runs", "jonlora"),
    "merge": ("mergekit-community", "TareksLab", "MrRobotoAI", "NexesMess", "Novaciano", "allknowingroger",
              "grimjim", "Nitral-AI"),
    "finetune": ("mlfoundations-dev", "unsloth", "NousResearch", "cognitivecomputations", "teknium",
                 "HuggingFaceH4", "MinaMila", "genki10"),
    "none": ("RichardErkhov", "StepLaw", "bigband", "ProbeX", "gradientrouting-spar", "aleegis",
             "tungdqzenai", "Alphatao"),
}

NAME_PARTS_A = ("kevin", "maria", "alex", "sam", "yuki", "li", "omar", "nina", "raj", "ivan", "lucas", "emma",
                "chen", "ana", "tom", "sara", "jun", "mehmet", "fatima", "diego", "hana", "paul", "eva", "ali",
                "deep", "neural", "quant", "tensor", "vector", "pixel", "data", "open", "smart", "hyper",
                "cyber", "astro", "nano", "mega", "alpha", "beta", "zen", "nova", "flux", "ai", "ml", "nlp",
                "bio", "med", "fin", "geo")
NAME_PARTS_B = ("moore", "smith", "kim", "tanaka", "garcia", "ng", "patel", "silva", "nguyen", "muller",
                "rossi", "dubois", "ivanov", "lee", "wang", "khan", "cohen", "park", "lab", "labs", "works",
                "ai", "ml", "research", "dev", "hub", "models", "tech", "forge", "mind", "core", "studio",
                "bot", "coder", "tuner", "x", "io", "hq", "org", "net")

DATASETS = {
    "llm": ("tatsu-lab/alpaca", "HuggingFaceH4/ultrachat_200k", "OpenAssistant/oasst1", "databricks/databricks-dolly-15k",
            "Open-Orca/OpenOrca", "teknium/OpenHermes-2.5", "openai/gsm8k", "HuggingFaceH4/ultrafeedback_binarized",
            "timdettmers/openassistant-guanaco", "yahma/alpaca-cleaned", "fka/awesome-chatgpt-prompts", "allenai/c4"),
    "t2i": ("lambdalabs/pokemon-blip-captions", "diffusers/dog-example", "nateraw/pascal-voc-2012"),
    "encoder": ("stanfordnlp/imdb", "rajpurkar/squad", "eriktks/conll2003", "dair-ai/emotion", "nyu-mll/glue"),
    "asr": ("mozilla-foundation/common_voice_11_0", "google/fleurs", "openslr/librispeech_asr"),
    "tts": ("keithito/lj_speech", "mythicinfinity/libritts"),
    "vision": ("uoft-cs/cifar10", "ethz/food101", "AI-Lab-Makerere/beans", "detection-datasets/coco"),
    "audio": ("google/MusicCaps",),
    "seq2seq": ("abisee/cnn_dailymail", "EdinburghNLP/xsum", "wmt/wmt16", "knkarthick/samsum"),
    "rl": ("edbeeching/decision_transformer_gym_replay",),
}

# Per modality and relation: (library_name, tags, pipeline_tag, card tags).
PIPELINES = {
    "llm": "text-generation", "t2i": "text-to-image", "encoder": "text-classification",
    "asr": "automatic-speech-recognition", "tts": "text-to-speech", "vision": "image-classification",
    "audio": "text-to-audio", "seq2seq": "text2text-generation", "rl": "reinforcement-learning",
}
BASE_LIBRARY = {
    "llm": "transformers", "t2i": "diffusers", "encoder": "transformers", "asr": "transformers",
    "tts": "transformers", "vision": "transformers", "audio": "transformers", "seq2seq": "transformers",
    "rl": "stable-baselines3",
}
CARD_TAGS = {
    ("llm", "finetune"): ("trl", "sft", "generated_from_trainer"),
    ("llm", "none"): ("text-generation-inference",),
    ("t2i", "finetune"): ("text-to-image", "diffusers", "dreambooth"),
    ("t2i", "none"): ("text-to-image", "stable-diffusion"),
    ("t2i", "adapter"): ("text-to-image", "lora", "diffusers", "template:sd-lora"),
    ("llm", "adapter"): ("lora", "trl", "sft", "peft"),
    ("encoder", "finetune"): ("generated_from_trainer",),
    ("asr", "finetune"): ("generated_from_trainer", "hf-asr-leaderboard"),
    ("rl", "none"): ("deep-reinforcement-learning", "reinforcement-learning"),
    ("merge",): ("mergekit", "merge"),
    ("quantized",): ("llama-cpp", "gguf-my-repo"),
}

_SAFE = re.compile(r"^[A-Za-z0-9._/:+%-]*$")


def _check_safe() -> None:
    pools: list[str] = []
    for fam in FAMILIES:
        pools += [s for s, _ in fam.stems] + [z for _, z in fam.stems] + list(fam.licenses) + [fam.arch]
    for r in NAMED_ROOTS:
        pools += [r.id, r.license]
    for vals in DESCRIPTORS.values():
        pools += list(vals)
    for vals in REL_SUFFIXES.values():
        pools += list(vals)
    for vals in SPECIALIST_AUTHORS.values():
        pools += list(vals)
    for suf, (lib, tags) in QUANT_FORMATS.items():
        pools += [suf, lib, *tags]
    for vals in CARD_TAGS.values():
        pools += list(vals)
    pools += list(BRANDS) + list(IMAGE_BRANDS) + list(VERSIONS) + [d for v in DATASETS.values() for d in v]
    pools += list(NAME_PARTS_A)
    pools += list(NAME_PARTS_B) + list(OTHER_LICENSE_LINKS) + list(OTHER_LICENSE_LINKS.values())
    pools += list(EXTRA_OTHER_NAMES) + list(PIPELINES.values()) + list(BASE_LIBRARY.values())
    bad = [p for p in pools if not _SAFE.match(p)]
    if bad:  # pragma: no cover - guards edits of this file
        raise ValueError(f"unsafe strings in synth catalog: {bad[:5]}")


_check_safe()
