"""Model card metadata: YAML front matter -> the few fields licensegraph reads.

Cards arrive as YAML text (snapshot files, README front matter) or as a mapping (the Hub
API). Either way only a slim mapping of the fields below goes further; normalizing their
shapes (string or list, URLs, whitespace) happens in SQL in `sources.hub_records`, so the
JSON and YAML paths share one implementation.
"""

from __future__ import annotations

import datetime as _dt
import json
import re

import yaml

try:  # the C loader is ~10x faster; fall back when libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform's PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

CARD_FIELDS = (
    "license",
    "license_name",
    "license_link",
    "base_model",
    "base_model_relation",
    "datasets",
    "model_name",
)

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_HUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.I)
_MODEL_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?$")


class CardError(ValueError):
    """A card whose metadata cannot be read; the message says where and why."""


def _jsonable(value):
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def parse_yaml(text: str) -> dict:
    """Parse card YAML; raise CardError with the line of a syntax error."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CardError(f"YAML error{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardError(f"card metadata is a {type(data).__name__}, not a mapping")
    return data


def slim(card: dict) -> dict:
    """Keep the fields licensegraph reads, with model-index's name as a model_name fallback."""
    out = {key: card[key] for key in CARD_FIELDS if key in card}
    if "model_name" not in out:
        index = card.get("model-index")
        if isinstance(index, list) and index and isinstance(index[0], dict) and index[0].get("name"):
            out["model_name"] = index[0]["name"]
    return out


_WANTED = frozenset(CARD_FIELDS) | {"model-index"}


def _wanted_lines(text: str) -> str:
    """Only the top-level entries licensegraph reads (a key at column 0 and the indented
    or list lines under it). Cards carry long license texts, widgets and eval tables;
    parsing just these entries is several times faster."""
    out = []
    keep = False
    for line in text.split("\n"):
        if line and line[0] not in " \t-#":
            keep = line.split(":", 1)[0].strip().strip("\"'") in _WANTED
        if keep:
            out.append(line)
    return "\n".join(out)


def yaml_to_slim_json(text: str) -> str:
    """YAML card text -> JSON text of the slim mapping (raises CardError).

    Parses the wanted entries first; anything unusual there (an alias to a dropped
    anchor, a document marker) falls back to the whole text, which also gives errors
    their true line numbers."""
    try:
        data = yaml.load(_wanted_lines(text), Loader=_Loader)
        # nothing found may mean a shape the line filter does not know (a flow mapping,
        # merge keys): then the whole text decides
        if isinstance(data, dict) and data:
            return json.dumps(slim(data), default=_jsonable)
    except yaml.YAMLError:
        pass
    return json.dumps(slim(parse_yaml(text)), default=_jsonable)


def split_front_matter(markdown: str) -> tuple[str, str]:
    """README.md -> (front matter YAML, body); CardError when there is none."""
    match = _FRONT_MATTER.match(markdown)
    if not match:
        raise CardError("no YAML front matter (the card must start with a '---' line and close it with '---')")
    return match.group(1), markdown[match.end():]


def normalize_model_id(raw: object) -> str | None:
    """A base_model entry -> a Hub repo id, or None when it is not one.

    Accepts full URLs (https://huggingface.co/org/name/tree/main) and stray whitespace.
    """
    if not isinstance(raw, str):
        return None
    value = _HUB_URL.sub("", raw.strip())
    # org/name/tree/main, org/name/blob/... : the repo is the first two segments
    value = "/".join([p for p in value.split("/") if p][:2])
    return value if _MODEL_ID.match(value) else None


# The same normalization in DuckDB SQL, for the vectorized ingest path.
HUB_URL_SQL = r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/"
MODEL_ID_SQL = _MODEL_ID.pattern


def normalize_model_id_sql(expr: str) -> str:
    stripped = f"regexp_replace(trim({expr}), '{HUB_URL_SQL}', '', 'i')"
    first_two = f"array_to_string(list_slice(list_filter(string_split({stripped}, '/'), lambda s: s <> ''), 1, 2), '/')"
    # Fast path first: nearly every value is already a plain repo id.
    return (f"CASE WHEN regexp_full_match({expr}, '{MODEL_ID_SQL}') THEN {expr} "
            f"WHEN regexp_full_match({first_two}, '{MODEL_ID_SQL}') THEN {first_two} END")
