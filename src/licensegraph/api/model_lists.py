"""Lists of models for the dashboard: a model's children, search by id, the most reused
noncompliant models, and each model's worst finding in a view.

Every query takes its values as parameters; nothing from a request is put into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from licensegraph.api.results import (
    ChildrenPage,
    ModelMatch,
    ModelMatches,
    ModelRow,
    ModelsPage,
    RelationTotal,
    ReusedModel,
    ReusedPage,
)
from licensegraph.lineage.reach import SEP, block_key
from licensegraph.store.db import Store
from licensegraph.store.schema import PAGE_BLOCK
from licensegraph.vocab import ABSENT, RELATIONS, SEVERITIES, VIEWS, VIOLATION

#: Longest search query taken (Hub ids are at most 96 characters).
MAX_QUERY = 200
#: Most rows one page may hold.
MAX_PAGE = 500


def _count(store: Store, sql: str, params: list[Any]) -> int:
    row = store.con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")


def check_page(offset: int, limit: int) -> None:
    if offset < 0:
        raise ValueError(f"offset must not be negative, not {offset}")
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")


def check_relation(relation: str | None) -> None:
    if relation is not None and relation not in RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(RELATIONS)}, not {relation!r}")


#: Up to this many keys, a lookup lists them as parameters (DuckDB then uses the table's
#: index on the key column); past it, one scan joined to the key list is cheaper.
INDEXED_KEYS = 256


def key_filter(column: str, keys: Sequence[str]) -> tuple[str, list[Any]]:
    """A WHERE condition `column IN keys` and its parameters, shaped for the index when it can be.

    `column` is a column name of this module's own queries, never a request value."""
    if len(keys) <= INDEXED_KEYS:
        return f"{column} IN ({', '.join('?' for _ in keys) or 'NULL'})", list(keys)
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [list(keys)]


def known_model(store: Store, model_id: str) -> tuple[str, str, bool]:
    """(key, display id, has a row in the store) of a model the store knows: one with a row,
    or one known only as a parent that edges point at (a dangling parent). ModelNotFound else."""
    from licensegraph.api.explain import ModelNotFound

    key = model_key(model_id)
    row = store.con.execute("SELECT id FROM model_licenses WHERE model_key = ?", [key]).fetchone()
    if row is not None:
        return key, row[0], True
    row = store.con.execute("SELECT model_id FROM lineage_reach WHERE model_key = ?", [key]).fetchone()
    if row is not None:  # a parent known only from its children's cards
        return key, row[0], False
    raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")


def model_key(model_id: str) -> str:
    """The store's key of a model id (the Hub matches ids case-insensitively)."""
    return model_id.strip().lower()


# Findings of rules whose outcome is the same in both views are stored once (under the
# first view); they count in either view.
_IN_VIEW = "(f.view = ? OR f.rule_id IN (SELECT rule_id FROM finding_templates WHERE view_independent))"


def worst_severities(store: Store, keys: Iterable[str], view: str) -> dict[str, str]:
    """model key -> its most severe finding in `view`, for the keys that have one."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    independent = {r[0] for r in store.con.execute(
        "SELECT DISTINCT rule_id FROM finding_templates WHERE view_independent").fetchall()}
    where, params = key_filter("model_key", keys)  # bare, so the index on model_licenses serves it
    rows = store.con.execute(f"SELECT model_key, severity, view, rule_id FROM finding_keys WHERE {where}",
                             params).fetchall()
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out: dict[str, str] = {}
    for key, severity, row_view, rule_id in rows:
        if row_view != view and rule_id not in independent:
            continue
        if key not in out or rank.get(severity, 99) < rank.get(out[key], 99):
            out[key] = severity
    return out


def reach_rows(store: Store, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """model key -> (children, finetune, adapter, quantization, merge, descendants, levels)
    from `lineage_reach`, for the keys that have children."""
    if not keys:
        return {}
    where, params = key_filter("model_key", keys)
    rows = store.con.execute(
        f"SELECT model_key, children, {', '.join(RELATIONS)}, descendants, levels FROM lineage_reach WHERE {where}",
        params).fetchall()
    return {r[0]: r[1:] for r in rows}


def relation_counts(reach: tuple[Any, ...] | None) -> dict[str, int]:
    """relation -> children of that relation, from a `reach_rows` row (relations with none left out)."""
    if reach is None:
        return {}
    return {rel: int(n) for rel, n in zip(RELATIONS, reach[1:1 + len(RELATIONS)], strict=True) if n}


def first_children(store: Store, keys: Sequence[str], relation: str | None, offset: int,
                   limit: int) -> dict[str, list[tuple[int, str, str, str]]]:
    """parent key -> its children at positions offset..offset+limit-1 in id order (of one
    relation, or all): (position, child key, child id, relation). Read from `child_pages`
    by block key, which the index serves at any offset."""
    blocks = range(offset // PAGE_BLOCK, (offset + limit - 1) // PAGE_BLOCK + 1)
    wanted = [block_key(k, relation, b) for k in keys for b in blocks]
    out: dict[str, list[tuple[int, str, str, str]]] = {}
    for i in range(0, len(wanted), INDEXED_KEYS):
        where, params = key_filter("block", wanted[i:i + INDEXED_KEYS])
        for block, pos, ck, cid, rel in store.con.execute(
                f"SELECT block, pos, child_key, child_id, relation FROM child_pages WHERE {where}", params).fetchall():
            if offset <= pos < offset + limit:
                out.setdefault(block.split(SEP, 1)[0], []).append((pos, ck, cid, rel))
    for rows in out.values():
        rows.sort()
    return out


def children(store: Store, model_id: str, relation: str | None = None, view: str = "effective",
             offset: int = 0, limit: int = 50) -> ChildrenPage:
    """A page of the model's direct derivatives (in id order), with every child counted by relation."""
    check_view(view)
    check_relation(relation)
    check_page(offset, limit)
    key, display_id, _ = known_model(store, model_id)
    # counts and pages were computed at lineage time (lineage.reach): a model with
    # thousands of children costs one page of rows
    counts = relation_counts(reach_rows(store, [key]).get(key))
    by_relation = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for rel, n in by_relation if relation is None or rel == relation)
    page_rows = [r[1:] for r in first_children(store, [key], relation, offset, limit).get(key, [])] \
        if offset < total else []
    licenses: dict[str, str] = {}
    if page_rows:
        where, params = key_filter("model_key", [k[0] for k in page_rows])
        licenses = dict(store.con.execute(f"SELECT model_key, license FROM model_licenses WHERE {where}",
                                          params).fetchall())
    rows = [(ck, cid, licenses.get(ck, ABSENT), rel) for ck, cid, rel in page_rows]
    severity = worst_severities(store, (r[0] for r in rows), view)
    models = tuple(ModelRow(model_id=cid, license=lic, relation=rel, severity=severity.get(ck))
                   for ck, cid, lic, rel in rows)
    return ChildrenPage(
        model_id=display_id, relation=relation, view=view,
        by_relation=tuple(RelationTotal(relation=r, models=n) for r, n in by_relation),
        page=ModelsPage(models=models, total=total, offset=offset, limit=limit),
    )


def search(store: Store, query: str, limit: int = 10) -> ModelMatches:
    """Model ids containing `query` (any case): the exact id first, then ids and names
    starting with it, then the rest; shorter ids first within each."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    q = query.strip()
    if len(q) > MAX_QUERY:
        raise ValueError(f"the query is {len(q)} characters long; at most {MAX_QUERY} are taken")
    if not q:
        return ModelMatches(query=query, matches=())
    rows = store.con.execute(
        """
        SELECT id, license,
               CASE WHEN model_key = $q THEN 0
                    WHEN starts_with(model_key, $q) THEN 1
                    WHEN starts_with(split_part(model_key, '/', 2), $q) THEN 2
                    ELSE 3 END AS rank
        FROM model_licenses
        WHERE contains(model_key, $q)
        ORDER BY rank, length(model_key), model_key
        LIMIT $limit
        """,
        {"q": q.lower(), "limit": limit},
    ).fetchall()
    return ModelMatches(query=query, matches=tuple(ModelMatch(model_id=i, license=lic) for i, lic, _ in rows))


def most_reused_noncompliant(store: Store, view: str = "effective", offset: int = 0, limit: int = 20) -> ReusedPage:
    """Models with at least one violation in `view` that other models are built on, by how
    many models derive from them in all (transitively; their duties reach every one), then
    by direct derivatives. The report's and the dashboard's list."""
    check_view(view)
    check_page(offset, limit)
    nc = f"""
        WITH nc AS (
            SELECT f.model_key, list(DISTINCT f.rule_id ORDER BY f.rule_id) AS rule_ids,
                   list(DISTINCT f.label ORDER BY f.label) AS labels
            FROM finding_keys f WHERE f.severity = ? AND {_IN_VIEW} GROUP BY 1
        )
    """
    total = _count(store, f"{nc} SELECT count(*) FROM nc JOIN lineage_reach r USING (model_key)", [VIOLATION, view])
    rows = store.con.execute(
        f"""{nc}
        SELECT l.id, l.license, r.children, r.descendants, nc.labels, nc.rule_ids
        FROM nc JOIN lineage_reach r USING (model_key) JOIN model_licenses l USING (model_key)
        ORDER BY r.descendants DESC, r.children DESC, l.model_key LIMIT ? OFFSET ?
        """,
        [VIOLATION, view, limit, offset],
    ).fetchall()
    models = tuple(ReusedModel(model_id=i, license=lic, children=int(n), descendants=int(d), labels=tuple(labels),
                               rule_ids=tuple(rules)) for i, lic, n, d, labels, rules in rows)
    return ReusedPage(view=view, models=models, total=int(total), offset=offset, limit=limit)


def models_with_license(store: Store, license_id: str, view: str = "effective", offset: int = 0,
                        limit: int = 50) -> ModelsPage:
    """A page of the models whose normalized license is `license_id`, in id order."""
    check_view(view)
    check_page(offset, limit)
    total = _count(store, "SELECT count(*) FROM model_licenses WHERE license = ?", [license_id])
    rows = store.con.execute(
        "SELECT model_key, id FROM model_licenses WHERE license = ? ORDER BY model_key LIMIT ? OFFSET ?",
        [license_id, limit, offset],
    ).fetchall()
    severity = worst_severities(store, (r[0] for r in rows), view)
    return ModelsPage(
        models=tuple(ModelRow(model_id=i, license=license_id, relation=None, severity=severity.get(k))
                     for k, i in rows),
        total=int(total), offset=offset, limit=limit,
    )


def license_counts(store: Store) -> dict[str, int]:
    """license id -> models carrying it."""
    return dict(store.con.execute("SELECT license, count(*) FROM model_licenses GROUP BY 1").fetchall())
