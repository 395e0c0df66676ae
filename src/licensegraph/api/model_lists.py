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
)
from licensegraph.store.db import Store
from licensegraph.vocab import ABSENT, RELATIONS, SEVERITIES, VIEWS, VIOLATION

#: Longest search query taken (Hub ids are at most 96 characters).
MAX_QUERY = 200
#: Most rows one page may hold.
MAX_PAGE = 500
#: Up to this many children, a model's children are read and paged in Python; past it, in SQL.
MANY_CHILDREN = 2000


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
    row = store.con.execute("SELECT parent_id FROM edges WHERE parent_key = ? LIMIT 1", [key]).fetchone()
    if row is not None:
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
    where, params = key_filter("model_key", keys)  # bare, so the index on finding_rows serves it
    rows = store.con.execute(f"SELECT model_key, severity, view, rule_id FROM finding_rows WHERE {where}",
                             params).fetchall()
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out: dict[str, str] = {}
    for key, severity, row_view, rule_id in rows:
        if row_view != view and rule_id not in independent:
            continue
        if key not in out or rank.get(severity, 99) < rank.get(out[key], 99):
            out[key] = severity
    return out


def children(store: Store, model_id: str, relation: str | None = None, view: str = "effective",
             offset: int = 0, limit: int = 50) -> ChildrenPage:
    """A page of the model's direct derivatives (in id order), with every child counted by relation."""
    check_view(view)
    check_relation(relation)
    check_page(offset, limit)
    key, display_id, _ = known_model(store, model_id)
    # row_number() keeps DuckDB from pushing the other conditions into the bare filter on
    # parent_key, which is what lets the index serve it; counting and paging stay in SQL,
    # so a model with thousands of children costs one page of rows
    kids = ("SELECT child_key, child_id, relation, self_loop, row_number() OVER () AS fence "
            "FROM edges WHERE parent_key = ?")
    by_relation = [(rel, int(n)) for rel, n in store.con.execute(
        f"SELECT relation, count(*) FROM ({kids}) WHERE NOT self_loop GROUP BY 1 ORDER BY 2 DESC, 1", [key]
    ).fetchall()]
    total = sum(n for rel, n in by_relation if relation is None or rel == relation)
    if sum(n for _, n in by_relation) <= MANY_CHILDREN:
        # few: read them through the index and page here (ORDER BY ... LIMIT makes DuckDB scan)
        kept = sorted((ck, cid, rel) for ck, cid, rel, loop in store.con.execute(
            "SELECT child_key, child_id, relation, self_loop FROM edges WHERE parent_key = ?", [key]).fetchall()
            if not loop and (relation is None or rel == relation))
        page_rows = kept[offset:offset + limit]
    else:  # thousands: one scan that keeps a page, rather than a row per child in Python
        page_rows = store.con.execute(
            f"SELECT child_key, child_id, relation FROM ({kids}) WHERE NOT self_loop "
            "AND (?::VARCHAR IS NULL OR relation = ?) ORDER BY child_key LIMIT ? OFFSET ?",
            [key, relation, relation, limit, offset],
        ).fetchall()
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


def most_reused_noncompliant(store: Store, view: str = "effective", offset: int = 0, limit: int = 20) -> ModelsPage:
    """Models with at least one violation in `view` that other models are built on, by how
    many direct derivatives they have (their duties reach those derivatives)."""
    check_view(view)
    check_page(offset, limit)
    base = f"""
        WITH nc AS (
            SELECT f.model_key, list(DISTINCT f.rule_id ORDER BY f.rule_id) AS rule_ids
            FROM finding_rows f WHERE f.severity = ? AND {_IN_VIEW} GROUP BY 1
        ), kids AS (
            SELECT parent_key, count(*) AS n FROM edges
            WHERE NOT self_loop AND parent_key IN (SELECT model_key FROM nc) GROUP BY 1
        )
    """
    total = _count(store, f"{base} SELECT count(*) FROM kids", [VIOLATION, view])
    rows = store.con.execute(
        f"""{base}
        SELECT l.id, l.license, kids.n, nc.rule_ids
        FROM kids JOIN nc ON nc.model_key = kids.parent_key
        JOIN model_licenses l ON l.model_key = kids.parent_key
        ORDER BY kids.n DESC, l.model_key LIMIT ? OFFSET ?
        """,
        [VIOLATION, view, limit, offset],
    ).fetchall()
    models = tuple(ModelRow(model_id=i, license=lic, relation=None, severity=VIOLATION,
                            children=int(n), rule_ids=tuple(rules)) for i, lic, n, rules in rows)
    return ModelsPage(models=models, total=int(total), offset=offset, limit=limit)


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
