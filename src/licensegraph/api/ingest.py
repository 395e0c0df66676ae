"""A whole ingest: read the files into the store, then rebuild lineage and licenses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from licensegraph.api.results import FileReport, IngestReport
from licensegraph.licenses.datasets import normalize_dataset_licenses
from licensegraph.licenses.normalize import normalize_licenses
from licensegraph.lineage.build import build_lineage
from licensegraph.lineage.data import build_data_edges
from licensegraph.lineage.discovery.build import build_inferred_edges
from licensegraph.sources.ingest import FileSummary, IngestError, ProgressCallback, read_records
from licensegraph.sources.ingest import ingest as read_files
from licensegraph.store.db import Store
from licensegraph.store.killpoints import kill_point

__all__ = ["IngestError", "ingest", "ingest_records", "rebuild_derived"]


def rebuild_derived(store: Store, progress: ProgressCallback | None = None, *,
                    find_undeclared: bool = True) -> None:
    """Bring lineage and licenses up to date with the records (incrementally when few
    models changed) and mark derived state fresh. Writers call it after changing records,
    and before anything else when they find the store stale.

    `find_undeclared=False` leaves `inferred_edges` as they are: for a store only ever
    audited over declared edges (`check`'s temporary store of one card)."""
    # A total of 0 marks a phase whose size is not known: a spinner with elapsed time.
    if progress:
        progress("building the lineage graph", 0, 0)
    build_lineage(store)
    build_data_edges(store)
    kill_point("lineage-built")
    if find_undeclared:
        if progress:
            progress("finding undeclared parents (names, card text, config files)", 0, 0)
        build_inferred_edges(store)
        kill_point("inferred-edges-built")
    if progress:
        progress("resolving licenses", 0, 0)
    normalize_dataset_licenses(store)
    normalize_licenses(store)  # marks derived state fresh in its transaction
    kill_point("licenses-normalized")


def ingest(store: Store, paths: Iterable[Path | str], progress: ProgressCallback | None = None) -> IngestReport:
    """Read model records and lineage CSVs into `store`, then rebuild lineage (declared edges,
    then the inferred ones apart) and licenses.

    Bad records go to `rejects` (counted per file); IngestError before touching the store
    when a path is missing or of an unsupported kind."""
    if store.derived_stale():  # an earlier in-place write was cut short
        rebuild_derived(store)
    summary = read_files(store, paths, progress=progress)
    rebuild_derived(store, progress)
    return IngestReport(files=tuple(_report(f) for f in summary.files))


def ingest_records(store: Store, records: Sequence[Mapping[str, Any] | str], label: str = "<memory>", *,
                   find_undeclared: bool = True) -> IngestReport:
    """Like `ingest`, for Hub records held in memory (mappings or JSON texts): no file is
    written. `find_undeclared`: as for `rebuild_derived`."""
    if store.derived_stale():
        rebuild_derived(store, find_undeclared=find_undeclared)
    summary = read_records(store, records, label)
    rebuild_derived(store, find_undeclared=find_undeclared)
    return IngestReport(files=(_report(summary),))


def _report(f: FileSummary) -> FileReport:
    return FileReport(path=f.path, kind=f.kind, read=f.read, stored=f.stored, updated=f.updated, unchanged=f.unchanged,
                      superseded=f.superseded, rejected=f.rejected, error=f.error, warnings=f.warnings,
                      datasets=f.datasets, timings=dict(f.timings))
