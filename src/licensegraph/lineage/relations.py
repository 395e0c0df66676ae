"""How an edge's relation is decided: declared, evidence, hub, default (rules.md, "Edge").

Evidence is read from the child's tags, library and repo name. It outranks the Hub's tag
because the Hub infers that tag itself and often gets it wrong (MLX 4-bit conversions
tagged `finetune`). The patterns are data here so the SQL that applies them stays small.
"""

from __future__ import annotations

from licensegraph.vocab import RELATION_ALIASES

QUANT_TAGS = ("gguf", "gptq", "awq", "exl2", "exl3", "bitsandbytes", "4-bit", "8-bit", "quantized",
              "autoround", "hqq", "aqlm", "llamafile", "imatrix", "compressed-tensors", "fp8", "int4", "int8")
QUANT_LIBRARIES = ("gguf", "llamafile", "ctranslate2", "exllamav2")
# Tokens of a repo name (split on - _ .) that only a quantized artifact carries.
QUANT_NAME = r"(^|[-_.])(gguf|gptq|awq|exl2|exl3|bnb|hqq|aqlm|imat|imatrix|i1|iq[1-4]_[a-z]+|q[2-8]_k(_[sml])?|q[2-8]_[01]|[2-8]-?bits?|int[48]|fp8|w4a16|w8a8|nf4|[2-8](\.[0-9]+)?bpw|mlx-[2-8]bit)([-_.]|$)"
# MLX conversions count as quantizations only with a bit width.
MLX_BITS = r"(^|[-_.])([2-8]-?bits?|[2-8]bit)([-_.]|$)"
ADAPTER_TAGS = ("peft", "lora", "adapter", "adapters", "qlora")
ADAPTER_LIBRARIES = ("peft", "adapter-transformers")
ADAPTER_NAME = r"(^|[-_.])(lora|qlora|peft|adapter)([-_.]|$)"
# Format conversions (MLX without a bit width, GGML, ONNX, Core ML, MNN, OpenVINO, RKNN,
# TFLite, ...) and plain re-uploads change no weight by training, so they are not the
# Hub's default `finetune`: they get the treatment quantizations get (relation
# `quantization`, evidence text beginning CONVERSION_EVIDENCE).
CONVERSION_EVIDENCE = "format conversion"
CONVERSION_TAGS = ("mlx", "ggml", "onnx", "coreml", "openvino", "mnn", "rknn", "rkllm", "tflite", "litert",
                   "executorch", "tensorrt", "tensorrt-llm", "transformers.js", "mlc-llm", "ctranslate2")
CONVERSION_LIBRARIES = ("mlx", "ggml", "onnx", "coreml", "openvino", "mnn", "rkllm", "tflite", "transformers.js",
                        "mlc-llm", "executorch", "tensorrt-llm")
CONVERSION_NAME = (r"(^|[-_.])(mlx|ggml|onnx|coreml|openvino|ov|mnn|rknn|rkllm|rk3588|rk3576|rk3566|tflite|litert"
                   r"|executorch|trt|tensorrt|mlc|ct2|neuron|npu)([-_.]|$)")
# A name token saying the weights were trained, which outranks a format token
# ("llama-3-8b-sft-mlx" is a finetune saved in MLX format).
TRAINING_NAME = (r"(^|[-_.])(finetuned?|fine|ft|fft|sft|dpo|grpo|orpo|ppo|kto|simpo|rlhf|tuned|trained|train"
                 r"|distill|distilled|abliterated|unlearned|lora|qlora|merged)([-_.]|$)")
# Tokens a re-upload or a dtype conversion adds to the parent's name.
REUPLOAD_TOKENS = ("fp16", "bf16", "fp32", "f16", "f32", "float16", "bfloat16", "float32", "hf", "safetensors",
                   "converted", "sharded", "original", "copy", "mirror", "reupload", "re", "upload")
MERGE_TAGS = ("mergekit", "merge", "model-merge", "frankenmerge")
MERGE_NAME = r"(^|[-_.])(slerp|ties|dare|della|frankenmerge|merge|merged|passthrough)([-_.]|$)"


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def bare_name_sql(expr: str) -> str:
    """SQL: a repo id or name lower-cased, without its separators (- _ . space /) and its
    re-upload tokens (fp16, hf, ...). Separator runs become a doubled dash first, so that each
    token sits between dashes of its own and one global replace removes adjacent tokens too
    (a split into a list filtered by a lambda costs several times more on 2M models)."""
    spaced = f"regexp_replace('-' || lower({expr}) || '-', '[-_. /]+', '--', 'g')"
    return f"replace(regexp_replace({spaced}, '-({'|'.join(REUPLOAD_TOKENS)})-', '-', 'g'), '-', '')"


def same_name_sql(child_bare: str, parent_bare_name: str, parent_bare_owner: str) -> str:
    """SQL: the child's repo name is the parent's name (alone or after its owner), give or
    take re-upload tokens (fp16, bf16, hf, ...): a plain re-upload or dtype conversion. The
    arguments are `bare_name_sql` of the child's repo name and of the parent's name and owner
    (each computed once: they are the costly part)."""
    return (f"({child_bare} <> '' AND ({child_bare} = {parent_bare_name} "
            f"OR {child_bare} = {parent_bare_owner} || {parent_bare_name}))")


def evidence_sql(tags: str, library: str, name: str, n_parents: str, same_name: str = "false") -> tuple[str, str]:
    """SQL expressions (relation, evidence text) for a child with lower-cased `tags` list,
    `library` and repo `name`, and `n_parents` distinct parents; `same_name` is a boolean
    SQL expression: the child's name repeats its parent's (see same_name_sql)."""
    quant_tag = f"list_filter({tags}, lambda t: list_contains({_sql_list(QUANT_TAGS)}, t))"
    adapter_tag = f"list_filter({tags}, lambda t: list_contains({_sql_list(ADAPTER_TAGS)}, t))"
    merge_tag = f"list_filter({tags}, lambda t: list_contains({_sql_list(MERGE_TAGS)}, t))"
    mlx = f"(list_contains({tags}, 'mlx') OR {library} = 'mlx')"
    cases = [
        (f"{n_parents} > 1", "'merge'", f"'card names ' || {n_parents} || ' parents'"),
        (f"len({quant_tag}) > 0", "'quantization'", f"'tag ' || {quant_tag}[1]"),
        (f"list_contains({_sql_list(QUANT_LIBRARIES)}, {library})", "'quantization'", f"'library ' || {library}"),
        (f"{mlx} AND regexp_matches({name}, '{MLX_BITS}')", "'quantization'", "'MLX conversion with a bit width'"),
        (f"regexp_matches({name}, '{QUANT_NAME}')", "'quantization'",
         f"'name token ' || regexp_extract({name}, '{QUANT_NAME}', 2)"),
        (f"list_contains({_sql_list(ADAPTER_LIBRARIES)}, {library})", "'adapter'", f"'library ' || {library}"),
        (f"len({adapter_tag}) > 0", "'adapter'", f"'tag ' || {adapter_tag}[1]"),
        (f"regexp_matches({name}, '{ADAPTER_NAME}')", "'adapter'",
         f"'name token ' || regexp_extract({name}, '{ADAPTER_NAME}', 2)"),
        (f"len({merge_tag}) > 0", "'merge'", f"'tag ' || {merge_tag}[1]"),
        (f"regexp_matches({name}, '{MERGE_NAME}')", "'merge'",
         f"'name token ' || regexp_extract({name}, '{MERGE_NAME}', 2)"),
    ]
    conversion_tag = f"list_filter({tags}, lambda t: list_contains({_sql_list(CONVERSION_TAGS)}, t))"
    untrained = f"NOT regexp_matches({name}, '{TRAINING_NAME}')"
    conv = f"'{CONVERSION_EVIDENCE}: '"
    cases += [
        (f"{untrained} AND ({same_name})", "'quantization'", conv + " || 'the repo name repeats the parent''s'"),
        (f"{untrained} AND regexp_matches({name}, '{CONVERSION_NAME}')", "'quantization'",
         f"{conv} || 'name token ' || regexp_extract({name}, '{CONVERSION_NAME}', 2)"),
        (f"{untrained} AND list_contains({_sql_list(CONVERSION_LIBRARIES)}, {library})", "'quantization'",
         f"{conv} || 'library ' || {library}"),
        (f"{untrained} AND len({conversion_tag}) > 0", "'quantization'", f"{conv} || 'tag ' || {conversion_tag}[1]"),
    ]
    relation = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r, _ in cases) + " END"
    evidence = "CASE " + " ".join(f"WHEN {c} THEN {e}" for c, _, e in cases) + " END"
    return relation, evidence


def normalize_relation_sql(expr: str) -> str:
    mapping = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in RELATION_ALIASES.items())
    return (f"CASE lower(trim({expr})) {mapping} "
            f"WHEN 'finetune' THEN 'finetune' WHEN 'adapter' THEN 'adapter' "
            f"WHEN 'quantization' THEN 'quantization' WHEN 'merge' THEN 'merge' END")
