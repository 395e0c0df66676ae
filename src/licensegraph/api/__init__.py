"""The library API of licensegraph: `LicenseGraph` and its typed results.

    from licensegraph.api import LicenseGraph

Every interface (the CLI, the dashboard, the exports) is a thin layer over this package;
it is the only entry into the engine (sources, store, lineage, licenses, rules).

Names are imported on first use (PEP 562), so that a command needing one verb does not
load the engine of every other (a CLI call answers in a fraction of a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it
_WHERE: dict[str, str] = {
    "CheckError": "licensegraph.api.check",
    "ModelNotFound": "licensegraph.api.explain",
    **dict.fromkeys(("AuditFindings", "ModelLineage", "ReportData"), "licensegraph.api.export_results"),
    **dict.fromkeys(("EmptyStore", "LicenseGraph", "NoStore"), "licensegraph.api.graph"),
    "SharedReader": "licensegraph.api.reader",
    **dict.fromkeys((
        "Ancestor", "AuditResult", "AuditRow", "ChangesResult", "CheckFailure", "CheckResult", "Choice",
        "CrawlReport", "DatasetProblem", "EffectiveDuty", "Explanation", "FileReport", "Finding", "FindingsPage", "IngestReport",
        "ModelLicense", "PairAnswer", "Reject", "Result", "RuleCatalogue", "RuleInfo", "RunInfo", "StatsResult",
    ), "licensegraph.api.results"),
    "ParentError": "licensegraph.licenses.choose",
    "PairError": "licensegraph.licenses.pair",
    "CrawlError": "licensegraph.sources.hub_crawl",
    "IngestError": "licensegraph.sources.ingest",
    "StoreError": "licensegraph.store.db",
    "RunError": "licensegraph.store.runs",
}

if TYPE_CHECKING:
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
        DatasetProblem,
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "Ancestor", "AuditResult", "AuditRow", "ChangesResult", "CheckError", "CheckFailure", "CheckResult", "Choice",
    "CrawlError", "CrawlReport", "DatasetProblem", "RunError", "RunInfo",
    "EffectiveDuty", "EmptyStore", "Explanation", "FileReport", "Finding", "FindingsPage", "IngestError",
    "IngestReport", "LicenseGraph", "ModelLicense", "ModelNotFound", "NoStore", "PairAnswer", "PairError",
    "ParentError", "Reject",
    "Result", "RuleCatalogue", "SharedReader", "StatsResult", "StoreError",
    # exports (report, SBOM, SARIF, CSV/JSON)
    "AuditFindings", "ModelLineage", "ReportData", "RuleInfo",
]
