"""Model card metadata: YAML front matter -> the few fields licensegraph reads.

Cards arrive as YAML text (snapshot files, README front matter) or as a mapping (the Hub
API). Either way only a slim mapping of the fields below goes further; normalizing their
shapes (string or list, URLs, whitespace) happens in SQL in `sources.hub_records`, so the
JSON and YAML paths share one implementation.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.resolver import Resolver

try:  # the C loader is ~10x faster; fall back when libyaml is missing
    from yaml import CSafeLoader as _Loader
    from yaml._yaml import CParser as _EventParser
except ImportError:  # pragma: no cover - depends on the platform's PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]
    from yaml.parser import Parser as _EventParser  # type: ignore[assignment]
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner

    class _EventParser(_Reader, _Scanner, _EventParser):  # type: ignore[no-redef]
        def __init__(self, stream):
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _EventParser.__init__(self)

# Limits on card YAML (README "Limits"): a card over one is rejected with the reason; the
# rest of the record and of the file are kept. Real cards stay far below them: the largest
# front matter in the sample is ~60 KB, with no anchors and depth < 10.
MAX_CARD_CHARS = 1_000_000  # characters of YAML text
MAX_ALIASES = 1_000  # alias uses (`*name`) in one card
MAX_NODES = 200_000  # nodes after alias expansion (billion laughs: 10^9)
MAX_DEPTH = 100  # nesting of sequences and mappings, after alias expansion
EXCERPT = 60  # characters of input an error message may quote

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


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """A short, single-line quote of some input for an error message."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return json.dumps(text[:limit] + ("..." if len(text) > limit else ""), ensure_ascii=False)


class _LimitError(ComposerError):
    pass


class _BoundedComposer(Composer):
    """PyYAML's composer, counting as it goes: alias uses, nodes after alias expansion
    and nesting depth after expansion. An alias is counted by the size of what it points
    at (known once that node is complete), so nothing is ever expanded to be measured."""

    def _limit(self, message: str, event) -> None:
        raise _LimitError(None, None, message, getattr(event, "start_mark", None))

    def compose_document(self):
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, depth)
        self._aliases = 0
        self._open = 0
        return super().compose_document()

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._limit(f"more than {MAX_ALIASES:,} aliases (limit)", event)
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                self._limit(f"alias *{event.anchor} refers to a node that contains it (recursive)", event)
            return node
        if self.check_event(SequenceStartEvent, MappingStartEvent):
            self._open += 1
            if self._open > MAX_DEPTH:
                self._limit(f"nesting deeper than {MAX_DEPTH} levels (limit)", self.peek_event())
        start = self.peek_event()
        node = super().compose_node(parent, index)
        if isinstance(start, ScalarEvent):
            self._sizes[id(node)] = (1, 0)
            return node
        self._open -= 1
        items = node.value if isinstance(node.value, list) else []
        children = [c for pair in items for c in (pair if isinstance(pair, tuple) else (pair,))]
        size = 1 + sum(self._sizes[id(c)][0] for c in children)
        depth = 1 + max((self._sizes[id(c)][1] for c in children), default=0)
        if size > MAX_NODES:
            self._limit(f"more than {MAX_NODES:,} nodes once aliases are expanded (limit)", start)
        if depth > MAX_DEPTH:
            self._limit(f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded (limit)", start)
        self._sizes[id(node)] = (size, depth)
        return node


class BoundedLoader(_EventParser, _BoundedComposer, SafeConstructor, Resolver):
    """A safe loader with limits on aliases, expanded size and depth (libyaml's parser,
    when available, under a counting composer)."""

    def __init__(self, stream):
        _EventParser.__init__(self, stream)
        _BoundedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    # CParser composes in C; route node composition through the counting composer
    get_single_node = Composer.get_single_node
    get_node = Composer.get_node
    check_node = Composer.check_node


def _depth_within(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return True


def load_yaml(text: str):
    """YAML text -> Python data within the card limits; CardError otherwise.

    Text without `&` or `*` has no anchors or aliases, so its data is no bigger than the
    text: libyaml's loader reads it directly (its own nesting limit is 1,000; ours is
    checked after). Text that may hold anchors goes through the counting BoundedLoader."""
    if len(text) > MAX_CARD_CHARS:
        raise CardError(f"card YAML is {len(text):,} characters, over the {MAX_CARD_CHARS:,} limit")
    try:
        if "&" not in text and "*" not in text:
            data = yaml.load(text, Loader=_Loader)
            if not _depth_within(data, MAX_DEPTH):
                raise CardError(f"YAML nesting deeper than {MAX_DEPTH} levels (limit)")
        else:
            data = yaml.load(text, Loader=BoundedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CardError(f"YAML error{where}: {problem[:200]}") from None
    except RecursionError:
        raise CardError(f"YAML nesting deeper than {MAX_DEPTH} levels (limit)") from None
    return data


def parse_yaml(text: str) -> dict:
    """Parse card YAML within the limits; raise CardError with the line of a syntax error."""
    data = load_yaml(text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardError(f"card metadata is a {type(data).__name__}, not a mapping")
    return data


def _plain(value):
    """YAML data -> JSON data: dates as ISO text, sets as lists, bytes and non-finite
    numbers as text, keys as text."""
    if isinstance(value, dict):
        return {str(_plain(k)) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


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


def wanted_key(text: str) -> str | None:
    """The part of a card's YAML that `yaml_to_slim_json` parses first (None: over the size
    limit). Cards with the same key have the same slim mapping, unless that part alone does
    not decide it (`slim_json_of_wanted` says None), so a batch parses each key once."""
    return None if len(text) > MAX_CARD_CHARS else _wanted_lines(text)


def slim_json_of_wanted(key: str) -> str | None:
    """The slim mapping's JSON from a `wanted_key`, or None when the whole card text must
    decide (nothing found there, or an error: the whole text gives its true line)."""
    try:
        data = load_yaml(key)
    except Exception:  # noqa: BLE001 - the whole text is parsed again, and reports it
        return None
    if isinstance(data, dict) and data:
        return json.dumps(_plain(slim(data)))
    return None


def yaml_to_slim_json(text: str) -> str:
    """YAML card text -> JSON text of the slim mapping (raises CardError).

    Parses the wanted entries first; anything unusual there (an alias to a dropped
    anchor, a document marker) falls back to the whole text, which also gives errors
    their true line numbers."""
    if len(text) > MAX_CARD_CHARS:
        raise CardError(f"card YAML is {len(text):,} characters, over the {MAX_CARD_CHARS:,} limit")
    try:
        data = load_yaml(_wanted_lines(text))
        # nothing found may mean a shape the line filter does not know (a flow mapping,
        # merge keys): then the whole text decides
        if isinstance(data, dict) and data:
            return json.dumps(_plain(slim(data)))
    except CardError:
        pass
    return json.dumps(_plain(slim(parse_yaml(text))))


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
