"""The library API of licensegraph: `LicenseGraph` and its typed results.

    from licensegraph.api import LicenseGraph

Every interface (the CLI, the dashboard, the exports) is a thin layer over this package;
it is the only entry into the engine (sources, store, lineage, licenses, rules).
"""

from licensegraph.api.check import CheckError
from licensegraph.api.explain import ModelNotFound
from licensegraph.api.export_results import AuditFindings, ModelLineage, ReportData
from licensegraph.api.graph import EmptyStore, LicenseGraph, NoStore
from licensegraph.api.reader import SharedReader
from licensegraph.api.results import (
    Ancestor,
    AuditResult,
    AuditRow,
    ChangesResult,
    CheckFailure,
    CheckResult,
    Choice,
    CrawlReport,
    EffectiveDuty,
    Explanation,
    FileReport,
    Finding,
    FindingsPage,
    IngestReport,
    ModelLicense,
    PairAnswer,
    Reject,
    Result,
    RuleCatalogue,
    RuleInfo,
    RunInfo,
    StatsResult,
)
from licensegraph.licenses.choose import ParentError
from licensegraph.licenses.pair import PairError
from licensegraph.sources.hub_crawl import CrawlError
from licensegraph.sources.ingest import IngestError
from licensegraph.store.db import StoreError
from licensegraph.store.runs import RunError

__all__ = [
    "Ancestor", "AuditResult", "AuditRow", "ChangesResult", "CheckError", "CheckFailure", "CheckResult", "Choice",
    "CrawlError", "CrawlReport", "RunError", "RunInfo",
    "EffectiveDuty", "EmptyStore", "Explanation", "FileReport", "Finding", "FindingsPage", "IngestError",
    "IngestReport", "LicenseGraph", "ModelLicense", "ModelNotFound", "NoStore", "PairAnswer", "PairError",
    "ParentError", "Reject",
    "Result", "RuleCatalogue", "SharedReader", "StatsResult", "StoreError",
    # exports (report, SBOM, SARIF, CSV/JSON)
    "AuditFindings", "ModelLineage", "ReportData", "RuleInfo",
]
