"""Hub dataset records (huggingface_hub's DatasetInfo shape) -> the `datasets` table.

A record with `repo_type: "dataset"` in a records file is a dataset: `id`, `author`,
`last_modified`, `tags` (`license:<id>`), `card_data` (the card's YAML front matter as
text, or a mapping; `license:` or the legacy plural `licenses:`) and `card_text` (the card
body). Datasets are few beside models (the ones models name), so each record is read in
Python; its card YAML goes through the same bounded parser as model cards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from licensegraph.sources.card import CardError, _plain, excerpt, parse_yaml

# Card entries that hold schema, not terms: left out of the stored card (they can be long).
_DROPPED_CARD_KEYS = frozenset({"dataset_info", "configs", "train-eval-index", "extra_gated_fields"})
# Dataset repo ids: the Hub's rule, and legacy canonical datasets without a namespace (`mlsum`).
_DATASET_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(?:/[A-Za-z0-9][\w.\-]{0,95})?$")
MAX_CARD_TEXT = 200_000  # characters of card body kept


@dataclass
class DatasetRecord:
    line: int
    id: str
    author: str | None
    last_modified: str | None
    tags: list[str]
    tag_licenses: list[str]
    card_license: list[str]
    license_name: str | None
    license_link: str | None
    card_json: str | None
    card_text: str | None
    card_error: str | None


def _text_list(value: object) -> list[str] | None:
    """A text or a list of texts -> the texts (stripped, empties dropped); None for other shapes."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def is_dataset_record(raw: dict) -> bool:
    """Whether a JSON record is a dataset (its `repo_type` says so)."""
    return str(raw.get("repo_type") or raw.get("repoType") or "").lower() == "dataset"


def read_dataset_record(line: int, raw: dict) -> tuple[DatasetRecord | None, list[tuple[str, str]]]:
    """One dataset record -> (the record or None when it cannot be keyed, [(part, reason)]).

    Problems with a field keep the record and are reported (part `field`/`card`)."""
    problems: list[tuple[str, str]] = []
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        return None, [("record", "dataset record has no id" if rid in (None, "") else
                       f"id: expected text, got {type(rid).__name__}")]
    rid = rid.strip()
    if not _DATASET_ID.match(rid):
        return None, [("record", f"id {excerpt(rid)} is not a Hub dataset id")]
    tags = _text_list(raw.get("tags"))
    if tags is None:
        problems.append(("field", "tags: expected a list of texts; ignored"))
        tags = []
    card = raw.get("card_data") if raw.get("card_data") is not None else raw.get("cardData")
    card_error = None
    data: dict = {}
    if isinstance(card, str):
        try:
            data = parse_yaml(card)
        except CardError as exc:
            card_error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one unreadable card must not sink the file
            card_error = f"card YAML could not be read ({type(exc).__name__}) near {excerpt(card)}"
    elif isinstance(card, dict):
        data = card
    elif card is not None:
        card_error = f"card_data: expected a mapping or YAML text, got {type(card).__name__}; card not read"
    if card_error:
        problems.append(("card", card_error))
    data = {k: v for k, v in _plain(data).items() if k not in _DROPPED_CARD_KEYS}
    licenses: list[str] = []
    for key in ("license", "licenses"):  # `licenses:` is the legacy plural
        values = _text_list(data.get(key))
        if values is None:
            problems.append(("field", f"card_data.{key}: expected text or a list of texts; ignored"))
        else:
            licenses.extend(values)

    def text(key: str) -> str | None:
        value = data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    body = raw.get("card_text") if raw.get("card_text") is not None else raw.get("cardText")
    if body is not None and not isinstance(body, str):
        problems.append(("field", f"card_text: expected text, got {type(body).__name__}; ignored"))
        body = None
    author = raw.get("author") if isinstance(raw.get("author"), str) else None
    modified = raw.get("last_modified") or raw.get("lastModified")
    return DatasetRecord(
        line=line, id=rid, author=author or (rid.split("/")[0] if "/" in rid else None),
        last_modified=modified if isinstance(modified, str) else None,
        tags=tags, tag_licenses=[t[len("license:"):] for t in tags if t.startswith("license:")],
        card_license=list(dict.fromkeys(licenses)), license_name=text("license_name"),
        license_link=text("license_link"), card_json=json.dumps(data, sort_keys=True) if data else None,
        card_text=body[:MAX_CARD_TEXT] if body else None, card_error=card_error,
    ), problems
