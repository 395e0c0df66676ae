"""What every discovery source returns: a parent, the relation, and the evidence for it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# Where an inferred parent came from.
SOURCES = ("name", "card_text", "config")

_HUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.IGNORECASE)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(?:/[A-Za-z0-9][\w.\-]*)?$")
# First path segments of huggingface.co URLs that are not model repos.
NOT_MODEL_PATHS = frozenset({
    "datasets", "spaces", "docs", "blog", "papers", "models", "collections", "organizations", "join", "login",
    "settings", "pricing", "learn", "tasks", "posts", "api", "new", "chat", "inference-endpoints", "transformers",
})


@dataclass(frozen=True)
class ParentEvidence:
    """A parent a model does not declare, as one source saw it."""

    parent_id: str
    relation: str  # finetune, adapter, quantization, merge (or conversion, from names)
    source: str  # one of SOURCES
    pattern: str  # the rule that matched, in words
    matched: str  # the text that matched, trimmed
    confidence: float  # 0..1: how often this rule is right (bench/discovery.py for names)
    line: int | None = None  # 1-based line of the card body, when the source is card text

    def describe(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.source}{where}: {self.pattern}: \"{self.matched}\""


def evidence_table(found: Iterable[tuple[str, str, ParentEvidence]]) -> pa.Table:
    """(child key, child id, evidence) triples as the Arrow table the stores' edge inserts
    read: child_key, child_id and each field of the evidence."""
    import pyarrow as pa  # only the builds need it, not explain's imports

    cols: dict[str, list] = {k: [] for k in ("child_key", "child_id", "parent_id", "relation", "source", "pattern",
                                              "matched", "line", "confidence")}
    for key, child_id, ev in found:
        cols["child_key"].append(key)
        cols["child_id"].append(child_id)
        cols["parent_id"].append(ev.parent_id)
        cols["relation"].append(ev.relation)
        cols["source"].append(ev.source)
        cols["pattern"].append(ev.pattern)
        cols["matched"].append(ev.matched)
        cols["line"].append(ev.line)
        cols["confidence"].append(float(ev.confidence))
    return pa.table({
        **{k: pa.array(cols[k], pa.string()) for k in ("child_key", "child_id", "parent_id", "relation", "source",
                                                      "pattern", "matched")},
        "line": pa.array(cols["line"], pa.int32()),
        "confidence": pa.array(cols["confidence"], pa.float64()),
    })


def repo_id_from_ref(ref: str, *, allow_single: bool = False) -> str | None:
    """A Hub URL, `owner/name` or (when allowed) a legacy single-segment id -> the repo id.

    URLs keep their first two path segments (`.../tree/main` dropped); anything that is
    not a model repo (datasets, spaces, docs) or looks like a local path is None."""
    value = ref.strip().strip("`'\"<>").rstrip(".,;:)")
    is_url = bool(_HUB_URL.match(value))
    value = _HUB_URL.sub("", value)
    parts = [p for p in re.split(r"[/?#]", value) if p] if is_url else [p for p in value.split("/") if p]
    if is_url:
        parts = parts[:2]
    if not parts or parts[0].lower() in NOT_MODEL_PATHS:
        return None
    if len(parts) == 1 and not allow_single:
        return None
    if len(parts) > 2 or value.startswith((".", "~")) or ":" in value:
        return None
    candidate = "/".join(parts)
    return candidate if _REPO_ID.match(candidate) and len(candidate) <= 200 else None


def trim(text: str, limit: int = 200) -> str:
    """One line of evidence: whitespace collapsed, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
