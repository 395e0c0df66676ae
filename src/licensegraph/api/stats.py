"""`stats`: what the store holds — models, edges by relation, licenses, graph problems."""

from __future__ import annotations

from typing import Any

from licensegraph.api.results import StatsResult
from licensegraph.store.db import Store
from licensegraph.vocab import RELATIONS


def _shares(rows: list[tuple[str | None, int]], order: tuple[str, ...] = RELATIONS) -> list[dict[str, Any]]:
    total = sum(n for _, n in rows) or 1
    counts = dict(rows)
    keys = [k for k in order if k in counts] + sorted((k for k in counts if k not in order), key=str)
    return [{"relation": k, "edges": counts[k], "share": round(100 * counts[k] / total, 2)} for k in keys]


class _Rows:
    """A query's rows, typed for the code below (fetchone on an aggregate always has a row)."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur

    def fetchone(self) -> tuple[Any, ...]:
        row = self.cur.fetchone()
        assert row is not None
        return tuple(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.cur.fetchall()]


def stats(store: Store, top: int = 15) -> StatsResult:
    """What the store holds: models, edges by relation, licenses, graph problems."""
    return StatsResult.from_dict(collect_stats(store, top=top))


def collect_stats(store: Store, top: int = 15) -> dict[str, Any]:
    def q(sql: str) -> _Rows:
        return _Rows(store.con.execute(sql))
    models = q(
        """
        SELECT count(*), count(*) FILTER (WHERE deleted), count(*) FILTER (WHERE has_record),
               count(*) FILTER (WHERE lineage_event IS NOT NULL)
        FROM models
        """
    ).fetchone()
    edges_total, derived = q(
        "SELECT count(*), count(DISTINCT child_key) FROM edges WHERE NOT self_loop"
    ).fetchone()
    corrected = q(
        "SELECT relation, count(*) FROM edges WHERE NOT self_loop GROUP BY 1"
    ).fetchall()
    hub = q(
        "SELECT hub_relation, count(*) FROM edges WHERE NOT self_loop AND hub_relation IS NOT NULL GROUP BY 1"
    ).fetchall()
    hub_unlabelled = q("SELECT count(*) FROM edges WHERE NOT self_loop AND hub_relation IS NULL").fetchall()[0][0]
    sources = dict(sorted(q("SELECT relation_source, count(*) FROM edges WHERE NOT self_loop GROUP BY 1").fetchall(), key=lambda kv: str(kv[0])))
    relabelled = q(
        """
        SELECT hub_relation, relation, count(*) FROM edges
        WHERE NOT self_loop AND relation_source = 'evidence' AND hub_relation IS NOT NULL AND hub_relation <> relation
        GROUP BY 1, 2 ORDER BY 3 DESC
        """
    ).fetchall()
    licenses = q(
        f"SELECT license, count(*) FROM model_licenses GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(top)}"
    ).fetchall()
    resolutions = dict(sorted(q("SELECT resolution, count(*) FROM model_licenses GROUP BY 1").fetchall(), key=lambda kv: str(kv[0])))
    # license_name / license_link naming a model license beside a software or content id:
    # the model carries the named license (licenses.normalize.named_model_license).
    beside = q(
        f"""
        SELECT license_raw, license, count(*) FROM model_licenses
        WHERE resolution = 'name-beside-id' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT {int(top)}
        """
    ).fetchall()
    unresolved = q(
        f"""
        SELECT coalesce(license_name, '(no name)') AS name, count(*) FROM model_licenses
        WHERE license = 'other-unresolved' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(top)}
        """
    ).fetchall()
    dangling = q(
        "SELECT count(*), count(DISTINCT parent_key) FROM edges WHERE dangling AND NOT self_loop"
    ).fetchone()
    top_dangling = q(
        f"""
        SELECT any_value(parent_id), count(*) FROM edges WHERE dangling AND NOT self_loop
        GROUP BY parent_key ORDER BY 2 DESC, 1 LIMIT {int(top)}
        """
    ).fetchall()
    issues = dict(sorted(q("SELECT kind, count(*) FROM lineage_issues GROUP BY 1").fetchall(), key=lambda kv: str(kv[0])))
    cycles = q(
        "SELECT DISTINCT detail FROM lineage_issues WHERE kind = 'cycle' ORDER BY 1 LIMIT 20"
    ).fetchall()
    rejects = dict(sorted(q("SELECT part, count(*) FROM rejects GROUP BY 1").fetchall(), key=lambda kv: str(kv[0])))
    inferred_sources = q(
        """
        SELECT source, count(*), count(*) FILTER (WHERE used), count(DISTINCT child_key) FILTER (WHERE used)
        FROM inferred_edges GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    inferred_children, inferred_dangling = q(
        "SELECT count(DISTINCT child_key), count(*) FILTER (WHERE dangling) FROM inferred_edges WHERE used"
    ).fetchone()
    return {
        "models": {
            "total": models[0],
            "deleted": models[1],
            "with_record": models[2],
            "with_lineage_row": models[3],
            "derived": derived,
        },
        "edges": {
            "total": edges_total,
            "by_relation": _shares(corrected),
            "by_hub_relation": _shares(hub),
            "hub_unlabelled": hub_unlabelled,
            "relation_sources": sources,
            "relabelled_by_evidence": sum(n for *_, n in relabelled),
            "relabelled": [{"hub": h, "corrected": c, "edges": n} for h, c, n in relabelled],
        },
        "licenses": {
            "top": [{"license": k, "models": n} for k, n in licenses],
            "resolution": resolutions,
            "unresolved_other_names": [{"license_name": k, "models": n} for k, n in unresolved],
            "name_beside_id": sum(n for *_, n in beside),
            "name_beside_id_top": [{"declared": d, "carried": c, "models": n} for d, c, n in beside],
        },
        "dangling": {
            "edges": dangling[0],
            "parents": dangling[1],
            "top": [{"parent": p, "children": n} for p, n in top_dangling],
        },
        "lineage_issues": issues,
        "cycles": [row[0] for row in cycles],
        "self_loops": issues.get("self-loop", 0),
        "rejects": rejects,
        "inferred": {
            "by_source": [{"source": s, "edges": n, "used": u, "children": c} for s, n, u, c in inferred_sources],
            "children": inferred_children,
            "dangling": inferred_dangling,
            "refused": int(store.get_meta("inferred_refused") or 0),
        },
        "data": data_stats(store, top),
    }


def data_stats(store: Store, top: int = 15) -> dict[str, Any] | None:
    """Datasets named, found and licensed; generated-by edges by evidence kind (None for a
    store from before dataset support that no write has migrated yet)."""
    q = store.con.execute
    if not q("SELECT count(*) FROM information_schema.tables WHERE table_name = 'data_named'").fetchone()[0]:
        return None
    models_naming, references, not_ids = q(
        "SELECT count(DISTINCT model_key), count(*), count(*) FILTER (WHERE dataset_id IS NULL) FROM data_named"
    ).fetchone()
    named, found = q(
        "SELECT count(*), count(*) FILTER (WHERE NOT dangling) FROM "
        "(SELECT parent_key, bool_and(dangling) AS dangling FROM data_edges WHERE relation = 'trained-on' GROUP BY 1)"
    ).fetchone()
    records, licensed, synthetic = q(
        "SELECT count(*), count(*) FILTER (WHERE license NOT IN ('none', 'unknown', 'other-unresolved')), "
        "count(*) FILTER (WHERE synthetic) FROM dataset_licenses"
    ).fetchone()
    licenses = q("SELECT license, count(*) FROM dataset_licenses GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    kinds = q("SELECT source, count(*) FROM data_edges WHERE relation = 'generated-by' GROUP BY 1 ORDER BY 2 DESC, 1"
              ).fetchall()
    gens = q(
        f"SELECT any_value(parent_id), count(*) FROM data_edges WHERE relation = 'generated-by' "
        f"GROUP BY parent_key ORDER BY 2 DESC, 1 LIMIT {int(top)}").fetchall()
    top_named = q(
        f"SELECT any_value(parent_id), count(*), NOT bool_and(dangling) FROM data_edges WHERE relation = 'trained-on' "
        f"GROUP BY parent_key ORDER BY 2 DESC, 1 LIMIT {int(top)}").fetchall()
    on_hub: list = []
    if q("SELECT count(*) FROM information_schema.tables WHERE table_name = 'dataset_fetches'").fetchone()[0]:
        on_hub = q(
            """
            SELECT coalesce(f.outcome, 'not asked'), count(*)
            FROM (SELECT parent_key FROM data_edges WHERE relation = 'trained-on'
                  GROUP BY 1 HAVING bool_and(dangling)) d
            LEFT JOIN (SELECT dataset_key, arg_max(outcome, fetched_at) AS outcome FROM dataset_fetches GROUP BY 1) f
              ON f.dataset_key = d.parent_key
            GROUP BY 1 ORDER BY 2 DESC, 1
            """).fetchall()
    return {
        "dangling_on_hub": dict(on_hub),
        "models_naming": models_naming, "references": references, "not_dataset_ids": not_ids,
        "named": named, "found": found, "dangling": named - found, "records": records, "licensed": licensed,
        "licenses": dict(licenses), "synthetic": synthetic, "generated_by": dict(kinds), "generators": dict(gens),
        "top": [{"dataset_id": d, "models": n, "found": f} for d, n, f in top_named],
    }
