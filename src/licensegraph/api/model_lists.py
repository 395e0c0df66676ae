"""Lists of models for the dashboard: a model's children, search by id, the most reused
noncompliant models, and each model's worst finding in a view.

Every query takes its values as parameters; nothing from a request is put into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from licensegraph.api.results import ChildrenPage, ModelMatch, ModelMatches, ModelRow, ModelsPage, RelationTotal
from licensegraph.store.db import Store
from licensegraph.vocab import RELATIONS, SEVERITIES, VIEWS, VIOLATION

#: Longest search query taken (Hub ids are at most 96 characters).
MAX_QUERY = 200
#: Most rows one page may hold.
MAX_PAGE = 500


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


def model_key(model_id: str) -> str:
    """The store's key of a model id (the Hub matches ids case-insensitively)."""
    return model_id.strip().lower()


# Findings of rules whose outcome is the same in both views are stored once (under the
# first view); they count in either view.
_IN_VIEW = ("(f.view = ? OR f.rule_id IN (SELECT rule_id FROM finding_templates WHERE view_independent))")


def worst_severities(store: Store, keys: Iterable[str], view: str) -> dict[str, str]:
    """model key -> its most severe finding in `view`, for the keys that have one."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    rows = store.con.execute(
        f"SELECT DISTINCT f.model_key, f.severity FROM finding_rows f "
        f"WHERE f.model_key IN (SELECT unnest(?::VARCHAR[])) AND {_IN_VIEW}",
        [keys, view],
    ).fetchall()
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out: dict[str, str] = {}
    for key, severity in rows:
        if key not in out or rank.get(severity, 99) < rank.get(out[key], 99):
            out[key] = severity
    return out


def children(store: Store, model_id: str, relation: str | None = None, view: str = "effective",
             offset: int = 0, limit: int = 50) -> ChildrenPage:
    """A page of the model's direct derivatives (most downloaded first), with counts by relation."""
    from licensegraph.api.explain import ModelNotFound

    check_view(view)
    check_relation(relation)
    check_page(offset, limit)
    key = model_key(model_id)
    found = store.con.execute("SELECT id FROM model_licenses WHERE model_key = ?", [key]).fetchone()
    if found is None:
        raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")
    by_relation = store.con.execute(
        "SELECT relation, count(*) FROM edges WHERE parent_key = ? AND NOT self_loop GROUP BY 1 ORDER BY 2 DESC, 1",
        [key],
    ).fetchall()
    total = sum(n for rel, n in by_relation if relation is None or rel == relation)
    rows = store.con.execute(
        """
        SELECT e.child_key, e.child_id, coalesce(l.license, 'absent'), e.relation, m.downloads
        FROM edges e
        LEFT JOIN model_licenses l ON l.model_key = e.child_key
        LEFT JOIN models m ON m.model_key = e.child_key
        WHERE e.parent_key = ? AND NOT e.self_loop AND (?::VARCHAR IS NULL OR e.relation = ?)
        ORDER BY m.downloads DESC NULLS LAST, e.child_key
        LIMIT ? OFFSET ?
        """,
        [key, relation, relation, limit, offset],
    ).fetchall()
    severity = worst_severities(store, (r[0] for r in rows), view)
    models = tuple(ModelRow(model_id=cid, license=lic, relation=rel, downloads=dl, severity=severity.get(ck))
                   for ck, cid, lic, rel, dl in rows)
    return ChildrenPage(
        model_id=found[0], relation=relation, view=view,
        by_relation=tuple(RelationTotal(relation=r, models=n) for r, n in by_relation),
        page=ModelsPage(models=models, total=total, offset=offset, limit=limit),
    )


def search(store: Store, query: str, limit: int = 10) -> ModelMatches:
    """Model ids containing `query` (any case): the exact id first, then ids and names
    starting with it, then the rest; most downloaded first within each."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    q = query.strip()
    if len(q) > MAX_QUERY:
        raise ValueError(f"the query is {len(q)} characters long; at most {MAX_QUERY} are taken")
    if not q:
        return ModelMatches(query=query, matches=())
    rows = store.con.execute(
        """
        SELECT l.id, l.license, m.downloads,
               CASE WHEN l.model_key = $q THEN 0
                    WHEN starts_with(l.model_key, $q) THEN 1
                    WHEN starts_with(split_part(l.model_key, '/', 2), $q) THEN 2
                    ELSE 3 END AS rank
        FROM model_licenses l LEFT JOIN models m ON m.model_key = l.model_key
        WHERE contains(l.model_key, $q)
        ORDER BY rank, m.downloads DESC NULLS LAST, l.model_key
        LIMIT $limit
        """,
        {"q": q.lower(), "limit": limit},
    ).fetchall()
    return ModelMatches(query=query, matches=tuple(ModelMatch(model_id=i, license=lic, downloads=dl)
                                                     for i, lic, dl, _ in rows))


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
    total = store.con.execute(f"{base} SELECT count(*) FROM kids", [VIOLATION, view]).fetchone()[0]
    rows = store.con.execute(
        f"""{base}
        SELECT l.id, l.license, m.downloads, kids.n, nc.rule_ids
        FROM kids JOIN nc ON nc.model_key = kids.parent_key
        JOIN model_licenses l ON l.model_key = kids.parent_key
        LEFT JOIN models m ON m.model_key = kids.parent_key
        ORDER BY kids.n DESC, l.model_key LIMIT ? OFFSET ?
        """,
        [VIOLATION, view, limit, offset],
    ).fetchall()
    models = tuple(ModelRow(model_id=i, license=lic, relation=None, downloads=dl, severity=VIOLATION,
                            children=int(n), rule_ids=tuple(rules)) for i, lic, dl, n, rules in rows)
    return ModelsPage(models=models, total=int(total), offset=offset, limit=limit)


def models_with_license(store: Store, license_id: str, view: str = "effective", offset: int = 0,
                        limit: int = 50) -> ModelsPage:
    """A page of the models whose normalized license is `license_id`, most downloaded first."""
    check_view(view)
    check_page(offset, limit)
    total = store.con.execute("SELECT count(*) FROM model_licenses WHERE license = ?", [license_id]).fetchone()[0]
    rows = store.con.execute(
        """
        SELECT l.model_key, l.id, m.downloads FROM model_licenses l LEFT JOIN models m ON m.model_key = l.model_key
        WHERE l.license = ? ORDER BY m.downloads DESC NULLS LAST, l.model_key LIMIT ? OFFSET ?
        """,
        [license_id, limit, offset],
    ).fetchall()
    severity = worst_severities(store, (r[0] for r in rows), view)
    return ModelsPage(
        models=tuple(ModelRow(model_id=i, license=license_id, relation=None, downloads=dl, severity=severity.get(k))
                     for k, i, dl in rows),
        total=int(total), offset=offset, limit=limit,
    )


def license_counts(store: Store) -> dict[str, int]:
    """license id -> models carrying it."""
    return dict(store.con.execute("SELECT license, count(*) FROM model_licenses GROUP BY 1").fetchall())


def relations_of(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v for v in values if v in RELATIONS)
