"""Every finding explains itself: message, clause, source, path and remedy, with no `None`."""

from __future__ import annotations

from licensegraph.store.findings_view import FINDING_COLUMNS


def test_every_finding_of_the_sample_is_complete(sample_store):
    rows = sample_store.con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings").fetchall()
    views = {r[0] for r in rows}
    assert views == {"local", "effective"} and len(rows) > 1000
    bad = []
    for row in rows:
        f = dict(zip(FINDING_COLUMNS, row))
        for field in ("message", "clause", "source_url", "remedy"):
            value = f[field]
            if not value or "None" in value or "NULL" in value:
                bad.append((f["view"], f["rule_id"], f["model_id"], field, value))
        if not f["path"] or f["path"][0] != f["model_id"] or any(p is None for p in f["path"]):
            bad.append((f["view"], f["rule_id"], f["model_id"], "path", f["path"]))
    assert not bad, f"{len(bad)} incomplete findings, e.g. {bad[:5]}"


def test_explain_reads_the_same_findings_as_the_view(sample_store):
    """explain reads findings through findings_of (per-rule templates on one model's rows),
    check and the exports through the view: both give the same text, for a model per rule."""
    from licensegraph.store.findings_view import findings_of

    picks = sample_store.con.execute(
        "SELECT rule_id, min(model_key) FROM findings GROUP BY rule_id").fetchall()
    assert len(picks) >= 8
    for rule_id, key in picks:
        view_rows = sample_store.con.execute(
            f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE model_key = ?", [key]).fetchall()
        assert sorted(map(_comparable, view_rows)) == sorted(map(_comparable, findings_of(sample_store.con, key))), rule_id


def _comparable(row) -> tuple:
    return tuple(tuple(v) if isinstance(v, list) else v for v in row)
