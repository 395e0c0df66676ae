"""A stable fingerprint of the knowledge base, so stored results know when facts changed."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from licensegraph.licenses.kb import KnowledgeBase


def kb_fingerprint(kb: KnowledgeBase) -> str:
    """Stable across processes (sets sorted), unlike hashing reprs. Kept on the knowledge
    base once computed (and in its pickle cache): a no-change `audit` needs it at once."""
    known = kb.__dict__.get("_fingerprint")
    if known is not None and known[0] is kb.licenses and known[1] == len(kb.licenses):
        return known[2]
    facts = [dataclasses.asdict(lic) for _, lic in sorted(kb.licenses.items())]
    text = json.dumps(facts, sort_keys=True, default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v))
    value = hashlib.sha256(text.encode()).hexdigest()[:16]
    kb.__dict__["_fingerprint"] = (kb.licenses, len(kb.licenses), value)
    return value
