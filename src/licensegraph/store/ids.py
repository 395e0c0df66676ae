"""Dense integer identity of models (issue 14).

Every model key the store ever meets (a stored model, or a parent named by one that is not
stored: a dangling parent) gets an integer `uid` in `model_ids` the first time it is met.
Uids are dense (0, 1, 2, ...), never change and are never reused, so the audit numbers its
graph by them directly: it reads licenses and edges as integers (`model_licenses.uid`,
`edges.child_uid` / `parent_uid`) and never joins on the strings; names are looked up only
to print them. `meta.next_uid` is the next free uid.
"""

from __future__ import annotations

MODEL_IDS_DDL = "CREATE TABLE IF NOT EXISTS model_ids (uid INTEGER NOT NULL, model_key VARCHAR NOT NULL)"


def next_uid(con) -> int:
    """The next free uid (also the number of uids handed out)."""
    rows = con.execute("SELECT value FROM meta WHERE key = 'next_uid'").fetchall()
    return int(rows[0][0]) if rows else 0


def assign_ids(con, keys_sql: str) -> int:
    """Give every model key of `keys_sql` (a SELECT of one VARCHAR column of lowercase keys)
    that has none a new uid, in key order; return how many were new. Call inside the
    writing transaction that stores the keys."""
    start = next_uid(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _new_ids AS
        SELECT ({start} + row_number() OVER (ORDER BY model_key) - 1)::INTEGER AS uid, model_key
        FROM (SELECT DISTINCT k.model_key FROM ({keys_sql}) k(model_key)
              WHERE k.model_key IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM model_ids i WHERE i.model_key = k.model_key))
        """
    )
    new = con.execute("SELECT count(*) FROM _new_ids").fetchall()[0][0]
    if new:
        con.execute("INSERT INTO model_ids SELECT uid, model_key FROM _new_ids")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('next_uid', ?)", [str(start + new)])
    con.execute("DROP TABLE _new_ids")
    return int(new)
