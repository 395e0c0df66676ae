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
