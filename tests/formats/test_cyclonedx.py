"""`sbom`: the CycloneDX 1.6 ML-BOM of a real model of the sample validates against the
official schema (cyclonedx-python-lib's bundled 1.6 JSON and XML schemas) and carries the
lineage, the relations, the licenses and the findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from licensegraph.api import LicenseGraph, ModelNotFound
from licensegraph.formats.cyclonedx import serialize, to_bom

# A GGUF quantization of a pruned finetune of DeepSeek-R1: three levels, all in the sample.
GGUF = "mradermacher/DeepSeek-R1-Pruned-Coder-411B-GGUF"
FINETUNE = "huihui-ai/DeepSeek-R1-Pruned-Coder-411B"
BASE = "deepseek-ai/DeepSeek-R1"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def json_validator():
    """cyclonedx-python-lib's strict 1.6 JSON validator. Imported when a test asks: jsonschema's
    format checkers compile grammars on import (~1.7 s), which every xdist worker would pay
    while collecting."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6)


def xml_validator():
    """cyclonedx-python-lib's 1.6 XML validator (imported when a test asks, as json_validator)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    return XmlValidator(SchemaVersion.V1_6)


@pytest.fixture(scope="module")
def lg(sample_db):
    with LicenseGraph(sample_db, read_only=True) as graph:
        yield graph


def sbom(lg, model_id: str, fmt: str = "cyclonedx-json") -> str:
    return serialize(to_bom(lg.lineage(model_id), timestamp=WHEN), fmt)


def props(component: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_validators_reject_a_broken_bom():
    # the schema is really applied: a component without a name, or a bad type, fails
    bad = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "components": [{"type": "machine-learning-model"}]}
    assert json_validator().validate_str(json.dumps(bad)) is not None
    bad["components"] = [{"type": "neural-net", "name": "x"}]
    assert json_validator().validate_str(json.dumps(bad)) is not None


def test_gguf_of_a_finetune_validates_with_its_whole_lineage(lg):
    text = sbom(lg, GGUF)
    assert json_validator().validate_str(text) is None
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    model = doc["metadata"]["component"]
    assert model["type"] == "machine-learning-model"
    assert (model["group"], model["name"]) == ("mradermacher", "DeepSeek-R1-Pruned-Coder-411B-GGUF")
    assert model["purl"].startswith("pkg:huggingface/mradermacher/DeepSeek-R1-Pruned-Coder-411B-GGUF@")
    assert model["licenses"] == [{"license": {"id": "MIT", "acknowledgement": "declared"}}]
    p = props(model)
    # the GGUF edge: corrected to quantization by the name, although the Hub says finetune
    assert (p["licensegraph:parent:1:id"], p["licensegraph:parent:1:relation"]) == (FINETUNE, "quantization")
    assert p["licensegraph:parent:1:relation-source"] == "evidence"
    assert p["licensegraph:parent:1:hub-relation"] == "finetune"
    assert p["licensegraph:parent:1:evidence"] == "name token gguf"

    (finetune,) = model["pedigree"]["ancestors"]
    assert finetune["type"] == "machine-learning-model"
    assert f"{finetune['group']}/{finetune['name']}" == FINETUNE
    assert finetune["licenses"] == [{"license": {"id": "MIT", "acknowledgement": "declared"}}]
    fp = props(finetune)
    assert (fp["licensegraph:parent:1:id"], fp["licensegraph:parent:1:relation"]) == (BASE, "finetune")
    assert fp["licensegraph:depth"] == "1"

    (base,) = finetune["pedigree"]["ancestors"]
    assert f"{base['group']}/{base['name']}" == BASE
    assert base["licenses"] == [{"license": {"id": "MIT", "acknowledgement": "declared"}}]
    assert "pedigree" not in base  # the root of the family
    assert props(base)["licensegraph:depth"] == "2"
    assert not any(k.startswith("licensegraph:parent:") for k in props(base))


def test_xml_validates_and_nests_the_same_pedigree(lg):
    text = sbom(lg, GGUF, "cyclonedx-xml")
    assert xml_validator().validate_str(text) is None
    ns = {"c": "http://cyclonedx.org/schema/bom/1.6"}
    root = ElementTree.fromstring(text)
    chain = root.findall("c:metadata/c:component/c:pedigree/c:ancestors/c:component/c:pedigree/c:ancestors/"
                         "c:component/c:name", ns)
    assert [e.text for e in chain] == ["DeepSeek-R1"]


def test_a_model_with_a_finding_carries_it(lg):
    # jais-adapted-7b: an apache-2.0 finetune of Llama 2 (dropped Llama 2's terms)
    doc = json.loads(sbom(lg, "inceptionai/jais-adapted-7b"))
    assert json_validator().validate_str(json.dumps(doc)) is None
    model = doc["metadata"]["component"]
    assert model["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    p = props(model)
    findings = {}
    for name, value in p.items():
        if name.startswith("licensegraph:finding:"):
            _, _, n, field = name.split(":", 3)
            findings.setdefault(n, {})[field] = value
    dropped = [f for f in findings.values() if f["rule"] == "copyleft-style-dropped" and f["view"] == "effective"]
    assert len(dropped) == 1
    f = dropped[0]
    assert f["severity"] == "violation"
    assert f["label"] == "Copyleft-style Terms"
    assert f["ancestor"] == "meta-llama/Llama-2-7b" and f["ancestor-license"] == "llama2"
    assert "§1.b.i" in f["clause"]
    assert f["remedy"]
    assert any(v["rule"] == "llama-exclusive-license" and v["label"] == "La2E-license" for v in findings.values())
    # Llama 2 has no SPDX id: the ancestor names its license and links its text
    (llama,) = [a for a in model["pedigree"]["ancestors"] if a["name"] == "Llama-2-7b"]
    (lic,) = llama["licenses"]
    assert "id" not in lic["license"]
    assert lic["license"]["name"] == "Llama 2 Community License Agreement"
    assert lic["license"]["url"].startswith("https://")


def test_a_base_without_a_license_carries_none_and_says_so(lg):
    doc = json.loads(sbom(lg, "mradermacher/DeepSeek-V3-Pruned-Coder-411B-GGUF"))
    (finetune,) = doc["metadata"]["component"]["pedigree"]["ancestors"]
    (base,) = finetune["pedigree"]["ancestors"]
    assert base["name"] == "DeepSeek-V3"
    assert "licenses" not in base
    assert props(base)["licensegraph:license"] == "none"


def test_a_parent_outside_the_store_is_a_component_marked_so(lg):
    doc = json.loads(sbom(lg, "1234aurel/Vesna"))
    assert json_validator().validate_str(json.dumps(doc)) is None
    p = props(doc["metadata"]["component"])
    parents = {p[k]: k.rsplit(":", 1)[0] for k in p if k.endswith(":id") and k.startswith("licensegraph:parent:")}
    assert "google/gemma-3-27b-it" in parents
    assert p[parents["google/gemma-3-27b-it"] + ":relation"] == "merge"
    assert p[parents["google/gemma-3-27b-it"] + ":in-store"] == "false"
    outside = [a for a in doc["metadata"]["component"]["pedigree"]["ancestors"] if a["name"] == "gemma-3-27b-it"]
    assert props(outside[0])["licensegraph:in-store"] == "false"
    assert "licenses" not in outside[0]


def test_every_ancestor_once_and_the_output_is_stable(lg):
    lineage = lg.lineage("inceptionai/jais-adapted-7b")
    text = sbom(lg, "inceptionai/jais-adapted-7b")
    assert text == sbom(lg, "inceptionai/jais-adapted-7b")  # same store, same timestamp: same bytes
    refs = []

    def walk(c):
        refs.append(c["bom-ref"])
        for a in c.get("pedigree", {}).get("ancestors", []):
            walk(a)

    walk(json.loads(text)["metadata"]["component"])
    assert len(refs) == len(set(refs)) == 1 + len(lineage.ancestors)


def test_unknown_model_is_a_clear_error(lg):
    with pytest.raises(ModelNotFound, match="no-such/model"):
        lg.lineage("no-such/model")


def test_unknown_format_is_refused(lg):
    with pytest.raises(ValueError, match="cyclonedx-json"):
        serialize(to_bom(lg.lineage(GGUF)), "spdx")


def test_datasets_named_on_cards_are_data_components(lg):
    # Vesna's card names two NVIDIA datasets; its DeepSeek-R1 parent names none
    doc = json.loads(sbom(lg, "1234aurel/Vesna"))
    assert json_validator().validate_str(json.dumps(doc)) is None
    data = {f"{c['group']}/{c['name']}": c for c in doc["components"]}
    assert set(data) == {"nvidia/OpenCodeReasoning", "nvidia/Llama-Nemotron-Post-Training-Dataset"}
    assert all(c["type"] == "data" for c in data.values())
    assert props(data["nvidia/OpenCodeReasoning"])["licensegraph:named-on-card-of"] == "1234aurel/Vesna"
    p = props(doc["metadata"]["component"])
    assert {p["licensegraph:dataset:1"], p["licensegraph:dataset:2"]} == set(data)
    root = next(d for d in doc["dependencies"] if d["ref"] == doc["metadata"]["component"]["bom-ref"])
    assert set(root["dependsOn"]) == {c["bom-ref"] for c in data.values()}
    # no dataset on any card: no data component
    assert "components" not in json.loads(sbom(lg, GGUF))
