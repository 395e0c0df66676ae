"""Tests of the license knowledge base: the shipped data, its lookups, and the validator."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from licensegraph.licenses.kb import (
    DUTY_KINDS,
    WORK_KINDS,
    KnowledgeBase,
    KnowledgeBaseError,
    load_kb,
)

# The 83 ids of huggingface/hub-docs docs/hub/repositories-licenses.md (licenses.md §1.2),
# in the Hub's order. Hard-coded here on purpose: the test must not read the list from kb.py.
HUB_IDS = [
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0",
    "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
    "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl",
    "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research",
    "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by",
    "odbl", "openmdw-1.0", "openmdw-1.1", "openrail++", "osl-3.0", "postgresql", "ofl-1.1",
    "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license",
    "fair-noncommercial-research-license", "llama2", "llama3", "llama3.1", "llama3.2",
    "llama3.3", "llama4", "grok2-community", "gemma", "unknown", "other",
]
FAMILY_IDS = ["bsd", "cc", "gfdl", "gpl", "lgpl", "odbl", "odc-by", "openrail"]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


# --------------------------------------------------------------------------- shipped data


def test_shipped_kb_loads_and_is_cached(kb):
    assert isinstance(kb, KnowledgeBase)
    assert len(kb.licenses) >= 120
    assert load_kb() is kb
    # a custom directory is a fresh, uncached load
    assert load_kb(Path(kb.directory)) is not kb


def test_all_83_hub_ids_present_in_hub_order(kb):
    assert len(HUB_IDS) == 83 and len(set(HUB_IDS)) == 83
    for hub_id in HUB_IDS:
        assert hub_id in kb, hub_id
        assert kb.get(hub_id).hub_id is True, hub_id
    assert kb.hub_ids() == HUB_IDS
    flagged = sorted(lic.id for lic in kb.licenses.values() if lic.hub_id)
    assert flagged == sorted(HUB_IDS)


def test_special_and_retired_ids(kb):
    for special in ("none", "unknown", "other", "other-unresolved"):
        lic = kb.get(special)
        assert lic.work_kind == "none" and lic.is_special and not lic.duties
        assert lic.review, special
    assert not kb.get("none").hub_id and not kb.get("other-unresolved").hub_id
    assert kb.resolve_id("open-mdw") == "openmdw-1.0"
    assert kb.resolve_id("tii-falcon-llm") == "tii-falcon-llm-1.0"
    assert "open-mdw" in kb.get("openmdw-1.0").retired_hub_ids


def test_family_ids_resolve_to_a_concrete_strictest_member(kb):
    for fam in FAMILY_IDS:
        lic = kb.get(fam)
        assert lic.is_family and lic.review, fam
        eff = kb.effective(fam)
        assert eff.id == lic.strictest and not eff.is_family, fam
    assert kb.effective("cc").id == "cc-by-nc-nd-4.0"
    assert kb.effective("gpl").id == "gpl-2.0"
    assert kb.effective("mit").id == "mit"


def test_every_duty_is_well_formed(kb):
    for lic in kb.licenses.values():
        assert lic.work_kind in WORK_KINDS
        for duty in lic.duties:
            assert duty.kind in DUTY_KINDS
            assert duty.source.url.startswith("http"), (lic.id, duty.kind)
            assert duty.source.clause.strip(), (lic.id, duty.kind)
            assert duty.summary.strip(), (lic.id, duty.kind)
            if duty.kind == "use-restrictions":
                assert duty.tag in lic.carries, lic.id


def test_get_unknown_id_raises_keyerror_with_suggestion(kb):
    with pytest.raises(KeyError, match="apache-2.0"):
        kb.get("apache-2")
    assert "apache-2" not in kb


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("apache-2.0", "apache-2.0"),
        ("Apache 2.0", "apache-2.0"),
        ("apache_2.0", "apache-2.0"),
        ("CC-BY-NC-4.0", "cc-by-nc-4.0"),
        ("cc by nc sa 4.0", "cc-by-nc-sa-4.0"),
        ("cc-by-nc-sa", "cc-by-nc-sa-4.0"),
        ("llama3-community", "llama3"),
        ("Llama 3.1", "llama3.1"),
        ("LLAMA2", "llama2"),
        ("MIT", "mit"),
        ("  gpl_3.0 ", "gpl-3.0"),
        ("CreativeML OpenRAIL-M", "creativeml-openrail-m"),
        ("openrail++", "openrail++"),
        ("other", "other"),
        ("unknown", "unknown"),
    ],
)
def test_resolve_id_spellings(kb, raw, expected):
    assert kb.resolve_id(raw) == expected


@pytest.mark.parametrize("raw", ["darjyo", "", "   ", None, "llama5", "deepseek-model-license"])
def test_resolve_id_unknown_or_name_only(kb, raw):
    # `names` entries are license_name slugs: they resolve only through resolve_other
    assert kb.resolve_id(raw) is None


@pytest.mark.parametrize(
    ("name", "link", "expected"),
    [
        ("llama4", None, "llama4"),
        (None, "https://ai.google.dev/gemma/terms", "gemma"),
        ("exaone", "LICENSE", "exaone"),
        ("darjyo", None, None),
        (None, None, None),
        (None, "LICENSE", None),
        ("gemma-terms-of-use", None, "gemma"),
        ("tongyi-qianwen", None, "tongyi-qianwen"),
        ("tongyi-qianwen-research", "LICENSE", "tongyi-qianwen-research"),
        ("deepseek-license", None, "deepseek"),
        ("DeepSeek", None, "deepseek"),
        ("mnpl", None, "mnpl-0.1"),
        ("MRL", None, "mrl-0.1"),
        ("sai-nc-community", None, "stability-ai-nc-community"),
        ("stabilityai-ai-community", None, "stabilityai-ai-community"),
        ("flux-1-dev-non-commercial-license", "LICENSE.md", "flux-1-dev-non-commercial-license"),
        ("mg-by-nc-rai", None, "mg-by-nc-rai-2.0"),
        ("modelgo-by-nc-rai", None, "mg-by-nc-rai-2.0"),
        ("MG-BY-OS-1.0", None, "mg-by-os-1.0"),
        ("intel-research-use-license", None, "intel-research"),
        # the name wins; an unresolvable name falls back to the link
        ("my-own-terms", "https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/LICENSE", "llama3.1"),
        # the longest link match wins (the Intel repo name contains "llama-3.1-8b")
        (None, "https://huggingface.co/OpenVINO/Llama-3.1-8B-Instruct-FastDraft-150M-int8-ov/blob/main/LICENSE.md", "intel-research"),
        (None, "https://www.llama.com/llama3_2/license/", "llama3.2"),
        (None, "https://creativecommons.org/licenses/by-nc/4.0/", "cc-by-nc-4.0"),
        # placeholder names do not count as resolved
        ("other", None, None),
    ],
)
def test_resolve_other_real_cases(kb, name, link, expected):
    assert kb.resolve_other(name, link) == expected


def test_suggest_returns_close_ids(kb):
    assert kb.suggest("apache-2")[0] == "apache-2.0"
    assert "llama3" in kb.suggest("lama3")
    assert kb.suggest("") == []


# --------------------------------------------------------------------------- key facts


def test_llama2_bans_improving_other_llms_except_its_own_lineage(kb):
    lic = kb.get("llama2")
    (ban,) = lic.duties_of("no-improve-other-llm")
    assert ban.exempt == "llama2" == lic.lineage_tag
    assert ban.source.clause == "§1.b.v"
    assert "llama2" in lic.carries and lic.duties_of("use-restrictions")
    assert not lic.duties_of("name-prefix") and not lic.duties_of("display")


def test_llama3_naming_display_and_output_ban(kb):
    lic = kb.get("llama3")
    assert [d.text for d in lic.duties_of("name-prefix")] == ["Llama 3"]
    assert [d.text for d in lic.duties_of("display")] == ["Built with Meta Llama 3"]
    assert lic.duties_of("no-improve-other-llm")[0].exempt == "llama3"


@pytest.mark.parametrize("lid", ["llama3.1", "llama3.2", "llama3.3", "llama4"])
def test_later_llama_versions_rename_but_allow_outputs(kb, lid):
    lic = kb.get(lid)
    assert [d.text for d in lic.duties_of("name-prefix")] == ["Llama"]
    assert [d.text for d in lic.duties_of("display")] == ["Built with Llama"]
    assert lic.duties_of("no-improve-other-llm") == ()
    assert lic.duties_of("notice-file")[0].text.startswith(f"Llama {lid[5:]} is licensed")


def test_gemma_use_restrictions_and_notice(kb):
    lic = kb.get("gemma")
    assert lic.duties_of("use-restrictions")[0].tag == "gemma"
    (notice,) = lic.duties_of("notice-file")
    assert notice.text == (
        "Gemma is provided under and subject to the Gemma Terms of Use found at "
        "ai.google.dev/gemma/terms"
    )


def test_tongyi_qianwen_bans_improving_other_llms(kb):
    for lid in ("tongyi-qianwen", "tongyi-qianwen-research"):
        (ban,) = kb.get(lid).duties_of("no-improve-other-llm")
        assert ban.exempt == kb.get(lid).lineage_tag == "qwen"
    assert kb.get("tongyi-qianwen-research").non_commercial
    assert not kb.get("tongyi-qianwen").non_commercial


def test_cc_share_alike_accepts(kb):
    assert kb.get("cc-by-sa-4.0").share_alike.accepts == ("cc-by-sa-4.0", "gpl-3.0")
    assert set(kb.get("cc-by-sa-3.0").share_alike.accepts) == {"cc-by-sa-3.0", "cc-by-sa-4.0"}
    assert kb.get("cc-by-nc-sa-4.0").share_alike.accepts == ("cc-by-nc-sa-4.0",)
    for lid in ("cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0"):
        accepts = kb.get(lid).share_alike.accepts
        assert lid in accepts and all(a.startswith("cc-by-nc-sa-") for a in accepts)


def test_no_derivatives(kb):
    assert kb.get("cc-by-nd-4.0").derivatives == "private"
    assert kb.get("cc-by-nc-nd-4.0").derivatives == "private"
    assert kb.get("cc-by-nc-nd-3.0").derivatives == "none"
    assert kb.get("mg-by-nd-2.0").derivatives == "private"
    for lid in ("cc-by-nd-4.0", "cc-by-nc-nd-3.0", "mg-by-nc-nd-2.0"):
        assert kb.get(lid).no_derivatives and kb.get(lid).duties_of("no-derivatives")
    assert not kb.get("cc-by-4.0").no_derivatives


def test_cc_and_gnu_no_further_restrictions(kb):
    for code in ("by", "by-sa", "by-nc", "by-nc-sa"):
        for lid in [i for i in HUB_IDS if i.startswith(f"cc-{code}-") and i[len(code) + 4].isdigit()]:
            tags = [d.tag for d in kb.get(lid).duties_of("no-further-restrictions")]
            assert tags == ["cc"], lid
    for lid in ("gpl-2.0", "gpl-3.0", "agpl-3.0"):
        assert [d.tag for d in kb.get(lid).duties_of("no-further-restrictions")] == ["gnu"]
    assert not kb.get("cc-by-nd-4.0").duties_of("no-further-restrictions")
    assert not kb.get("apache-2.0").duties_of("no-further-restrictions")


def test_gpl_share_alike(kb):
    # §5(c) relicenses nothing; §13's AGPL-3.0 permission needs a second work (a combination)
    assert kb.get("gpl-3.0").share_alike.accepts == ("gpl-3.0",)
    assert [c.with_ for c in kb.get("gpl-3.0").combinations] == [("agpl-3.0",)]
    assert kb.get("gpl-3.0").combinations[0].source.clause == "§13"
    assert kb.get("gpl-2.0").share_alike.accepts == ("gpl-2.0",)
    assert kb.get("agpl-3.0").share_alike.accepts == ("agpl-3.0",)
    assert kb.relicense_targets("gpl-3.0") == {"gpl-3.0"}
    assert kb.reachable("gpl-3.0", frozenset({"agpl-3.0"})) == {"gpl-3.0", "agpl-3.0"}


@pytest.mark.parametrize(
    "lid",
    ["creativeml-openrail-m", "openrail++", "bigscience-openrail-m", "bigscience-bloom-rail-1.0",
     "bigcode-openrail-m", "openrail"],
)
def test_openrail_family_carries_its_restrictions(kb, lid):
    lic = kb.get(lid)
    assert "openrail-m" in lic.carries and lic.restricts_use
    if not lic.is_family:
        assert lic.duties_of("use-restrictions")[0].tag == "openrail-m"


def test_deepseek_and_bigcode_specifics(kb):
    ds = kb.get("deepseek")
    assert ds.carries == ("deepseek",)
    assert ds.duties_of("use-restrictions")[0].tag == "deepseek"
    assert kb.get("bigcode-openrail-m").duties_of("model-card")
    assert kb.resolve_other("deepseek", None) == "deepseek"
    assert kb.carriers("deepseek") == ("deepseek",)


@pytest.mark.parametrize(
    "lid",
    ["cc-by-nc-4.0", "fair-noncommercial-research-license", "deepfloyd-if-license", "apple-amlr",
     "qwen-research", "tongyi-qianwen-research", "mnpl-0.1", "mrl-0.1", "stability-ai-nc-community",
     "mg-by-nc-2.0", "mg-by-nc-rai-2.0", "mg-by-nc-nd-2.0", "flux-1-dev-non-commercial-license"],
)
def test_non_commercial_licenses(kb, lid):
    lic = kb.get(lid)
    assert lic.commercial is False and lic.non_commercial and lic.duties_of("non-commercial")


def test_fair_nc_and_stability_nc_share_alike_to_themselves(kb):
    for lid in ("fair-noncommercial-research-license", "stability-ai-nc-community"):
        assert kb.get(lid).share_alike.accepts == (lid,)


def test_permissive_licenses_have_no_copyleft(kb):
    for lid in ("mit", "apache-2.0", "bsd-3-clause", "isc", "zlib"):
        lic = kb.get(lid)
        assert lic.share_alike is None and not lic.restricts_use and lic.commercial
        assert {d.kind for d in lic.duties} <= {"attribution", "license-copy", "mark-changes", "incompatible-outbound"}
    assert kb.get("mit").share_alike is None


def test_modelgo_options_and_versions(kb):
    lic = kb.get("mg-by-nc-rai-2.0")
    assert lic.modelgo_options == frozenset({"BY", "NC", "RAI"}) and lic.modelgo_version == "2.0"
    assert "mg-rai" in lic.carries
    assert kb.get("mg0-2.0").modelgo_options == frozenset() and not kb.get("mg0-2.0").duties
    sa = kb.get("mg-by-sa-2.0")
    assert sa.share_alike.accepts == ("mg-by-sa-2.0",) and sa.duties_of("source-disclosure")
    assert kb.get("mg-by-os-1.0").modelgo_options == frozenset({"BY", "OS"})
    assert kb.get("mg-by-nc-os-1.0").share_alike.accepts == ("mg-by-nc-os-1.0",)
    mg = [lic for lic in kb.licenses.values() if lic.family == "modelgo"]
    assert {lic.modelgo_version for lic in mg} == {"1.0", "2.0"}


def test_license_mismatch_work_kinds(kb):
    assert kb.get("apache-2.0").work_kind == "software"
    assert kb.get("cc-by-4.0").work_kind == "content"
    assert kb.get("odbl-1.0").work_kind == "data"
    assert kb.get("llama2").work_kind == "model"
    assert kb.get("openrail").work_kind == "model"


# --------------------------------------------------------------------------- validation


def _license(lid: str = "demo-1.0", *, extra: str = "", duties: str = "") -> str:
    """One minimal valid [[license]] table, plus extra keys and duty tables."""
    body = f"""
    [[license]]
    id = "{lid}"
    name = "Demo License"
    family = "permissive"
    version = "1.0"
    date = ""
    work_kind = "software"
    hub_id = false
    spdx = ""
    commercial = true
    derivatives = "share"
    restricts_use = false
    field_of_use = false
    review = false
    note = "test entry"
    url = "https://example.org/demo"
    """
    return textwrap.dedent(body) + textwrap.dedent(extra) + textwrap.dedent(duties)


def _duty(kind: str = "attribution", *, source: str | None = None, extra: str = "") -> str:
    src = source if source is not None else 'source = { url = "https://example.org/demo", clause = "§1" }'
    return textwrap.dedent(
        f"""
        [[license.duty]]
        kind = "{kind}"
        {src}
        summary = "demo duty"
        """
    ) + textwrap.dedent(extra)


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_fixture_helper_builds_a_valid_kb(tmp_path):
    _write(tmp_path, "demo.toml", _license(duties=_duty()))
    kb = load_kb(tmp_path)
    assert list(kb.licenses) == ["demo-1.0"]
    assert kb.get("demo-1.0").file == "demo.toml"
    assert kb.hub_ids() == []


def test_error_unknown_duty_kind(tmp_path):
    _write(tmp_path, "permissive.toml", _license("mit", duties=_duty() + _duty("foo")))
    with pytest.raises(KnowledgeBaseError) as exc:
        load_kb(tmp_path)
    assert str(exc.value) == "permissive.toml: license 'mit': duty 2: unknown kind 'foo'"


def test_error_missing_source(tmp_path):
    _write(tmp_path, "demo.toml", _license(duties=_duty(source="")))
    with pytest.raises(KnowledgeBaseError, match=r"demo\.toml: license 'demo-1\.0': duty 1: missing key 'source'"):
        load_kb(tmp_path)


def test_error_empty_source_clause(tmp_path):
    bad = 'source = { url = "https://example.org", clause = " " }'
    _write(tmp_path, "demo.toml", _license(duties=_duty(source=bad)))
    with pytest.raises(KnowledgeBaseError, match=r"demo\.toml: license 'demo-1\.0': duty 1: source: key 'clause'"):
        load_kb(tmp_path)


def test_error_duplicate_alias_across_files(tmp_path):
    _write(tmp_path, "a.toml", _license("one-1.0", extra='aliases = ["shared name"]\n'))
    _write(tmp_path, "b.toml", _license("two-1.0", extra='names = ["Shared_Name"]\n'))
    with pytest.raises(KnowledgeBaseError) as exc:
        load_kb(tmp_path)
    msg = str(exc.value)
    assert msg.startswith("b.toml: license 'two-1.0': duplicate name 'Shared_Name'")
    assert "'one-1.0'" in msg and "a.toml" in msg


def test_error_duplicate_id_across_files(tmp_path):
    _write(tmp_path, "a.toml", _license("same-1.0"))
    _write(tmp_path, "b.toml", _license("same-1.0"))
    with pytest.raises(KnowledgeBaseError, match=r"b\.toml: license 'same-1\.0': duplicate id \(already defined in a\.toml\)"):
        load_kb(tmp_path)


def test_error_bad_accepts_reference(tmp_path):
    sa = _duty("share-alike", extra='accepts = ["demo-1.0", "no-such-license"]\n')
    _write(tmp_path, "demo.toml", _license(duties=sa))
    with pytest.raises(KnowledgeBaseError, match=r"demo\.toml: license 'demo-1\.0': duty 1: key 'accepts' references unknown license 'no-such-license'"):
        load_kb(tmp_path)


def test_error_toml_syntax(tmp_path):
    _write(tmp_path, "broken.toml", _license() + 'aliases = ["unterminated\n')
    with pytest.raises(KnowledgeBaseError, match=r"^broken\.toml: TOML syntax error"):
        load_kb(tmp_path)


@pytest.mark.parametrize(
    ("extra", "duties", "expected"),
    [
        ('colour = "blue"\n', "", "key 'colour'"),
        ('carries = ["x"]\n', _duty("use-restrictions", extra='tag = "y"\n'), "tag 'y' is not in the license's 'carries'"),
        ("", _duty("name-prefix"), "key 'text' is required for kind 'name-prefix'"),
        ("", _duty("no-further-restrictions", extra='tag = "bsd"\n'), "key 'tag' must be one of"),
        ("", _duty("no-improve-other-llm", extra='exempt = "nobody"\n'), "key 'exempt' 'nobody' is no license's lineage_tag"),
        ('is_family = true\nstrictest = "ghost"\n', "", "key 'strictest' references unknown license 'ghost'"),
        ('links = ["license"]\n', "", "too generic"),
        ("", _duty("non-commercial"), "key 'commercial' = true contradicts a non-commercial duty"),
        ("", _duty("attribution", extra="bogus = 1\n"), "duty 1: unknown key 'bogus'"),
    ],
)
def test_error_messages_name_file_and_key(tmp_path, extra, duties, expected):
    _write(tmp_path, "demo.toml", _license(extra=extra, duties=duties))
    with pytest.raises(KnowledgeBaseError) as exc:
        load_kb(tmp_path)
    assert str(exc.value).startswith("demo.toml: license 'demo-1.0'")
    assert expected in str(exc.value)


def test_error_wrong_type_and_bad_work_kind(tmp_path):
    _write(tmp_path, "demo.toml", _license().replace('hub_id = false', 'hub_id = "no"'))
    with pytest.raises(KnowledgeBaseError, match=r"demo\.toml: license 'demo-1\.0': key 'hub_id' must be a boolean"):
        load_kb(tmp_path)
    _write(tmp_path, "demo.toml", _license().replace('work_kind = "software"', 'work_kind = "poetry"'))
    with pytest.raises(KnowledgeBaseError, match=r"key 'work_kind' has unknown value 'poetry'"):
        load_kb(tmp_path)


def test_error_missing_required_key(tmp_path):
    _write(tmp_path, "demo.toml", _license().replace('note = "test entry"\n', ""))
    with pytest.raises(KnowledgeBaseError, match=r"demo\.toml: license 'demo-1\.0': missing key 'note'"):
        load_kb(tmp_path)


def test_error_hub_id_claimed_by_non_hub_license(tmp_path):
    _write(tmp_path, "demo.toml", _license().replace("hub_id = false", "hub_id = true"))
    with pytest.raises(KnowledgeBaseError, match=r"key 'hub_id' = true but 'demo-1\.0' is not an id accepted by the Hub"):
        load_kb(tmp_path)
