"""Comparing a model's name with a name prefix a license demands (Llama 3 §1.b.i)."""

from __future__ import annotations

import re

#: Separators ignored when comparing a model name with a required prefix.
SEPARATORS = r"[\s\-_.]+"


def normalize_name(name: str) -> str:
    """The name lower-cased without separators: "Llama-3 x" and "llama3x" compare equal."""
    return re.sub(SEPARATORS, "", name.lower())
