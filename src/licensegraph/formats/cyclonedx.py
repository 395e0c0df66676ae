"""`sbom MODEL_ID`: a CycloneDX 1.6 ML-BOM of a model and its lineage, with verdicts.

Built with cyclonedx-python-lib from a ModelLineage:

- the model is the BOM's subject (metadata.component), every ancestor a
  `machine-learning-model` component, all identified by `pkg:huggingface/...` purls;
- licenses are the declared ones, normalized: an SPDX id where the license has one, else
  its name and the URL of its text (a Llama, Gemma or OpenRAIL license has no SPDX id);
  a model that declares none carries no license, and says so in a property;
- the lineage is the pedigree: each component's `pedigree.ancestors` are its parents,
  nested, every ancestor appearing once (under the child that reached it first,
  breadth-first); every edge, including those to an ancestor placed elsewhere, is listed
  on its child as `licensegraph:parent:N:*` properties with its relation and how the
  relation was decided;
- datasets the cards name (`datasets:`) are `data` components of the BOM, each once, and
  each model lists its own as `licensegraph:dataset:N` properties; a dataset the store has
  a record of carries its normalized license (`licensegraph:license`) and the models whose
  outputs it holds (`licensegraph:generated-by:N`), and the findings of the rules over
  data and outputs are among the model's findings;
- findings are `licensegraph:finding:N:*` properties (view, rule, label, severity,
  clause, source, message, remedy, ancestor, path): CycloneDX has no field for license
  compliance verdicts on models yet.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.spdx import is_supported_id
from packageurl import PackageURL

from licensegraph import __version__
from licensegraph.api.export_results import LineageEdge, LineageModel, ModelLineage

FORMATS = {"cyclonedx-json": OutputFormat.JSON, "cyclonedx-xml": OutputFormat.XML}
SCHEMA_VERSION = SchemaVersion.V1_6
HUB = "https://huggingface.co"
NS = "licensegraph"


def purl(model: LineageModel) -> PackageURL:
    """pkg:huggingface/<owner>/<name>[@<commit>] (the purl spec's huggingface type)."""
    owner, _, name = model.model_id.rpartition("/")
    return PackageURL(type="huggingface", namespace=owner or None, name=name,
                      version=model.sha.lower() if model.sha else None)


def _licenses(model: LineageModel) -> list[DisjunctiveLicense]:
    lic = model.license
    if lic.spdx and is_supported_id(lic.spdx):
        return [DisjunctiveLicense(id=lic.spdx, acknowledgement=LicenseAcknowledgement.DECLARED)]
    if lic.name or lic.url:
        return [DisjunctiveLicense(name=lic.name or lic.declared or lic.license,
                                   url=XsUri(lic.url) if lic.url else None,
                                   acknowledgement=LicenseAcknowledgement.DECLARED)]
    return []  # none, unknown, absent: nothing declared


def _edge_properties(edges: list[LineageEdge]) -> list[Property]:
    props = []
    for i, e in enumerate(sorted(edges, key=lambda e: e.parent_id.lower()), 1):
        p = f"{NS}:parent:{i}"
        props += [Property(name=f"{p}:id", value=e.parent_id), Property(name=f"{p}:relation", value=e.relation),
                  Property(name=f"{p}:relation-source", value=e.relation_source)]
        if e.hub_relation:
            props.append(Property(name=f"{p}:hub-relation", value=e.hub_relation))
        if e.evidence:
            props.append(Property(name=f"{p}:evidence", value=e.evidence))
        if e.dangling:
            props.append(Property(name=f"{p}:in-store", value="false"))
        if e.in_cycle:
            props.append(Property(name=f"{p}:in-cycle", value="true"))
    return props


def _finding_properties(model: LineageModel) -> list[Property]:
    props = []
    for i, f in enumerate(model.findings, 1):
        p = f"{NS}:finding:{i}"
        values = {"view": f.view, "rule": f.rule_id, "label": f.label, "severity": f.severity, "clause": f.clause,
                  "source-url": f.source, "message": f.message, "remedy": f.remedy,
                  "ancestor": f.ancestor_id, "ancestor-license": f.ancestor_license,
                  "path": " -> ".join(f.path) if f.path else None,
                  "via-noncompliant": "true" if f.via_noncompliant else None,
                  "possibly-incomplete": "true" if f.possibly_incomplete else None}
        props += [Property(name=f"{p}:{k}", value=v) for k, v in values.items() if v]
    return props


def _component(model: LineageModel, parents: list[LineageEdge], ancestors: list[Component]) -> Component:
    lic = model.license
    props = [Property(name=f"{NS}:license", value=lic.license),
             Property(name=f"{NS}:license-resolution", value=lic.resolution),
             Property(name=f"{NS}:depth", value=str(model.depth))]
    if lic.declared:
        props.append(Property(name=f"{NS}:license-declared", value=lic.declared))
    if not model.in_store:
        props.append(Property(name=f"{NS}:in-store", value="false"))
    elif not model.has_record:
        props.append(Property(name=f"{NS}:hub-record", value="false"))
    if model.deleted:
        props.append(Property(name=f"{NS}:deleted-from-hub", value="true"))
    if model.created_at:
        props.append(Property(name=f"{NS}:created-at", value=model.created_at.isoformat()))
    if model.library_name:
        props.append(Property(name=f"{NS}:library", value=model.library_name))
    if model.pipeline_tag:
        props.append(Property(name=f"{NS}:pipeline-tag", value=model.pipeline_tag))
    props += [Property(name=f"{NS}:dataset:{i}", value=d) for i, d in enumerate(model.datasets, 1)]
    props += _edge_properties(parents) + _finding_properties(model)
    ref = purl(model)
    owner, _, name = model.model_id.rpartition("/")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=name,
        group=owner or None,
        version=model.sha.lower() if model.sha else None,
        bom_ref=ref.to_string(),
        purl=ref,
        publisher=model.author or None,
        licenses=_licenses(model),
        external_references=[
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(f"{HUB}/{model.model_id}")),
            ExternalReference(type=ExternalReferenceType.MODEL_CARD,
                              url=XsUri(f"{HUB}/{model.model_id}/blob/main/README.md")),
        ] if model.in_store else [],
        properties=props,
        pedigree=Pedigree(ancestors=ancestors) if ancestors else None,
    )


def _dataset(dataset_id: str, named_by: list[str], license_id: str | None = None,
             generators: tuple[str, ...] = ()) -> Component:
    """A dataset a card names, as a `data` component (Hub datasets live under /datasets/)."""
    owner, _, name = dataset_id.rpartition("/")
    props = [Property(name=f"{NS}:named-on-card-of", value=m) for m in named_by]
    if license_id is not None:
        props.append(Property(name=f"{NS}:license", value=license_id))
    props += [Property(name=f"{NS}:generated-by:{i}", value=g) for i, g in enumerate(generators, 1)]
    return Component(
        type=ComponentType.DATA, name=name, group=owner or None, bom_ref=f"{NS}:dataset:{dataset_id}",
        external_references=[ExternalReference(type=ExternalReferenceType.WEBSITE,
                                               url=XsUri(f"{HUB}/datasets/{dataset_id}"))],
        properties=props,
    )


def to_bom(lineage: ModelLineage, timestamp: datetime | None = None) -> Bom:
    """The ML-BOM of a model: the model as subject, its ancestors as nested pedigree."""
    nodes = {m.model_id.lower(): m for m in (lineage.model, *lineage.ancestors)}
    parents_of: dict[str, list[LineageEdge]] = defaultdict(list)
    for e in lineage.edges:
        parents_of[e.child_id.lower()].append(e)
    # the nesting: each ancestor under the first child (breadth-first) that reaches it
    placed = {lineage.model.model_id.lower()}
    tree: dict[str, list[str]] = defaultdict(list)
    for e in lineage.edges:  # edges come breadth-first from the api
        child, parent = e.child_id.lower(), e.parent_id.lower()
        if child in placed and parent not in placed and parent in nodes:
            placed.add(parent)
            tree[child].append(parent)

    def build(key: str) -> Component:
        return _component(nodes[key], parents_of.get(key, []), [build(k) for k in tree.get(key, [])])

    subject = build(lineage.model.model_id.lower())
    named_by: dict[str, list[str]] = defaultdict(list)
    for m in (lineage.model, *lineage.ancestors):
        for d in m.datasets:
            named_by[d].append(m.model_id)
    digest = hashlib.sha256(repr((lineage.model, lineage.ancestors, lineage.edges)).encode()).hexdigest()
    datasets = [_dataset(d, models, lineage.dataset_licenses.get(d), tuple(lineage.dataset_generators.get(d, ())))
                for d, models in sorted(named_by.items())]
    bom = Bom(
        components=datasets,
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"{NS}:{lineage.model.model_id}:{digest}"),
        metadata=BomMetaData(
            component=subject,
            timestamp=timestamp or datetime.now(UTC),
            tools=ToolRepository(components=[Component(
                type=ComponentType.APPLICATION, name="licensegraph", version=__version__,
                bom_ref=f"{NS}@{__version__}")]),
            properties=[Property(name=f"{NS}:audited", value="true" if lineage.audited else "false"),
                        Property(name=f"{NS}:ancestors", value=str(len(lineage.ancestors))),
                        Property(name=f"{NS}:disclaimer", value=lineage.disclaimer)],
        ),
    )
    if datasets:  # the model rests on the data it and its ancestors were trained on
        bom.register_dependency(subject, datasets)
    return bom


def serialize(bom: Bom, fmt: str = "cyclonedx-json") -> str:
    """The BOM as CycloneDX 1.6 JSON or XML text."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown SBOM format {fmt!r}; use {' or '.join(FORMATS)}")
    return make_outputter(bom, FORMATS[fmt], SCHEMA_VERSION).output_as_string(indent=2)
