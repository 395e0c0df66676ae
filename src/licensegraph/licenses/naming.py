"""Comparing a model's name with a name prefix a license demands (Llama 3 §1.b.i), word by
word, and suggesting a compliant name."""

from __future__ import annotations

import functools
import re

#: Separators ignored when comparing a model name with a required prefix.
SEPARATORS = r"[\s\-_.]+"
_SPLIT = re.compile(SEPARATORS).split


@functools.lru_cache(maxsize=1 << 16)  # owner names recur across a family's many models
def normalize_name(name: str) -> str:
    """The name lower-cased without separators: "Llama-3 x" and "llama3x" compare equal."""
    return re.sub(SEPARATORS, "", name.lower())


@functools.cache  # a handful of prefixes, asked once per finding
def prefix_pattern(prefix: str) -> str:
    """A regex (RE2 and Python) for a name that begins with `prefix` word by word.

    Words match in any case, with any of space, "-", "_", "." (or nothing) between them;
    the last word must end there: "Llama 3" accepts "Llama-3-8B", "llama3.1" and
    "Llama_3", not "Llama-32k" or "Llama-3B"; "Llama" accepts "Llama-4-Scout", "Llama3"
    and "LlamaGuard" (a capital starts a new word), not "Llamafied"."""
    words = prefix.split()
    body = r"[\s\-_.]*".join(f"(?i:{re.escape(w)})" for w in words)
    end = r"(?:$|[^0-9A-Za-z])" if words[-1][-1].isdigit() else r"(?:$|[^a-z])"
    return f"^{body}{end}"


def begins_with_prefix(name: str, prefix: str) -> bool:
    """Whether a model name (no owner) begins with the prefix a license demands."""
    return re.match(prefix_pattern(prefix), name) is not None


@functools.lru_cache(maxsize=1 << 16)  # both views of an audit ask for the same findings' names
def suggest_name(name: str, prefix: str, owners: tuple[str, ...] = ()) -> str:
    """A compliant name close to `name`: owner names repeated at its start are dropped
    (mlx-community/meta-llama-Llama-4-Scout -> Llama-4-Scout), a broken prefix is
    replaced ("Llama-32k-chat" -> "Llama-3-32k-chat"), else the prefix goes in front."""
    rest = name
    owner_keys = {normalize_name(o) for o in (*owners, "meta-llama", "meta") if o}
    while True:
        words = _SPLIT(rest)
        # the most leading words that spell an owner name, if any (and something is left);
        # words hold no separator, so the normalized join of the first k is their lower-cased join
        k = None
        for i in range(1, len(words)):
            if "".join(words[:i]).lower() in owner_keys:
                k = i
        if k is None:
            break
        rest = re.sub(r"^(?:[^\s\-_.]+[\s\-_.]+){%d}" % k, "", rest, count=1)
    if begins_with_prefix(rest, prefix):
        return rest
    first = prefix.split()[0]
    broken = re.match(rf"^(?i:{re.escape(first)})[\s\-_.]*", rest)
    if broken and broken.end() < len(rest):
        rest = rest[broken.end():]
    return f"{prefix.replace(' ', '-')}-{rest}"
