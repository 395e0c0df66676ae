"""CCf and copyleft-style-dropped re-derived in plain Python from the raw sample (no
licensegraph code: sample_facts reads the file and states the license facts by hand), in
both views, against the audited sample store: the population, the noncompliant models and
the models left out."""

from __future__ import annotations

import pytest

from sample_facts import FREE, UNDECIDED, adds_restrictions, sample_models, travelling_restrictions

MERGE_TAGS = {"mergekit", "merge", "model-merge", "frankenmerge"}
MERGE_TOKENS = {"slerp", "ties", "dare", "della", "frankenmerge", "merge", "merged", "passthrough"}


@pytest.fixture(scope="module")
def models():
    return sample_models()


def _license(models, key):
    """A model's carried license; None for a parent outside the sample (absent)."""
    return models[key]["license"] if key in models else "absent"


def _ancestors(models, key) -> set[str]:
    seen, todo = set(), list(models[key]["parents"])
    while todo:
        p = todo.pop()
        if p in seen or p == key:
            continue
        seen.add(p)
        if p in models:
            todo.extend(models[p]["parents"])
    return seen


def _is_merge(m) -> bool:
    import re

    tokens = set(re.split(r"[-_.]", m["id"].split("/")[-1].lower()))
    return (len(m["parents"]) > 1 or bool(MERGE_TAGS & {t.lower() for t in m["tags"]})
            or bool(MERGE_TOKENS & tokens))


def _upstream(models, key, view) -> set[str]:
    return set(models[key]["parents"]) if view == "local" else _ancestors(models, key)


def _closure(models, key, view) -> set[str]:
    """The licenses a parent brings into a merge: its own, and (effective) its ancestors'."""
    keys = {key} | (_ancestors(models, key) if view == "effective" and key in models else set())
    return {_license(models, k) for k in keys}


def _derive(models, view, qualifies, violates, extra=lambda key: False):
    """population, noncompliant and left-out sets, the way the rules define them: among
    derivatives, those with an upstream license u where qualifies(u) form the population;
    they are left out when their own license is undecidable; others are left out when an
    upstream license is undecidable (it might qualify)."""
    population, bad, left_out = set(), set(), set()
    for key, m in models.items():
        if not m["parents"]:
            continue
        up = [_license(models, p) for p in _upstream(models, key, view)]
        own = m["license"]
        if any(qualifies(u) for u in up):
            if own in UNDECIDED and not extra(key):
                left_out.add(key)
                continue
            population.add(key)
            if any(qualifies(u) and violates(own, u) for u in up) or extra(key):
                bad.add(key)
        elif any(u in UNDECIDED or u == "absent" for u in up):
            left_out.add(key)
    return population, bad, left_out


def _table(store, label, view):
    qualifying, noncompliant = store.execute(
        "SELECT coalesce(sum(qualifying), 0), coalesce(sum(noncompliant), 0) FROM rule_counts "
        "WHERE label = ? AND view = ?", [label, view]).fetchone()
    found = {r[0] for r in store.execute(
        "SELECT model_key FROM findings WHERE label = ? AND view = ?", [label, view]).fetchall()}
    return qualifying, noncompliant, found


@pytest.mark.parametrize("view", ["local", "effective"])
def test_copyleft_style_dropped_rederived(sample_store, models, view):
    population, bad, _ = _derive(
        models, view,
        qualifies=lambda u: bool(travelling_restrictions(u)),
        violates=lambda own, u: not travelling_restrictions(u) <= travelling_restrictions(own),
    )
    qualifying, noncompliant, found = _table(sample_store, "Copyleft-style Terms", view)
    assert (qualifying, noncompliant) == (len(population), len(bad))
    assert found == bad
    # the Janus-Pro-7B derivatives (DeepSeek license named beside `license: mit`) are among them
    assert "alvarose/snchezzz" in bad and len(bad) > 100


@pytest.mark.parametrize("view", ["local", "effective"])
def test_cc_freedom_conflict_rederived(sample_store, models, view):
    def co_parent_conflict(key) -> bool:
        m = models[key]
        if not _is_merge(m):
            return False
        parents = [p for p in m["parents"] if p != key]
        for a in parents:
            side = _closure(models, a, view)
            for b in parents:
                if b == a:
                    continue
                new = _closure(models, b, view) - side
                if any(FREE.get(u) == "cc" and adds_restrictions(r, u) for u in side for r in new):
                    return True
        return False

    population, bad, _ = _derive(
        models, view,
        qualifies=lambda u: FREE.get(u) == "cc",
        violates=lambda own, u: adds_restrictions(own, u),
        extra=co_parent_conflict,
    )
    qualifying, noncompliant, found = _table(sample_store, "CCf", view)
    assert (qualifying, noncompliant) == (len(population), len(bad))
    assert found == bad
    # RoGemma-7b-Instruct-DPO holds CC work with Gemma above it and adds nothing
    assert "openllm-ro/rogemma-7b-instruct-dpo" in population and "openllm-ro/rogemma-7b-instruct-dpo" not in bad
