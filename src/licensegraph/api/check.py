"""`check`: run every rule on a model card before it is published.

The card is treated as a would-be Hub model. A small temporary store is built holding only
that model and its lineage: the card's parents and their ancestors copied from the user's
store, parents whose license the user supplies (`--parent-license ID=LICENSE`), and, with
`--online` only, parents looked up live on the Hub. The whole engine then runs on it
(`build_lineage`, `normalize_licenses`, `run_audit`), so a card is judged exactly as a
published model would be, and the result is fast whatever the size of the user's store.

Reported: the findings of the effective view (every ancestor's license counts, which is
what a publisher needs), the fix as the exact card lines to set (the license from
`choose` on the same parents), the name prefix the model must carry, and the files and
notices to ship with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from licensegraph.api.choose import choose
from licensegraph.api.findings import finding_from_row
from licensegraph.api.results import (
    CardFix,
    CardLicense,
    CheckChoice,
    CheckFailure,
    CheckParent,
    CheckResult,
    Choice,
    DiscoveredParent,
    Finding,
    ShipItem,
)
from licensegraph.licenses.choose import yaml_license_lines
from licensegraph.licenses.kb import KnowledgeBase, License, load_kb
from licensegraph.licenses.naming import begins_with_prefix, suggest_name
from licensegraph.licenses.normalize import resolve as resolve_license
from licensegraph.lineage.ancestry import ancestors as store_ancestors
from licensegraph.lineage.discovery import discover
from licensegraph.lineage.discovery.configs import CONFIG_FILES
from licensegraph.lineage.discovery.names import infer_names
from licensegraph.sources.card import CardError, normalize_model_id, parse_yaml, split_front_matter
from licensegraph.store.db import Store
from licensegraph.store.findings_view import FINDING_COLUMNS
from licensegraph.vocab import EFFECTIVE, LOCAL, RELATION_ALIASES, RELATIONS, SEVERITIES, SEVERITY_ORDER

VIEW_NOTE = ("effective view: the would-be model is judged against every ancestor's license, "
             "transitively, whatever intermediate models declared")
CARD_KEYS = ("license", "license_name", "license_link", "base_model", "base_model_relation", "model_name")


class CheckError(ValueError):
    """Bad input: the message says which file, where, and what to do."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None, kind: str = "input"):
        self.path = str(path) if path is not None else None
        self.line = line
        self.kind = kind  # "input", or "no-front-matter" (which --skip-non-cards skips)
        where = f"{self.path}:{line}: " if self.path and line else (f"{self.path}: " if self.path else "")
        super().__init__(f"{where}{message}")


@dataclass
class Card:
    path: Path  # the README.md
    text: str
    yaml_text: str
    meta: dict[str, Any]
    body: str
    key_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> line in the file
    in_memory: bool = False  # given as text, not read from a file

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)


# --------------------------------------------------------------------------- reading the card


def card_path(path: Path | str) -> Path:
    p = Path(path)
    if p.is_dir():
        readme = p / "README.md"
        if not readme.is_file():
            raise CheckError("a model directory must contain README.md (the model card)", p)
        return readme
    if not p.exists():
        raise CheckError("no such file or directory", p)
    return p


def load_card(path: Path | str) -> Card:
    """Read a model card; CheckError for a missing file, no front matter or a YAML error."""
    p = card_path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CheckError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", p) from None
    return parse_card(text, p)


def parse_card(text: str, p: Path, in_memory: bool = False) -> Card:
    """A model card from its markdown text; CheckError (naming `p`) for no front matter or a YAML error."""
    try:
        yaml_text, body = split_front_matter(text)
    except CardError as exc:
        raise CheckError(str(exc), p, 1, kind="no-front-matter") from None
    first = 2  # the front matter starts on the line after the opening '---'
    try:
        meta = parse_yaml(yaml_text)
    except CardError as exc:
        msg = str(exc)
        m = re.search(r"at line (\d+), column (\d+)", msg)
        if m:
            line = int(m.group(1)) + first - 1
            msg = msg.replace(m.group(0), f"in the front matter at line {line}, column {m.group(2)}")
            raise CheckError(msg, p, line) from None
        raise CheckError(msg, p, first) from None
    key_lines: dict[str, int] = {}
    for i, text_line in enumerate(yaml_text.splitlines()):
        m = re.match(r"^([A-Za-z_][\w\-]*)\s*:", text_line)
        if m and m.group(1) not in key_lines:
            key_lines[m.group(1)] = i + first
    return Card(path=p, text=text, yaml_text=yaml_text, meta=meta, body=body, key_lines=key_lines,
                in_memory=in_memory)


def is_model_card(card: Card) -> bool:
    """Whether the front matter says anything licensegraph reads (for --skip-non-cards)."""
    return any(k in card.meta for k in CARD_KEYS)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def card_license(kb: KnowledgeBase, card: Card) -> tuple[str, str | None]:
    """(KB id or none/unknown, the declared value); CheckError for values the KB cannot resolve."""
    raws = [str(v).strip() for v in _as_list(card.meta.get("license")) if v is not None and str(v).strip()]
    name = card.meta.get("license_name")
    link = card.meta.get("license_link")
    name = str(name).strip() if name is not None else None
    link = str(link).strip() if link is not None else None
    declared = ", ".join(raws) if raws else None
    lid, how = resolve_license(kb, raws, name, link)
    line = card.line_of("license")
    if lid == "other-unresolved":
        if any(r.lower() == "other" for r in raws):
            if not name and not link:
                raise CheckError("license: other needs license_name and license_link naming the actual license",
                                 card.path, line)
            # A custom license is valid Hub metadata: every rule runs, and license-unresolved
            # reports as a risk what cannot be decided without its terms.
            return lid, declared
        bad = next((r for r in raws if resolve_license(kb, [r], name, link)[0] == "other-unresolved"), declared)
        hint = kb.suggest(bad or "")
        more = f"; closest known ids: {', '.join(hint)}" if hint else ""
        raise CheckError(f"unknown license id {bad!r}{more}", card.path, line)
    return lid, declared


def card_parents(card: Card) -> list[str]:
    out: list[str] = []
    for raw in _as_list(card.meta.get("base_model")):
        pid = normalize_model_id(raw)
        if pid is None:
            raise CheckError(f"base_model entry {raw!r} is not a Hub model id (expected org/name)",
                             card.path, card.line_of("base_model"))
        if pid.lower() not in {o.lower() for o in out}:
            out.append(pid)
    return out


def card_relation(card: Card) -> str | None:
    raw = card.meta.get("base_model_relation")
    if raw is None:
        return None
    value = str(raw).strip().lower()
    value = RELATION_ALIASES.get(value, value)
    if value not in RELATIONS:
        raise CheckError(f"base_model_relation {raw!r} is not one of {', '.join(RELATIONS)}",
                         card.path, card.line_of("base_model_relation"))
    return value


def model_id_for(card: Card, name: str | None) -> str:
    raw = name or card.meta.get("model_name")
    if not isinstance(raw, str) or not raw.strip():
        index = card.meta.get("model-index")
        if isinstance(index, list) and index and isinstance(index[0], dict) and isinstance(index[0].get("name"), str):
            raw = index[0]["name"]
    if not isinstance(raw, str) or not raw.strip():
        raw = "model" if card.in_memory else (card.path.resolve().parent.name or "model")
    raw = re.sub(r"\s+", "-", raw.strip())
    return raw if "/" in raw else f"local/{raw}"


def parse_parent_licenses(kb: KnowledgeBase, values: list[str] | None) -> dict[str, str]:
    """`ID=LICENSE` values -> {model key: KB license id}; CheckError on a bad value."""
    out: dict[str, str] = {}
    for value in values or []:
        if "=" not in value:
            raise CheckError(f"--parent-license {value!r}: expected ID=LICENSE, e.g. meta-llama/Meta-Llama-3-8B=llama3")
        pid, lic = (s.strip() for s in value.rsplit("=", 1))
        norm = normalize_model_id(pid)
        if not norm:
            raise CheckError(f"--parent-license {value!r}: {pid!r} is not a Hub model id")
        lid = kb.resolve_id(lic) or kb.resolve_other(lic, None)
        if not lid or kb.get(lid).is_special:
            hint = kb.suggest(lic)
            more = f"; closest known ids: {', '.join(hint)}" if hint else ""
            raise CheckError(f"--parent-license {value!r}: unknown license {lic!r}{more}")
        out[norm.lower()] = lid
    return out


# --------------------------------------------------------------------------- the temporary store


def _fetch_online(pids: list[str], have: set[str], hub_api=None, max_models: int = 64) -> tuple[list[dict], dict[str, str]]:
    """Hub records for `pids` and their ancestors (breadth-first), fetched the way `crawl --model
    --ancestors` fetches them (same client, retries, `$HF_ENDPOINT`, `$HF_TOKEN`); {id: error} for failures.
    `hub_api`: a `HubClient` (default: one on `$HF_ENDPOINT`)."""
    from licensegraph.sources.hub_client import HubClient, HubError, snake_record
    from licensegraph.sources.hub_crawl import walk_ancestors

    client = hub_api if hub_api is not None else HubClient()
    try:
        client.check_online()
    except HubError as exc:
        return [], {pid: str(exc) for pid in pids}
    records, errors = [], {}
    for model_id, item, problem in walk_ancestors(client, pids, have, max_models=max_models):
        if item is None:
            errors[model_id] = problem or "not found"
        else:
            records.append(snake_record(item))
    return records, errors


@dataclass
class Lineage:
    """Where each model of the would-be model's lineage comes from."""

    copied: list[str] = field(default_factory=list)  # model keys copied from the user's store
    supplied: dict[str, str] = field(default_factory=dict)  # key -> license from --parent-license
    online: list[dict[str, Any]] = field(default_factory=list)  # records fetched from the Hub
    sources: dict[str, str] = field(default_factory=dict)  # parent key -> store / parent-license / online
    online_errors: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)  # key -> the id as the card writes it


def gather_lineage(kb: KnowledgeBase, parents: list[str], store: Store | None, supplied: dict[str, str],
                   online: bool, hub_api: Any = None) -> Lineage:
    out = Lineage()
    missing = []
    for pid in parents:
        key = pid.lower()
        out.display[key] = pid
        in_store = store is not None and store.scalar(
            "SELECT count(*) FROM models WHERE model_key = ? AND has_record", [key]) > 0
        if in_store and store is not None:
            out.sources[key] = "store" if key not in supplied else "parent-license (overrides the store)"
            out.copied.append(key)
            for anc in store_ancestors(store, key):
                akey = anc["ancestor_id"].lower()
                if not anc["dangling"] and akey not in out.copied:
                    out.copied.append(akey)
        elif key in supplied:
            out.sources[key] = "parent-license"
        else:
            missing.append(pid)
    out.supplied = dict(supplied)
    if missing and online:
        have = set(out.copied) | set(supplied)
        out.online, out.online_errors = _fetch_online(missing, have, hub_api=hub_api)
        fetched = {r["id"].lower() for r in out.online}
        for pid in list(missing):
            if pid.lower() in fetched:
                out.sources[pid.lower()] = "online"
                missing.remove(pid)
    if missing:
        where = f"the store {store.path}" if store is not None else "any store (no --db given and no default store)"
        if store is not None:
            lineage_only = [p for p in missing if store.scalar(
                "SELECT count(*) FROM models WHERE model_key = ?", [p.lower()])]
            if lineage_only:
                where += f" ({', '.join(lineage_only)} known there only from lineage rows, with no license)"
        hints = " ".join(f"--parent-license {pid}=LICENSE" for pid in missing)
        failed = "".join(f"; online lookup of {p} failed: {out.online_errors[p]}" for p in missing if p in out.online_errors)
        raise CheckError(
            f"unknown parent(s) {', '.join(missing)}: not in {where}{failed}. Supply each parent's license "
            f"with {hints}, point --db at a store that holds them (`licensegraph ingest`), or pass --online "
            "to look them up on the Hub")
    return out


def build_temp_store(kb: KnowledgeBase, card: Card, model_id: str, store: Store | None, lin: Lineage) -> Store:
    """An in-memory store with the would-be model and its lineage, lineage and licenses built."""
    from licensegraph.api.ingest import ingest_records

    tmp = Store(":memory:")
    if lin.copied and store is not None:
        rows = store.con.sql(
            "SELECT * FROM models WHERE model_key IN (SELECT unnest(?::VARCHAR[]))", params=[lin.copied]
        ).to_arrow_table()
        tmp.con.register("_copy", rows)
        tmp.con.execute("INSERT INTO models BY NAME SELECT * FROM _copy")
        tmp.con.unregister("_copy")
    records: list[dict[str, Any]] = []
    present = set(lin.copied) | {r["id"].lower() for r in lin.online}
    for key, lid in lin.supplied.items():
        fields = yaml_license_lines(kb, lid)
        if key in present:
            # The user's word wins over the store's: rewrite the declared license in place.
            tmp.con.execute(
                "UPDATE models SET card_license = [?], license_name = ?, license_link = ?, tag_licenses = [] "
                "WHERE model_key = ?",
                [fields["license"], fields.get("license_name"), fields.get("license_link"), key])
            for rec in lin.online:
                if rec["id"].lower() == key:
                    rec["card_data"] = {**(rec.get("card_data") or {}), **fields}
                    rec["tags"] = [t for t in rec.get("tags", []) if not t.startswith("license:")]
        else:
            records.append({"id": lin.display.get(key, key), "card_data": fields, "tags": []})
    records.extend(lin.online)
    tags = [t for t in _as_list(card.meta.get("tags")) if isinstance(t, str)
            and not t.startswith(("license:", "base_model:"))]
    library = card.meta.get("library_name")
    records.append({
        "id": model_id, "author": model_id.split("/")[0], "tags": tags,
        "library_name": library if isinstance(library, str) else None,
        "pipeline_tag": card.meta.get("pipeline_tag") if isinstance(card.meta.get("pipeline_tag"), str) else None,
        "card_data": card.yaml_text,
    })
    _copy_datasets(card, store, tmp)
    # audited over declared edges only: the parents a card does not declare are found from
    # the card itself (`_discover_undeclared`), not from this store
    ingest_records(tmp, records, label="<card>", find_undeclared=False)
    return tmp


def _copy_datasets(card: Card, store: Store | None, tmp: Store) -> None:
    """The store's records of the datasets the card names (`datasets:`), so that the rules
    over data and outputs see their licenses and generating models."""
    from licensegraph.lineage.data import dataset_id_sql

    named = [d for d in _as_list(card.meta.get("datasets")) if isinstance(d, str)]
    if store is None or not named:
        return
    has = store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'datasets'")
    if not has:
        return
    rows = store.con.sql(
        f"SELECT * FROM datasets WHERE dataset_key IN (SELECT lower({dataset_id_sql('d')}) FROM "
        "(SELECT unnest(?::VARCHAR[]) AS d))", params=[named]).to_arrow_table()
    tmp.con.register("_copy_datasets", rows)
    tmp.con.execute("INSERT INTO datasets BY NAME SELECT * FROM _copy_datasets")
    tmp.con.unregister("_copy_datasets")


# --------------------------------------------------------------------------- the check


def _findings(tmp: Store, key: str, views: tuple[str, ...]) -> list[tuple[Finding, ...]]:
    """The model's findings of each of `views` (one query: the `findings` view's statement
    is big enough that binding it costs more than reading a card's findings)."""
    rows = tmp.con.execute(
        f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE model_key = ? AND view IN (SELECT unnest(?)) "
        "ORDER BY rule_id, label",
        [key, list(views)],
    ).fetchall()
    out = [finding_from_row(dict(zip(FINDING_COLUMNS, r))) for r in rows]
    return [tuple(sorted((f for f in out if f.view == view),
                         key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule_id, f.label))) for view in views]


def _relation(tmp: Store, key: str) -> str | None:
    rels = [r[0] for r in tmp.con.execute(
        "SELECT relation FROM edges WHERE child_key = ? AND NOT self_loop ORDER BY parent_key", [key]).fetchall()]
    if not rels:
        return None
    return "merge" if "merge" in rels else rels[0]


def _parents_info(tmp: Store, key: str, lin: Lineage) -> list[dict[str, Any]]:
    rows = tmp.con.execute(
        """
        SELECT e.parent_id, coalesce(l.license, 'absent'), e.relation, e.relation_source
        FROM edges e LEFT JOIN model_licenses l ON l.model_key = e.parent_key
        WHERE e.child_key = ? AND NOT e.self_loop ORDER BY e.parent_key
        """, [key]).fetchall()
    return [{"id": pid, "license": lic, "relation": rel, "relation_source": src,
             "source": lin.sources.get(pid.lower(), "store")} for pid, lic, rel, src in rows]


def _ship(kb: KnowledgeBase, choice: Choice, suggested: str | None, body: str,
          holders: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """Files and notices to ship, from the duties no license choice meets. `holders` maps
    a license id to the models of the lineage under it, so credits name them."""
    out = []
    seen = set()
    holders = holders or {}

    def models_of(up: License) -> str:
        ids = holders.get(up.id, [])
        if not ids:
            return f"the {up.name} material"
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        return shown

    def licensors_of(up: License) -> str:
        owners = list(dict.fromkeys(i.split("/")[0] for i in holders.get(up.id, [])))
        return ", ".join(owners[:3]) or f"the licensor of the {up.name}"

    def add(kind: str, what: str, upstream: str | None, source: str | None, **extra: Any) -> None:
        key = (kind, what)
        if key not in seen:
            seen.add(key)
            out.append({"kind": kind, "what": what, "upstream": upstream, "source": source, **extra})

    low_body = body.lower()
    for ob in choice.obligations:
        o = ob.to_dict()
        up = kb.effective(o["upstream"])
        if o["duty"] == "license-copy":
            add("license-copy", f"LICENSE: a copy of the {up.name} ({up.url}), for {models_of(up)}", up.id,
                o["source"])
        elif o["duty"] == "notice-file":
            add("notice-file", f"NOTICE: a text file with the line \"{o['text']}\"", up.id, o["source"], text=o["text"])
        elif o["duty"] == "display":
            present = o["text"].lower() in low_body
            add("display", f"Display \"{o['text']}\" prominently (card, website, UI or docs)", up.id, o["source"],
                text=o["text"], in_card=present)
        elif o["duty"] == "use-restrictions":
            add("use-policy", f"Use policy: pass on the use restrictions of the {up.name} (from {models_of(up)}) "
                              f"as an enforceable part of the model's terms (include or link them; see {up.url})",
                up.id, o["source"])
        elif o["duty"] == "attribution":
            add("attribution", f"Credit {licensors_of(up)} for {models_of(up)} ({up.name}) and keep their "
                               "copyright and attribution notices", up.id, o["source"])
        elif o["duty"] == "mark-changes":
            add("mark-changes", "State that the model was modified from its parent(s), and how", up.id, o["source"])
        elif o["duty"] == "source-disclosure":
            # each clause its own line: AGPL-3.0 §13 (network users) is not §6 (recipients)
            add("source", f"Source: {o['summary']} (for a model: weights, architecture, training code)",
                up.id, o["source"])
        elif o["duty"] == "model-card":
            add("model-card", "Keep and update the model card", up.id, o["source"])
        elif o["duty"] == "user-threshold":
            add("user-threshold", f"Licensees above {o['text']} need a separate license from "
                                  f"{licensors_of(up)} ({up.name}, for {models_of(up)})", up.id, o["source"])
    if suggested and suggested not in {o.upstream for o in choice.obligations if o.duty == "license-copy"}:
        lic = kb.get(suggested)
        if not lic.is_special:
            out.insert(0, {"kind": "license-copy", "what": f"LICENSE: the text of the {lic.name} ({lic.url}), "
                                                          "the model's own license",
                           "upstream": None, "source": lic.url})
    return out


def _fix(kb: KnowledgeBase, card: Card, model_id: str, own: str, relation: str | None, choice: Choice | None,
         parents: tuple[str, ...] = ()) -> dict[str, Any]:
    name = model_id.split("/")[-1]
    fix: dict[str, Any] = {"license_ok": None, "suggested_license": None, "none_feasible": False, "reason": None,
                 "alternatives": [], "yaml": {}, "yaml_text": "", "name_prefix": None, "name_ok": None,
                 "name_required_by": [], "suggested_name": None, "violations_regardless": []}
    if choice is None:
        return fix
    feasible = [f.license for f in choice.feasible]
    fix["violations_regardless"] = [v.message for v in choice.violations_regardless]
    if not feasible:
        fix["none_feasible"] = True
        fix["license_ok"] = False
        fix["reason"] = choice.reason
    else:
        fix["license_ok"] = own in feasible
        fix["suggested_license"] = own if own in feasible else feasible[0]
        fix["alternatives"] = [i for i in feasible if i != fix["suggested_license"]
                               and i in kb and not kb.get(i).is_special][:5]
        fix["yaml"] = yaml_license_lines(kb, fix["suggested_license"])
    if relation and not fix["none_feasible"]:
        fix["yaml"]["base_model_relation"] = relation
    fix["yaml_text"] = "".join(f"{k}: {v}\n" for k, v in fix["yaml"].items())
    if choice.name_prefix:
        prefix = choice.name_prefix.prefix
        ok = begins_with_prefix(name, prefix)
        fix["name_prefix"] = prefix
        fix["name_ok"] = ok
        fix["name_required_by"] = list(choice.name_prefix.required_by)
        if not ok:
            owners = (model_id.split("/")[0], *(p.split("/")[0] for p in parents))
            fix["suggested_name"] = suggest_name(name, prefix, owners)
    return fix


def check_card(
    path: Path | str,
    kb: KnowledgeBase | None = None,
    store: Store | None = None,
    parent_licenses: dict[str, str] | None = None,
    name: str | None = None,
    online: bool = False,
    hub_api: Any = None,
    is_text: bool = False,
) -> CheckResult:
    """Check one model card (a README.md or a directory holding one); CheckError on bad input.

    `parent_licenses` maps a model id (any case) to a KB license id; use
    `parse_parent_licenses` for `ID=LICENSE` strings.
    """
    from licensegraph.rules.engine import run_audit

    kb = kb or load_kb()
    card = parse_card(str(path), Path("<card text>"), in_memory=True) if is_text else load_card(path)
    own, declared = card_license(kb, card)
    parents = card_parents(card)
    card_relation(card)
    model_id = model_id_for(card, name)
    key = model_id.lower()
    if key in {p.lower() for p in parents}:
        raise CheckError(f"the model {model_id} lists itself as its base_model", card.path, card.line_of("base_model"))
    supplied = {k.lower(): v for k, v in (parent_licenses or {}).items()}
    lin = gather_lineage(kb, parents, store, supplied, online, hub_api=hub_api)
    tmp = build_temp_store(kb, card, model_id, store, lin)
    try:
        run_audit(tmp, kb)
        findings, local = _findings(tmp, key, (EFFECTIVE, LOCAL))
        relation = _relation(tmp, key)
        order = {p.lower(): i for i, p in enumerate(parents)}
        parents_info = sorted(_parents_info(tmp, key, lin), key=lambda p: order.get(p["id"].lower(), len(order)))
        lineage_rows = store_ancestors(tmp, key)
        in_lineage = {a["ancestor_id"].lower() for a in lineage_rows}
        holders: dict[str, list[str]] = {}  # license -> the lineage's models under it, nearest first
        for a in lineage_rows:
            if a["license"] in kb:
                for lid in dict.fromkeys((a["license"], kb.effective(a["license"]).id)):
                    holders.setdefault(lid, []).append(a["ancestor_id"])
        unused = sorted(k for k in supplied if k not in in_lineage)
        choice = choose(kb, [p["id"] for p in parents_info], relation=relation, store=tmp) if parents_info else None
    finally:
        tmp.close()
    warnings = [f"--parent-license {k}=... names no model in this card's lineage; ignored" for k in unused]
    discovered, discovered_yaml = (), None
    if not parents:
        discovered, discovered_yaml, notes = _discover_undeclared(card, model_id, None if is_text else path, store)
        warnings += notes
    if choice is not None:
        warnings += choice.warnings
    fix = _fix(kb, card, model_id, own, relation, choice, tuple(parents))
    ship = _ship(kb, choice, fix.get("suggested_license"), card.body, holders) if choice is not None else []
    for item in ship:
        if item["kind"] == "display" and not item["in_card"]:
            warnings.append(f"the card text does not show \"{item['text']}\" ({item['upstream']} requires it "
                            "to be displayed prominently)")
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    read_ids = list(dict.fromkeys(([own] if own in kb else []) + (list(choice.upstream_licenses) if choice else [])))
    readings = tuple(r for r in (kb.get(i).reading for i in read_ids) if r)
    return CheckResult(
        path=str(card.path),
        model_id=model_id,
        license=CardLicense(declared=declared, resolved=own),
        relation=relation,
        parents=tuple(CheckParent(parent_id=p["id"], license=p["license"], relation=p["relation"],
                                  relation_source=p["relation_source"], found_in=p["source"]) for p in parents_info),
        view=EFFECTIVE,
        view_note=VIEW_NOTE,
        findings=findings,
        local_findings=local,
        counts=counts,
        fix=CardFix.from_dict(fix),
        ship=tuple(ShipItem.from_dict(s) for s in ship),
        choose=None if choice is None else CheckChoice(
            upstream_licenses=choice.upstream_licenses,
            feasible=tuple(f.license for f in choice.feasible),
            none_feasible=choice.none_feasible,
            reason=choice.reason,
            notes=choice.notes,
        ),
        warnings=tuple(warnings),
        key_lines=dict(card.key_lines),
        readings=readings,
        discovered=discovered,
        discovered_yaml=discovered_yaml,
    )


# The Hub's spelling of relations in base_model_relation.
_HUB_RELATION = {"quantization": "quantized"}


def _discover_undeclared(card: Card, model_id: str, path: Path | str | None, store: Store | None = None
                         ) -> tuple[tuple[DiscoveredParent, ...], str | None, list[str]]:
    """A card that declares no base_model: the parents its text (and, for a model
    directory, its config files) name, else, with a store, the known model its name is a
    quantization or conversion of; the front-matter lines to add, and the warnings."""
    notes: list[str] = []
    configs: dict[str, object] = {}
    if path is not None:
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        for name in CONFIG_FILES:
            file = folder / name
            if file.is_file():
                try:
                    configs[name] = json.loads(file.read_text(encoding="utf-8"))
                except (ValueError, UnicodeDecodeError) as exc:
                    notes.append(f"{file}: not readable JSON ({exc}); not used to find the base model")
    found = discover(model_id, card_text=card.text, configs=configs)
    if not found and store is not None:
        found = _name_parent(store, model_id)
    if not found:
        return (), None, notes
    parents = [ev.parent_id for ev in found]
    relations = {_HUB_RELATION.get(ev.relation, ev.relation) for ev in found}
    relation = "merge" if len(parents) > 1 or "merge" in relations else relations.pop()
    lines = ["base_model:"] + [f"- {p}" for p in parents] if len(parents) > 1 else [f"base_model: {parents[0]}"]
    lines.append(f"base_model_relation: {relation}")
    yaml_lines = "\n".join(lines) + "\n"
    for ev in found:
        where = f"line {ev.line}" if ev.line else ("its name" if ev.source == "name" else ev.source)
        notes.append(f"the card declares no base_model, but {where} names {ev.parent_id} ({ev.pattern}: "
                     f"\"{ev.matched}\"); the rules cannot see that lineage")
    notes.append("add to the front matter: " + "; ".join(lines))
    return tuple(DiscoveredParent(parent_id=ev.parent_id, relation=ev.relation, source=ev.source,
                                  pattern=ev.pattern, matched=ev.matched, line=ev.line,
                                  confidence=float(ev.confidence)) for ev in found), yaml_lines, notes


def error_result(path: Path | str, exc: CheckError) -> CheckFailure:
    """The result for a card that could not be checked."""
    return CheckFailure(path=exc.path or str(path), error=str(exc), line=exc.line)


def _name_parent(store: Store, model_id: str) -> list:
    """The store's model this model's name is a quantization or conversion of (names.py),
    popularity from the store's declared edges; [] when none or ambiguous."""
    known = store.con.sql(
        "SELECT id, CAST(created_at AS VARCHAR) AS created, NULL::BIGINT AS popularity FROM models"
    ).to_arrow_table()
    declared = store.con.sql("SELECT child_key, parent_key FROM edges WHERE NOT self_loop").to_arrow_table()
    found = infer_names([model_id], known, declared).get(model_id)
    return [found] if found is not None else []
