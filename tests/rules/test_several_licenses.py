"""A card that lists several licenses: the model carries all of them."""

from __future__ import annotations

from conftest import record, write_jsonl
from licensegraph.api.ingest import ingest
from licensegraph.rules.engine import run_audit


def test_every_listed_license_travels_downstream(store, tmp_path):
    parent = record("org/base", card={"license": ["mit", "cc-by-nc-4.0"]})
    child = record("org/child", card={"license": "apache-2.0", "base_model": "org/base"})
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", [parent, child])])
    assert store.execute("SELECT license, licenses FROM model_licenses WHERE id = 'org/base'").fetchone() == (
        "cc-by-nc-4.0", ["mit", "cc-by-nc-4.0"])  # judged under the most restrictive entry
    run_audit(store)
    found = store.execute(
        "SELECT model_id, ancestor_id, ancestor_license FROM finding_rows WHERE rule_id = 'nc-dropped'").fetchall()
    assert ("org/child", "org/base", "cc-by-nc-4.0") in found


def test_a_second_entry_is_not_lost_behind_a_permissive_first(store, tmp_path):
    # the permissive entry first: the non-commercial one still binds the derivative
    parent = record("org/base", card={"license": ["apache-2.0", "cc-by-nc-4.0"]})
    child = record("org/child", card={"license": "mit", "base_model": "org/base"})
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", [parent, child])])
    run_audit(store)
    assert store.execute("SELECT count(*) FROM finding_rows WHERE rule_id = 'nc-dropped' "
                         "AND model_id = 'org/child'").fetchone()[0] >= 1


def test_a_model_listing_the_parents_non_commercial_license_keeps_it(store, tmp_path):
    parent = record("org/base", card={"license": "cc-by-nc-4.0"})
    child = record("org/child", card={"license": ["mit", "cc-by-nc-4.0"], "base_model": "org/base"})
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", [parent, child])])
    run_audit(store)
    assert store.execute("SELECT count(*) FROM finding_rows WHERE rule_id = 'nc-dropped' "
                         "AND model_id = 'org/child'").fetchone()[0] == 0


def test_a_duty_of_a_second_listed_license_names_that_license(store, tmp_path):
    # judged under cc-by-nc-4.0 (the most restrictive), the GPL entry still binds the child
    parent = record("org/base", card={"license": ["cc-by-nc-4.0", "gpl-3.0"]})
    child = record("org/child", card={"license": "cc-by-nc-4.0", "base_model": "org/base"})
    ingest(store, [write_jsonl(tmp_path / "m.jsonl", [parent, child])])
    run_audit(store)
    assert store.execute("SELECT license FROM model_licenses WHERE id = 'org/base'").fetchone()[0] == "cc-by-nc-4.0"
    found = store.execute("SELECT DISTINCT ancestor_id, ancestor_license FROM finding_rows "
                          "WHERE rule_id = 'copyleft-violation' AND model_id = 'org/child'").fetchall()
    assert found == [("org/base", "gpl-3.0")]
