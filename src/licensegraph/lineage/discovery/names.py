"""Parents from repo names: quantization and conversion suffixes, mirror owners, siblings.

A quantizer names its repo after the model it quantized and appends the format
(`Llama-2-7B-Chat-GGUF`, `Qwen2.5-7B-Instruct-Q4_K_M-GGUF`, `...-6.5bpw-exl2`,
`mlx-community/...-4bit`, `RichardErkhov/owner_-_name-4bits`). Stripping those trailing
tokens one at a time gives stems. The decision, in order:

1. Siblings: other repos of the same account named like this one up to format tokens
   (`X-Q8_0-GGUF` beside `X-Q4_K_M-GGUF`) that declare a parent: one parent among them is
   the answer; several are refused (they disagree).
2. Otherwise a known model whose normalized name equals a stem is a candidate; the longest
   stem with a candidate wins. Among several: the owner the name spells out, then dropping
   candidates created after the child, then originals over mirror accounts' copies, then
   clear popularity (how many others declare it). Anything still ambiguous is refused.
3. A name's answer is withheld (refused, with the reason) when the evidence is weak: a
   full-precision export beside the same account's model, a name saying it was made with
   Unsloth, a candidate that is itself a derivative converted outside the GGUF tools (the
   converter copied its card, naming its base), or an account whose other names disagree
   with its cards.

A wrong parent is worse than none: rules would judge the model against a stranger's
license. Each rule's precision on the real lineage file is printed by bench/discovery.py.

Everything runs as DuckDB SQL over whole tables (hundreds of thousands of ids at once);
`infer_names` wraps the same SQL for a handful of ids (tests, `check`, the crawler).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from licensegraph.lineage.discovery.evidence import ParentEvidence

# One trailing token (or a fixed multi-token group) a quantizer appends. Names are
# normalized first: lower case, runs of `-`, `_` and spaces as one `-`.
QUANT_TOKENS = (
    r"gguf|ggml|gptq|awq|exl2|exl3|hqq|aqlm|bnb|nf4|int4|int8|int3|fp8|fp4|nvfp4|mxfp4|w4a16|w8a8|w4a8|w8a16"
    r"|marlin|quantized|quantised|quant|quants|quantization|imat|imatrix|i1|iq|dwq|act-order|asym|sym"
    r"|llamafile|unsloth|dynamic|autoround|autogptq|autoawq|gptqv2|compressed-tensors|gs[0-9]+|g[0-9]+|[0-9]+g"
    r"|cq|ao|int4wo|int8wo|8da4w|smashed|lnq|squeezellm|qtip|guidedquant|[2-8]-k-[sml]|ud|ik|uqff|df11|sharded"
    r"|tp[0-9]+|npu|lmhead|uint[0-9]*|float8|vgemm|bpw[0-9.]+|q[2-8]-xs|iq[1-4]-xxs|q[2-8]-k-xl|gptqmodel|tfjs|bpu"
    r"|w[0-9]a[0-9]+(?:g[0-9]+)?(?:a?sym)?"
    r"|q[2-8]-k-[sml]|q[2-8]-k|q[2-8]-[01]|q[2-8]k|iq[1-4]-[a-z]+|iq[1-4]|q[2-8]|q[2-8]f16-[0-9]"
    r"|[1-8]-bits?|[1-8]bits?|[0-9]+(?:\.[0-9]+)?-?bpw|h[0-9]|hb[0-9]|[0-9]+(?:\.[0-9]+)?bit|[0-9]+-[0-9]+bits?"
    r"|mixed-[0-9.]+-[0-9.]+bit"
)
# Conversions: the same weights in another container or precision.
CONVERSION_TOKENS = r"hf|fp16|bf16|f16|fp32|f32|16bit|32bit|onnx|openvino|ov|mlx|ct2|mlc|safetensors|coreml"
TOKEN_SQL = f"(?:{QUANT_TOKENS}|{CONVERSION_TOKENS})"
_TRAILING = f"[-.]({TOKEN_SQL})$"
_QUANT_ONLY = f"^(?:{QUANT_TOKENS})$"
_CONVERSION_TAIL = f"(?:[-.](?:{CONVERSION_TOKENS}))+$"
# A name that is itself a quantization (a quant token, then only format tokens): never a parent.
_QUANT_TAIL = f"[-.](?:{QUANT_TOKENS})(?:[-.]{TOKEN_SQL})*$"

# Accounts that republish other people's models under the same name (with or without a
# format suffix): their repos are copies, never the original.
MIRROR_OWNERS = (
    "thebloke", "bartowski", "mradermacher", "quantfactory", "mlx-community", "richarderkhov",
    "lmstudio-community", "second-state", "maziyarpanahi", "nikolaykozloff", "devquasar",
    "tensorblock", "lewdiculous", "lonestriker", "turboderp", "solidrust", "modelcloud",
    "gaianet", "featherless-ai-quants", "unsloth", "legraphista", "casperhansen",
    "neuralmagic", "redhatai", "nm-testing", "onnx-community", "xenova", "triangle104",
    "duyntnet", "noctrex", "dranger003", "pruna-ai", "brittlewis12", "mungert", "matrixportal",
    "cortexso", "qwen-community", "mlx-community-staging", "bullerwins", "gaianet",
)
MAX_STRIPS = 6
# GGUF/GGML files: the formats whose tools (llama.cpp's converters, GGUF-my-repo, the big
# quantizing accounts) write the repo they quantized as the card's base_model.
_GGUF_FAMILY = "[-.](?:gguf|ggml)(?:[-.]|$)"
# A suffix that only says "full precision" (`-16bit`, `-fp16`, `-hf`): beside the same
# account's `X` it is the merged export of a LoRA/4-bit training run (Unsloth's
# `save_pretrained_merged` names it so), made from X's base, not a conversion of X.
_FULL_PRECISION = "^(?:[-.](?:hf|fp16|bf16|f16|fp32|f32|16bit|32bit|safetensors))+$"
# `unsloth` in the name of another account's repo: trained with Unsloth from Unsloth's
# upload (its notebooks save under the base's name); the stem names the original, which
# is not the parent the card declares.
_UNSLOTH_TOKEN = "[-_.]unsloth(?:[-_.]|$)"
# An account whose names agree with its cards for fewer than 1 in 3 of at least 3 judged
# models gives no name evidence (see _account_habit).
HABIT_MIN_JUDGED = 3
HABIT_MIN_SHARE_INV = 3


def normalize_name_sql(expr: str) -> str:
    """SQL: a repo name (or owner) -> the form names are compared in."""
    return f"regexp_replace(lower(trim({expr})), '[-_ ]+', '-', 'g')"


# Confidence per deciding step: its precision on quantized children in
# bench/discovery.py (the real lineage file, parents masked), rounded down.
CONFIDENCE = {
    "owner in name": 0.95,
    "unique": 0.95,
    "siblings": 0.95,
    "only original": 0.95,
    "popularity": 0.9,
}
# Key kinds a stem can match, strongest first: `owner-name` spelled out in the child's
# name (tensorblock/deepseek-ai_deepseek-coder-1.3b-base-GGUF), the name itself, the name
# without a conversion tail (meta-llama/Llama-2-7b-chat-hf is also `llama-2-7b-chat`).
_KEY_KINDS = ("full", "name", "alias")


def _stems_sql(con: duckdb.DuckDBPyConnection, source: str, out: str) -> None:
    """Temp table `out` (model_key, id, created, target, owner, level, stem, stripped): a model's
    normalized name (level 0) and the stems left by stripping one trailing format token
    per level, with the tokens stripped so far."""
    name = normalize_name_sql("split_part(id, '/', -1)")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}_0 AS
        SELECT model_key, id, created, target, lower(split_part(id, '/', 1)) AS owner,
               0 AS level, {name} AS stem, '' AS stripped
        FROM ({source})
        """
    )
    union = [f"SELECT * FROM {out}_0"]
    for level in range(1, MAX_STRIPS + 1):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {out}_{level} AS
            SELECT model_key, id, created, target, owner, {level} AS level,
                   regexp_replace(stem, '{_TRAILING}', '') AS stem,
                   regexp_extract(stem, '{_TRAILING}', 0) || stripped AS stripped
            FROM {out}_{level - 1}
            WHERE regexp_matches(stem, '{_TRAILING}') AND length(regexp_replace(stem, '{_TRAILING}', '')) >= 2
            """
        )
        union.append(f"SELECT * FROM {out}_{level}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS {' UNION ALL '.join(union)}")
    for level in range(MAX_STRIPS + 1):
        con.execute(f"DROP TABLE {out}_{level}")


def infer_parents_sql(con: duckdb.DuckDBPyConnection, children: str, known: str, declared: str | None = None,
                      out: str = "name_inferences", keep_work: bool = False) -> None:
    """Create temp table `out` of inferred parents, one row per child that got one.

    `children`: a table or view with columns (model_key, id, created TIMESTAMPTZ or NULL).
    `known`: (model_key, id, created, popularity BIGINT or NULL): every model a parent may
    be; NULL `created` means unknown (never counted as newer than a child).
    `declared`: optional (child_key, parent_key) edges that models declare: a candidate's
    popularity (how many declare it), the siblings' parents, the account's habit and
    whether a candidate is itself a derivative come from them, always leaving out the
    child being decided (so a benchmark that masks a child's own edge cannot see it).
    Output columns: child_key, child_id, parent_key, parent_id, relation ('quantization'
    or 'conversion'), stem, stripped (the suffix removed), matched ('full', 'name',
    'alias' or 'siblings'), decided_by, candidates (for siblings: how many declare),
    confidence, pattern (the evidence in words). Children refused go to `{out}_refused`
    (child_key, child_id, stem, candidates, candidate_ids, reason)."""
    mirrors = "[" + ", ".join(f"'{o}'" for o in MIRROR_OWNERS) + "]"
    con.execute("CREATE OR REPLACE TEMP TABLE _nm_no_edges (child_key VARCHAR, parent_key VARCHAR)")
    edges = declared or "_nm_no_edges"
    con.execute("CREATE OR REPLACE TEMP TABLE _nm_known_ids AS SELECT model_key, any_value(id) AS id, "
                f"min(created) AS created FROM {known} WHERE id IS NOT NULL GROUP BY model_key")
    _stems_sql(con, f"SELECT model_key, id, created, true AS target FROM {children} WHERE id IS NOT NULL",
               "_nm_stems_t")
    # The accounts whose other models matter: those of a child with a stem that can meet a
    # candidate (a stripped suffix, or a mirror account's bare name). Their models that declare
    # a parent (not answered) are the siblings' and the account's evidence below; no other
    # account's models are read by any step, and at Hub scale they are most of the subjects.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_owners AS
        SELECT DISTINCT owner FROM _nm_stems_t WHERE level > 0 OR list_contains({mirrors}, owner)
        """
    )
    _stems_sql(
        con,
        f"""
        SELECT d.child_key AS model_key, coalesce(k.id, d.child_key) AS id, k.created, false AS target
        FROM (SELECT DISTINCT child_key FROM {edges}) d LEFT JOIN _nm_known_ids k ON k.model_key = d.child_key
        WHERE d.child_key NOT IN (SELECT model_key FROM {children})
          AND split_part(d.child_key, '/', 1) IN (SELECT owner FROM _nm_owners)
        """,
        "_nm_stems_n",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_stems AS
        SELECT s.*, list_contains({mirrors}, s.owner) AS mirror_owner
        FROM (SELECT * FROM _nm_stems_t UNION ALL SELECT * FROM _nm_stems_n) s
        """
    )
    con.execute("DROP TABLE _nm_stems_t")
    con.execute("DROP TABLE _nm_stems_n")
    # A known model's keys, only for the models that can match a stem a candidate is looked
    # up for: first by the key's skeleton (lower case, no `-`, `_` or space: equal keys have
    # equal skeletons, and it needs no regular expression), so that only those few models
    # are normalized and tested for a quantization tail.
    def skeleton(expr: str) -> str:  # three replaces cost less than one translate (2M names: 0.6 vs 1.0 s)
        return f"replace(replace(replace(lower({expr}), '-', ''), '_', ''), ' ', '')"

    skel_name, skel_owner = skeleton("split_part(id, '/', -1)"), skeleton("split_part(id, '/', 1)")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_probe_skeletons AS
        SELECT DISTINCT replace(stem, '-', '') AS skeleton FROM _nm_stems WHERE level > 0 OR mirror_owner
        """
    )
    kname = normalize_name_sql("split_part(id, '/', -1)")
    kowner = normalize_name_sql("split_part(id, '/', 1)")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_known AS
        WITH sk AS MATERIALIZED (
          SELECT model_key, id, created, popularity, {skel_name} AS sname,
                 CASE WHEN contains(id, '/') THEN {skel_owner} END AS sowner
          FROM {known} WHERE id IS NOT NULL
        ),
        hit AS (
          SELECT model_key, id, created, popularity, 'name' AS kind, '' AS sep FROM sk
          WHERE sname IN (SELECT skeleton FROM _nm_probe_skeletons)
          UNION ALL
          SELECT model_key, id, created, popularity, 'full', '-' FROM sk
          WHERE sowner || sname IN (SELECT skeleton FROM _nm_probe_skeletons)
          UNION ALL
          SELECT model_key, id, created, popularity, 'full', '.' FROM sk
          WHERE sowner || '.' || sname IN (SELECT skeleton FROM _nm_probe_skeletons)
        ),
        k AS (
          SELECT model_key, id, created, coalesce(popularity, 0) AS popularity, kind, sep,
                 lower(split_part(id, '/', 1)) AS owner, {kname} AS name, {kowner} AS nowner,
                 list_contains({mirrors}, lower(split_part(id, '/', 1))) AS mirror_owner
          FROM hit
        )
        SELECT model_key, id, created, popularity, owner, mirror_owner,
               CASE WHEN kind = 'name' THEN name ELSE nowner || sep || name END AS key, kind
        FROM k WHERE NOT regexp_matches(name, '{_QUANT_TAIL}')
        """
    )
    con.execute("DROP TABLE _nm_probe_skeletons")
    if declared:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _nm_declared_children AS
            SELECT parent_key, count(DISTINCT child_key) AS n FROM {declared} GROUP BY parent_key
            """
        )
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _nm_declared_children (parent_key VARCHAR, n BIGINT)")
    kind_rank = "CASE k.kind " + " ".join(f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(_KEY_KINDS)) + " END"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_cands AS
        SELECT s.model_key AS child_key, s.id AS child_id, s.target, s.owner AS child_owner,
               s.mirror_owner AS child_mirror, s.level, s.stem, s.stripped, k.kind AS matched, {kind_rank} AS kind_rank,
               k.model_key AS parent_key, k.id AS parent_id, k.owner AS parent_owner, k.created AS parent_created,
               k.popularity, k.mirror_owner AS parent_mirror
        FROM _nm_stems s JOIN _nm_known k ON k.key = s.stem
        WHERE k.model_key <> s.model_key
          AND (s.level > 0 OR (s.mirror_owner AND NOT k.mirror_owner AND k.kind <> 'alias'))
          -- a parent is older than its child: drop candidates known to be newer
          AND NOT coalesce(k.created > s.created, false)
        """
    )
    # The longest stem with a candidate wins, then the strongest kind of key; a (child, parent)
    # pair stays when its strongest key is of that kind, one row per pair. Grouped minima, not
    # window ranks over every candidate: the candidates of 2M models are 1.7M rows.
    # A candidate's popularity leaves out the child's own declared edge to it.
    own_edge = (f"LEFT JOIN (SELECT DISTINCT child_key, parent_key FROM {declared}) d "
                "ON d.child_key = c.child_key AND d.parent_key = c.parent_key"
                if declared else "LEFT JOIN _nm_no_edges d ON false")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_best AS
        WITH best AS (SELECT child_key, min(level * {len(_KEY_KINDS)} + kind_rank) AS rank
                      FROM _nm_cands GROUP BY child_key),
             pair AS (SELECT child_key, parent_key, min(kind_rank) AS kind_rank
                      FROM _nm_cands GROUP BY child_key, parent_key),
             kept AS (
               SELECT c.* FROM _nm_cands c
               JOIN best b ON b.child_key = c.child_key AND c.level * {len(_KEY_KINDS)} + c.kind_rank = b.rank
               JOIN pair q ON q.child_key = c.child_key AND q.parent_key = c.parent_key AND q.kind_rank = c.kind_rank
               QUALIFY row_number() OVER (PARTITION BY c.child_key, c.parent_key) = 1)
        SELECT c.* REPLACE (c.popularity + coalesce(dc.n, 0) - CASE WHEN d.child_key IS NULL THEN 0 ELSE 1 END
                            AS popularity)
        FROM kept c LEFT JOIN _nm_declared_children dc USING (parent_key)
        {own_edge}
        """
    )
    # Originals first: when some candidates are not mirror accounts, only they compete.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_ranked AS
        SELECT *,
               count(*) OVER w AS n,
               count(*) FILTER (WHERE parent_owner = child_owner) OVER w AS n_same,
               count(*) FILTER (WHERE NOT parent_mirror) OVER w AS n_orig,
               row_number() OVER (PARTITION BY child_key ORDER BY (NOT parent_mirror) DESC, popularity DESC, parent_key) AS pop_rank
        FROM _nm_best
        WINDOW w AS (PARTITION BY child_key)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_second AS
        SELECT child_key,
               -- clearly the most popular of its group: at least twice the runner-up, and 10 more
               coalesce(max(popularity) FILTER (WHERE pop_rank = 1) >= 2 * coalesce(max(popularity) FILTER (
                          WHERE pop_rank = 2 AND (NOT parent_mirror OR n_orig = 0)), 0) + 10, false) AS pop_dominant
        FROM _nm_ranked GROUP BY child_key
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_decided AS
        SELECT r.*,
               CASE
                 WHEN n = 1 AND matched = 'full' THEN 'owner in name'
                 WHEN n = 1 THEN 'unique'
                 WHEN n_orig = 1 THEN CASE WHEN NOT parent_mirror THEN 'only original' END
                 WHEN s.pop_dominant THEN CASE WHEN pop_rank = 1 THEN 'popularity' END
               END AS decided_by
        FROM _nm_ranked r JOIN _nm_second s USING (child_key)
        """
    )
    _sibling_evidence(con, edges)
    _account_habit(con, edges)
    same_owner = "split_part({c}.child_key, '/', 1) = split_part({c}.parent_key, '/', 1)"
    # Why an answer is withheld, first reason wins (each is explained at its constant).
    refusal = f"""CASE
        WHEN {same_owner.format(c='n')} AND regexp_matches(n.stripped, '{_FULL_PRECISION}')
          THEN 'full-precision export beside the same account''s model'
        WHEN n.matched = 'siblings' THEN NULL
        WHEN regexp_matches(split_part(n.child_key, '/', 2), '{_UNSLOTH_TOKEN}') AND split_part(n.child_key, '/', 1) <> 'unsloth'
          THEN 'made with unsloth from unsloth''s copy'
        WHEN NOT regexp_matches(n.stripped, '{_GGUF_FAMILY}')
             AND EXISTS (SELECT 1 FROM {edges} d WHERE d.child_key = n.parent_key)
          THEN 'candidate is a derivative'
        WHEN h.judged - coalesce(hm.judged, 0) >= {HABIT_MIN_JUDGED}
             AND (h.agreed - coalesce(hm.agreed, 0)) * {HABIT_MIN_SHARE_INV} < h.judged - coalesce(hm.judged, 0)
          THEN 'the account''s names disagree with its cards'
      END"""
    # One proposal per child: the siblings' unanimous parent, else the name's decision.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_proposals AS
        WITH p AS (
          SELECT s.child_key, s.child_id, s.parents[1] AS parent_key, coalesce(k.id, s.parents[1]) AS parent_id,
                 s.stem, s.stripped, 'siblings' AS matched, 'siblings' AS decided_by,
                 len(s.sib_ids) AS candidates, s.sib_ids
          FROM _nm_sib s LEFT JOIN _nm_known_ids k ON k.model_key = s.parents[1]
          WHERE len(s.parents) = 1
          UNION ALL
          SELECT child_key, child_id, parent_key, parent_id, stem, stripped, matched, decided_by, n, NULL
          FROM _nm_decided
          WHERE target AND decided_by IS NOT NULL AND child_key NOT IN (SELECT child_key FROM _nm_sib)
        )
        SELECT n.*, {refusal} AS refusal
        FROM p n LEFT JOIN _nm_habit h ON h.owner = split_part(n.child_key, '/', 1)
        LEFT JOIN _nm_habit_models hm ON hm.model_key = n.child_key
        """
    )
    conf = "CASE decided_by " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in CONFIDENCE.items()) + " END"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT child_key, child_id, parent_key, parent_id,
               CASE WHEN regexp_matches(stripped, '[-.](?:{QUANT_TOKENS})(?:[-.]|$)') OR stripped = ''
                    THEN 'quantization' ELSE 'conversion' END AS relation,
               stem, stripped, matched, decided_by, candidates, ({conf})::DOUBLE AS confidence,
               'suffix ' || CASE WHEN stripped = '' THEN '(none: mirror account)' ELSE stripped END || ' stripped; '
               || CASE WHEN matched = 'siblings'
                       THEN candidates || ' model' || CASE WHEN candidates > 1 THEN 's' ELSE '' END
                            || ' of the same account named ' || chr(39) || stem || chr(39) || ' plus a format suffix ('
                            || array_to_string(sib_ids[1:3], ', ') || CASE WHEN candidates > 3 THEN ', ...' ELSE '' END
                            || ') declare ' || parent_id
                       WHEN matched = 'full' THEN 'owner and name spelled out in the name ' || chr(39) || stem || chr(39)
                       ELSE 'known model named ' || chr(39) || stem || chr(39) END
               || CASE WHEN matched <> 'siblings' AND candidates > 1
                       THEN '; ' || decided_by || ' among ' || candidates || ' candidates' ELSE '' END AS pattern
        FROM _nm_proposals WHERE refusal IS NULL
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}_refused AS
        SELECT child_key, any_value(child_id) AS child_id, any_value(stem) AS stem, count(*) AS candidates,
               list(parent_id ORDER BY popularity DESC, parent_id)[1:5] AS candidate_ids,
               'ambiguous name' AS reason
        FROM _nm_decided WHERE target AND child_key NOT IN (SELECT child_key FROM _nm_sib)
        GROUP BY child_key HAVING count(decided_by) = 0
        UNION ALL
        SELECT s.child_key, any_value(s.child_id), any_value(s.stem), count(*),
               list(coalesce(k.id, s.parent_key) ORDER BY s.parent_key)[1:5], 'siblings disagree'
        FROM (SELECT child_key, child_id, stem, unnest(parents) AS parent_key FROM _nm_sib WHERE len(parents) > 1) s
        LEFT JOIN _nm_known_ids k ON k.model_key = s.parent_key
        GROUP BY s.child_key
        UNION ALL
        SELECT child_key, child_id, stem, 1, [parent_id], refusal FROM _nm_proposals WHERE refusal IS NOT NULL
        """
    )
    for table in () if keep_work else ("_nm_stems", "_nm_known", "_nm_cands", "_nm_best", "_nm_ranked",
                                       "_nm_second", "_nm_decided", "_nm_declared_children", "_nm_sib",
                                       "_nm_known_ids", "_nm_proposals", "_nm_no_edges", "_nm_habit",
                                       "_nm_habit_models", "_nm_owners"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _sibling_evidence(con: duckdb.DuckDBPyConnection, edges: str) -> None:
    """Temp table `_nm_sib` (child_key, child_id, stem, stripped, parents, sib_ids): for each
    child, the parents that other models of the same account, named like it up to format
    tokens (`owner/X-Q8_0-GGUF` beside `owner/X-Q4_K_M-GGUF`, `owner/X-4bit` beside
    `owner/X-8bit`), declare, at the longest stem where any sibling declares one. A quantizer
    makes one model's set of files in one go, from one source, with one card: what the others
    declare is what this one's card would. A sibling's edge to the child itself (a
    quantization of it) does not count."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_sib AS
        WITH pairs AS (
          SELECT c.model_key AS child_key, c.id AS child_id, c.level, c.stem, c.stripped, s.id AS sib_id,
                 d.parent_key
          FROM _nm_stems c
          JOIN _nm_stems s ON s.owner = c.owner AND s.stem = c.stem AND s.level >= 1 AND s.model_key <> c.model_key
          JOIN {edges} d ON d.child_key = s.model_key
          WHERE c.target AND c.level >= 1 AND d.parent_key <> c.model_key
          QUALIFY dense_rank() OVER (PARTITION BY c.model_key ORDER BY c.level) = 1
        )
        SELECT child_key, any_value(child_id) AS child_id, any_value(stem) AS stem, any_value(stripped) AS stripped,
               list(DISTINCT parent_key ORDER BY parent_key) AS parents, list(DISTINCT sib_id ORDER BY sib_id) AS sib_ids
        FROM pairs GROUP BY child_key
        """
    )


def _account_habit(con: duckdb.DuckDBPyConnection, edges: str) -> None:
    """Temp tables `_nm_habit` (owner, judged, agreed) and `_nm_habit_models` (model_key,
    owner, judged, agreed): over an account's models that declare a parent and whose name
    alone decides one, how many declare the parent the name decides. Accounts that copy the
    original's card into their quantizations (so the card names the original's base), or
    quantize from another copy than the name says, show it here; their names are then no
    evidence of what they would declare."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_habit_models AS
        SELECT n.child_key AS model_key, split_part(n.child_key, '/', 1) AS owner, 1 AS judged,
               max(CASE WHEN d.parent_key = n.parent_key THEN 1 ELSE 0 END) AS agreed
        FROM _nm_decided n JOIN {edges} d ON d.child_key = n.child_key
        WHERE n.decided_by IS NOT NULL
        GROUP BY n.child_key
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_habit AS
        SELECT owner, sum(judged) AS judged, sum(agreed) AS agreed FROM _nm_habit_models GROUP BY owner
        """
    )


def infer_names(model_ids: Iterable[str], known: Iterable[tuple[str, str | None, int | None]] | pa.Table,
                declared: Iterable[tuple[str, str]] | pa.Table = ()) -> dict[str, ParentEvidence]:
    """{child id: inferred parent}: name inference for a few ids against `known` (id, created ISO date or None,
    popularity or None) and `declared` (child id, parent id) edges, with the store's SQL.

    `known` and `declared` may also be Arrow tables with those columns (`id, created, popularity`;
    `child_key, parent_key`), e.g. read from a store in one query."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        ids = list(model_ids)
        con.register("_c", pa.table({"id": pa.array(ids, pa.string())}))
        if isinstance(known, pa.Table):
            con.register("_k", known)
        else:
            rows = list(known)
            con.register("_k", pa.table({
                "id": pa.array([r[0] for r in rows], pa.string()),
                "created": pa.array([r[1] for r in rows], pa.string()),
                "popularity": pa.array([r[2] for r in rows], pa.int64()),
            }))
        if isinstance(declared, pa.Table):
            con.register("_d", declared)
        else:
            edges = list(declared)
            con.register("_d", pa.table({"child_key": pa.array([c.lower() for c, _ in edges], pa.string()),
                                         "parent_key": pa.array([p.lower() for _, p in edges], pa.string())}))
        con.execute("CREATE TEMP VIEW _in_children AS SELECT lower(id) AS model_key, id, NULL::TIMESTAMPTZ AS created FROM _c")
        con.execute(
            """
            CREATE TEMP VIEW _in_known AS
            SELECT lower(id) AS model_key, id, created::TIMESTAMPTZ AS created, popularity FROM _k
            """
        )
        infer_parents_sql(con, "_in_children", "_in_known", declared="_d", out="_inferred")
        out = {}
        for child, parent, relation, stem, confidence, pattern in con.execute(
            "SELECT child_id, parent_id, relation, stem, confidence, pattern FROM _inferred ORDER BY child_key"
        ).fetchall():
            out[child] = ParentEvidence(parent, relation, "name", pattern, stem, confidence)
        return out
    finally:
        con.close()
