"""Masking benchmark for name inference (hidden lineage, issue 15).

Every child in ../shared/data/hub-lineage-2025.csv.gz that declares exactly one parent
and carries a Hub label quantized / finetune / adapter has that parent masked; name
inference then runs over every model id of the file (children and parents alike) and its
answers are compared with the masked parents. What inference may read of the declared
graph is what a store holds about *other* models: how many models declare a candidate
(popularity), what the same account's sibling quantizations declare, how often the
account's names agree with its cards, whether a candidate itself declares a parent; the
child's own edge is left out of each. Prints precision and recall per Hub label, the same
per deciding step and per reason for refusing, and how long inference took.

    .venv/bin/python bench/discovery.py [--lineage PATH] [--examples N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SHARED  # noqa: E402
from licensegraph.lineage.discovery.names import infer_parents_sql  # noqa: E402


def load(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(
        """
        CREATE TABLE rows AS
        SELECT row_number() OVER () AS rownum, week, event, "Model ID" AS id, nullif("Type", '') AS type,
               list_filter(list_transform(string_split(coalesce("Base Model", ''), ','), lambda p: trim(p)),
                           lambda p: p <> '') AS parents
        FROM read_csv(?, header = true, all_varchar = true)
        """,
        [str(path)],
    )
    # A model's creation: the week it was first added (models first seen deleted: unknown).
    con.execute(
        """
        CREATE TABLE models AS
        SELECT lower(id) AS model_key, any_value(id) AS id,
               min(week::TIMESTAMPTZ) FILTER (WHERE event = 'added') AS created
        FROM rows GROUP BY lower(id)
        """
    )
    # Every id anyone can name: models of the file and the parents they declare (parents
    # outside the file predate it: creation unknown). No popularity: the edges are masked.
    con.execute(
        """
        CREATE TABLE known AS
        SELECT model_key, id, created, NULL::BIGINT AS popularity FROM models
        UNION ALL
        SELECT lower(p), any_value(p), NULL, NULL
        FROM (SELECT unnest(parents) AS p FROM rows)
        WHERE lower(p) NOT IN (SELECT model_key FROM models)
        GROUP BY lower(p)
        """
    )
    # Declared edges: a candidate's popularity is how many *other* models declare it (the
    # child's own edge is left out by infer_parents_sql, so masking holds).
    con.execute(
        """
        CREATE TABLE declared AS
        SELECT DISTINCT lower(id) AS child_key, lower(unnest(parents)) AS parent_key FROM rows
        """
    )
    # The masked truth: the latest added row of each child with one parent and a label.
    con.execute(
        """
        CREATE TABLE truth AS
        SELECT lower(id) AS child_key, type AS label, lower(parents[1]) AS parent_key, parents[1] AS parent_id
        FROM rows WHERE event = 'added'
        QUALIFY row_number() OVER (PARTITION BY lower(id) ORDER BY week DESC, rownum DESC) = 1
        """
    )
    con.execute("DELETE FROM truth WHERE label NOT IN ('quantized', 'finetune', 'adapter') OR parent_key IS NULL")
    con.execute(
        """
        DELETE FROM truth WHERE child_key IN (
          SELECT lower(id) FROM rows WHERE event = 'added' AND len(parents) > 1)
        """
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lineage", type=Path, default=SHARED / "hub-lineage-2025.csv.gz")
    parser.add_argument("--examples", type=int, default=0, help="print N wrong answers per label")
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    start = time.perf_counter()
    load(con, args.lineage)
    loaded = time.perf_counter() - start
    n_children = con.execute("SELECT count(*) FROM models").fetchone()[0]
    n_known = con.execute("SELECT count(*) FROM known").fetchone()[0]
    start = time.perf_counter()
    infer_parents_sql(con, "models", "known", declared="declared", out="inferred")
    elapsed = time.perf_counter() - start
    print(f"lineage file: {args.lineage}")
    print(f"loaded in {loaded:.1f} s; name inference over {n_children:,} model ids against {n_known:,} known ids "
          f"in {elapsed:.2f} s ({n_children / elapsed:,.0f} ids/s)")
    inferred, refused = con.execute("SELECT (SELECT count(*) FROM inferred), (SELECT count(*) FROM inferred_refused)").fetchone()
    print(f"parents inferred: {inferred:,}; refused: {refused:,}\n")
    con.execute(
        """
        CREATE TABLE scored AS
        SELECT t.label, t.child_key, t.parent_id AS truth, i.parent_id AS guess, i.decided_by,
               i.parent_key IS NOT NULL AS answered, i.parent_key = t.parent_key AS correct,
               r.child_key IS NOT NULL AS refused
        FROM truth t LEFT JOIN inferred i USING (child_key) LEFT JOIN inferred_refused r USING (child_key)
        """
    )
    # Scoring only (inference never saw these): a wrong answer is still on the declared
    # lineage when the answer is an ancestor of the masked parent (a copy was skipped) or
    # the masked parent is an ancestor of the answer (the card named the grandparent).
    con.execute(
        """
        CREATE TABLE wrong AS
        SELECT child_key, lower(truth) AS truth_key, lower(guess) AS guess_key FROM scored WHERE answered AND NOT correct
        """
    )
    con.execute(
        """
        CREATE TABLE consistent AS
        WITH RECURSIVE up(child_key, start_key, node, depth) AS (
          SELECT child_key, truth_key, truth_key, 0 FROM wrong
          UNION ALL SELECT child_key, guess_key, guess_key, 0 FROM wrong
          UNION ALL
          SELECT up.child_key, up.start_key, d.parent_key, up.depth + 1
          FROM up JOIN declared d ON d.child_key = up.node WHERE up.depth < 8
        )
        SELECT DISTINCT w.child_key FROM wrong w JOIN up ON up.child_key = w.child_key
        WHERE (up.start_key = w.truth_key AND up.node = w.guess_key)
           OR (up.start_key = w.guess_key AND up.node = w.truth_key)
        """
    )
    rows = con.execute(
        """
        SELECT label, count(*), count(*) FILTER (WHERE answered), count(*) FILTER (WHERE correct),
               count(*) FILTER (WHERE refused),
               count(*) FILTER (WHERE correct OR child_key IN (SELECT child_key FROM consistent)),
               -- wrong answers the declared graph cannot judge: the answer declares no parent
               count(*) FILTER (WHERE answered AND NOT correct AND child_key NOT IN (SELECT child_key FROM consistent)
                                AND lower(guess) NOT IN (SELECT child_key FROM declared))
        FROM scored GROUP BY label ORDER BY CASE label WHEN 'quantized' THEN 0 WHEN 'finetune' THEN 1 ELSE 2 END
        """
    ).fetchall()
    header = (f"{'Hub label':<11} {'children':>9} {'answered':>9} {'correct':>8} {'refused':>8} {'precision':>10} "
              f"{'recall':>7} {'on-lineage':>11} {'unjudgeable':>12} {'judged prec.':>13}")
    print(header)
    print("-" * len(header))
    for label, total, answered, correct, ref, on_lineage, unjudgeable in rows:
        precision = correct / answered if answered else float("nan")
        lineage = on_lineage / answered if answered else float("nan")
        judged = on_lineage / (answered - unjudgeable) if answered > unjudgeable else float("nan")
        print(f"{label:<11} {total:>9,} {answered:>9,} {correct:>8,} {ref:>8,} {precision:>10.3f} {correct / total:>7.3f} "
              f"{lineage:>11.3f} {unjudgeable:>12,} {judged:>13.3f}")
    print("precision: the answer is the masked parent. on-lineage: it is, or it lies on the declared lineage")
    print("(the answer is an ancestor of the masked parent, or the masked parent is an ancestor of the answer).")
    print("unjudgeable: wrong by the first measure, but the answer declares no parent, so the declared graph")
    print("cannot say whether the card named the grandparent; judged prec.: on-lineage over the judgeable answers.")
    print("\nby deciding step (all labels):")
    for step, answered, correct, on_lineage, q_answered, q_correct in con.execute(
        """
        SELECT decided_by, count(*), count(*) FILTER (WHERE correct),
               count(*) FILTER (WHERE correct OR child_key IN (SELECT child_key FROM consistent)),
               count(*) FILTER (WHERE label = 'quantized'), count(*) FILTER (WHERE label = 'quantized' AND correct)
        FROM scored WHERE answered GROUP BY 1 ORDER BY 2 DESC
        """
    ).fetchall():
        quantized = f"{q_correct / q_answered:.3f}" if q_answered else "-"
        print(f"  {step:<15} {answered:>8,} answered, precision {correct / answered:.3f}, "
              f"on-lineage {on_lineage / answered:.3f}; quantized children {q_answered:,}, precision {quantized}")
    print("\nrefused, by reason (children of each label):")
    for reason, q, f, a, total in con.execute(
        """
        SELECT r.reason, count(*) FILTER (WHERE t.label = 'quantized'), count(*) FILTER (WHERE t.label = 'finetune'),
               count(*) FILTER (WHERE t.label = 'adapter'), count(*)
        FROM inferred_refused r LEFT JOIN truth t USING (child_key) GROUP BY 1 ORDER BY 5 DESC
        """
    ).fetchall():
        print(f"  {reason:<54} quantized {q:>6,}  finetune {f:>5,}  adapter {a:>4,}  (all models {total:,})")
    unlabelled = con.execute(
        "SELECT count(*) FROM inferred WHERE child_key NOT IN (SELECT lower(id) FROM rows WHERE len(parents) > 0)"
    ).fetchone()[0]
    print(f"\nparents inferred for models that declare none (the hidden lineage itself): {unlabelled:,}")
    if args.examples:
        for label in ("quantized", "finetune", "adapter"):
            print(f"\nwrong answers, {label}:")
            for child, truth, guess, step in con.execute(
                "SELECT child_key, truth, guess, decided_by FROM scored WHERE label = ? AND answered AND NOT correct "
                "ORDER BY hash(child_key) LIMIT 200", [label]
            ).fetchall()[: args.examples]:
                print(f"  {child}: declared {truth}, inferred {guess} ({step})")


if __name__ == "__main__":
    main()
