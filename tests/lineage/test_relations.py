"""The re-upload test of relations.py (`same_name_sql`), on hand-made names."""

from __future__ import annotations

import duckdb
import pytest

from licensegraph.lineage.relations import bare_name_sql, same_name_sql


@pytest.mark.parametrize(("child", "parent", "same"), [
    ("someone/llama-7b-fp16-hf", "meta/llama-7b", True),      # adjacent re-upload tokens both dropped
    ("someone/Llama_7B.bf16", "meta/llama-7b", True),         # any separator, any case
    ("someone/meta-llama-7b", "meta/llama-7b", True),         # the parent's owner and name
    ("someone/llama-7b-sft", "meta/llama-7b", False),         # a training token is not a re-upload
    ("someone/llama-7b", "llama-7b", True),                   # a parent without an owner
    ("someone/fp16", "other/hf", False),                      # nothing left of the name
    ("someone/refp16", "meta/re", False),                     # tokens are whole tokens only
    ("someone/re-re-llama", "meta/llama", True),
])
def test_a_repo_name_repeating_its_parents_is_a_re_upload(child, parent, same):
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {same_name_sql('c', 'pn', 'po')} FROM (SELECT "
        f"{bare_name_sql('split_part($child, chr(47), -1)')} AS c, {bare_name_sql('split_part($parent, chr(47), -1)')} AS pn, "
        f"{bare_name_sql('left($parent, length($parent) - length(split_part($parent, chr(47), -1)))')} AS po)",
        {"child": child, "parent": parent}).fetchone()
    assert got == (same,)
