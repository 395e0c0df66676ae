"""A stable fingerprint of the knowledge base, so stored results know when facts changed."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from licensegraph.licenses.kb import KnowledgeBase


def kb_fingerprint(kb: KnowledgeBase) -> str:
    """Stable across processes (sets sorted), unlike hashing reprs."""
    facts = [dataclasses.asdict(lic) for _, lic in sorted(kb.licenses.items())]
    text = json.dumps(facts, sort_keys=True, default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
