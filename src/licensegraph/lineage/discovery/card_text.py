"""Parents named in a model card's text (the README body below the front matter).

Generators write the parent in a few set phrases, each followed by a Hub link: the
Trainer ("fine-tuned version of [X](https://huggingface.co/X)"), quantizers ("GGUF format
model files for", "quantized version of", "Original model:", "converted to MLX format
from"), PEFT's template ("Finetuned from model:"), mergekit ("The following models were
included in the merge:" with a list, "using X as a base", and the YAML configuration
block). Only a reference that follows such a phrase in the same sentence counts: a card
that links other models in a comparison table or a "see also" list names no parent.
Table rows are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from licensegraph.lineage.discovery.evidence import ParentEvidence, repo_id_from_ref, trim
from licensegraph.sources.card import CardError, load_yaml

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HUB = r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/"
_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?(" + _HUB + r"[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![\w/(\[])(" + _HUB + r"[^\s)\]>\"'`,]+)", re.IGNORECASE)
_PLAIN_ID = re.compile(r"(?<![\w/.\-])`?([A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95})`?(?![\w/])")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_BULLET = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+(.*)$")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_QUANT_WORDS = re.compile(r"\b(?:gguf|ggml|gptq|awq|exl2|exl3|quanti[sz]\w*|quants?|mlx|bpw|[2-8]-?bit|imatrix)\b", re.IGNORECASE)
_PEFT_WORDS = re.compile(r"\b(?:peft|lora|qlora|adapter)\b", re.IGNORECASE)
WINDOW = 160  # characters after a phrase in which its reference must start


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern
    relation: str  # 'original' decides from the card: quantization on a quantizer's card
    confidence: float
    plain_ids: bool  # a bare `owner/name` (no link) counts after this phrase
    name: str


def _p(regex: str) -> re.Pattern:
    return re.compile(regex, re.IGNORECASE)


PHRASES = (
    _Phrase(_p(r"fine-?tuned (?:version|variant|checkpoint) of"), "finetune", 0.9, False, '"fine-tuned version of"'),
    _Phrase(_p(r"fine-?tuned from model(?:\s*\[optional\])?\s*:"), "finetune", 0.9, True, '"Finetuned from model:"'),
    _Phrase(_p(r"\b(?:is|was) (?:a )?fine-?tuned (?:from|on top of)|\bfine-?tuned from\b"), "finetune", 0.85, True,
            '"fine-tuned from"'),
    _Phrase(_p(r"\b(?:gguf|ggml|gptq|awq|exl2|exl3|mlx)\s+(?:format\s+)?model files for"), "quantization", 0.95, False,
            '"<format> model files for"'),
    _Phrase(_p(r"\bquanti[sz](?:ed|ations?) (?:version |variant )?of\b|\bquants of\b"), "quantization", 0.9, True,
            '"quantized version of"'),
    _Phrase(_p(r"\bconverted to \w+(?: format)? from\b|\b(?:gguf|gptq|awq|mlx|onnx) (?:version|conversion|export) of\b"),
            "quantization", 0.9, True, '"converted to <format> from"'),
    _Phrase(_p(r"\boriginal model\s*:"), "original", 0.85, True, '"Original model:"'),
    _Phrase(_p(r"\b(?:base model|parent model)\s*:"), "original", 0.8, True, '"Base model:"'),
    _Phrase(_p(r"\b(?:lora|qlora|peft) adapter (?:for|of|on top of)\b|\badapter (?:weights )?for\b"), "adapter", 0.85,
            True, '"LoRA adapter for"'),
    _Phrase(_p(r"\b(?:is|was) (?:a )?merge of\b|\bmerged? (?:model )?(?:of|from)\b"), "merge", 0.85, False, '"merge of"'),
    _Phrase(_p(r"\bbased on\b"), "finetune", 0.7, False, '"based on"'),
)
_MERGE_LIST = _p(r"following models were included in the merge|^#+\s*models merged\s*$")
_AS_BASE = _p(r"\busing\s+(.{1,240}?)\s+as\s+(?:a|the)\s+base\b")


def card_body(markdown: str) -> str:
    """The README body: everything after the YAML front matter (all of it when there is none)."""
    match = _FRONT_MATTER.match(markdown)
    return markdown[match.end():] if match else markdown


def _references(line: str) -> list[tuple[int, int, str]]:
    """(start, end, repo id) of every Hub model link in a line: markdown links first, then
    bare URLs outside them. A one-segment link (`huggingface.co/gpt2`) counts only when
    its text is the id itself, as the Trainer writes it: otherwise it is an org page."""
    refs: list[tuple[int, int, str]] = []
    for m in _MD_LINK.finditer(line):
        text = m.group(1).strip().strip("`*_ ")
        url_id = repo_id_from_ref(m.group(2), allow_single=True)
        if url_id and ("/" in url_id or text.lower() == url_id.lower()):
            refs.append((m.start(), m.end(), url_id))
    taken = [(s, e) for s, e, _ in refs] + [(m.start(), m.end()) for m in _MD_LINK.finditer(line)]
    for m in _BARE_URL.finditer(line):
        if any(s <= m.start() < e for s, e in taken):
            continue
        url_id = repo_id_from_ref(m.group(1))
        if url_id:
            refs.append((m.start(), m.end(), url_id))
    return sorted(refs)


def _plain_id(text: str) -> tuple[int, str] | None:
    match = _PLAIN_ID.search(text)
    if not match:
        return None
    found = repo_id_from_ref(match.group(1))
    return (match.start(), found) if found else None


def _is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") or stripped.count("|") >= 2


def _mergekit(block: list[tuple[int, str]]) -> list[ParentEvidence]:
    """Parents in a mergekit YAML configuration block: models / slices sources / base_model."""
    text = "\n".join(t for _, t in block)
    try:
        data = load_yaml(text)  # bounded: a card body is untrusted input too
    except CardError:
        return []
    if not isinstance(data, dict) or not ({"merge_method", "models", "slices"} & set(data)):
        return []
    if "merge_method" not in data and not any(isinstance(x, dict) and "model" in x for x in data.get("models") or []):
        return []
    found: list[tuple[str, str]] = []

    def add(raw: object, key: str) -> None:
        if isinstance(raw, str):
            model = repo_id_from_ref(raw.split("+", 1)[0], allow_single=False)
            if model:
                found.append((model, key))

    for entry in data.get("models") or []:
        if isinstance(entry, dict):
            add(entry.get("model"), "models: - model:")
    for piece in data.get("slices") or []:
        for src in (piece.get("sources") or []) if isinstance(piece, dict) else []:
            if isinstance(src, dict):
                add(src.get("model"), "slices: - sources: - model:")
    add(data.get("base_model"), "base_model:")
    out = []
    for model, key in dict.fromkeys(found):
        line_no, line_text = next(((n, t) for n, t in block if model in t), block[0])
        out.append(ParentEvidence(model, "merge", "card_text", f"mergekit YAML {key}", trim(line_text), 0.95, line_no))
    return out


def find_parents_in_text(markdown: str, model_id: str | None = None) -> list[ParentEvidence]:
    """Parents the card text names, one evidence per parent (the strongest), in card order.

    `markdown` may be the whole README (front matter is skipped) or the body alone;
    `model_id`, when known, is never returned as its own parent."""
    body = card_body(markdown)
    offset = markdown[: len(markdown) - len(body)].count("\n")
    quant_card = bool(_QUANT_WORDS.search(body))
    peft_card = bool(_PEFT_WORDS.search(body))
    found: list[ParentEvidence] = []
    lines = body.splitlines()
    fence: str | None = None
    block: list[tuple[int, str]] = []
    in_merge_list = False
    for index, line in enumerate(lines):
        number = index + 1 + offset
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                found.extend(_mergekit(block))
                fence, block = None, []
            else:
                block.append((number, line))
            continue
        if opener:
            fence, block = opener.group(1), []
            continue
        if _is_table_row(line):
            in_merge_list = False
            continue
        if in_merge_list:
            bullet = _BULLET.match(line)
            if bullet:
                refs = _references(bullet.group(1))
                model = refs[0][2] if refs else (_plain_id(bullet.group(1)) or (0, None))[1]
                if model:
                    found.append(ParentEvidence(model, "merge", "card_text",
                                                '"The following models were included in the merge:" list',
                                                trim(line), 0.9, number))
                continue
            if line.strip():
                in_merge_list = False
        if _MERGE_LIST.search(line):
            in_merge_list = True
            continue
        refs = _references(line)
        for phrase in PHRASES:
            for match in phrase.pattern.finditer(line):
                window = line[match.end(): match.end() + WINDOW]
                stop = _SENTENCE_END.search(window)
                limit = match.end() + (stop.start() if stop else len(window))
                model = next((r[2] for r in refs if match.end() <= r[0] < limit), None)
                if model is None and phrase.plain_ids:
                    plain = _plain_id(line[match.end():limit])
                    model = plain[1] if plain else None
                if model is None:
                    continue
                relation = phrase.relation
                if relation == "original":
                    relation = "quantization" if quant_card else "finetune"
                if relation == "finetune" and peft_card and "Finetuned from model" in phrase.name:
                    relation = "adapter"
                found.append(ParentEvidence(model, relation, "card_text", f"phrase {phrase.name} + link",
                                            trim(line), phrase.confidence, number))
                break
        for match in _AS_BASE.finditer(line):
            inner = _references(match.group(1))
            model = inner[0][2] if inner else (_plain_id(match.group(1)) or (0, None))[1]
            if model:
                found.append(ParentEvidence(model, "merge", "card_text", 'phrase "using X as a base" (merge)',
                                            trim(line), 0.85, number))
    if fence is not None:  # an unclosed block still counts
        found.extend(_mergekit(block))
    return _strongest_per_parent(found, model_id)


def _strongest_per_parent(found: list[ParentEvidence], model_id: str | None) -> list[ParentEvidence]:
    own = (model_id or "").lower()
    best: dict[str, ParentEvidence] = {}
    for ev in found:
        key = ev.parent_id.lower()
        if key == own:
            continue
        held = best.get(key)
        if held is None or ev.confidence > held.confidence:
            best[key] = ev
    return sorted(best.values(), key=lambda ev: (ev.line or 0, ev.parent_id))
