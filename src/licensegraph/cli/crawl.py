"""`licensegraph crawl`: the live Hub into the store, as a numbered run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

import typer

from licensegraph.cli.app import DbOption, app, console, err, fail, graph
from licensegraph.formats import json as json_format

#: The Hub could not be read (after bounded retries); what was stored is kept and the run resumes.
EXIT_HUB = 3


def _since(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since {value!r}: expected a date, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@app.command()
def crawl(
    db: Optional[Path] = DbOption,
    author: Optional[str] = typer.Option(None, "--author", help="Only models of this user or organization."),
    search: Optional[str] = typer.Option(None, "--search", help="Only models whose id contains this text."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Stop after this many models."),
    since: Optional[str] = typer.Option(None, "--since", help="Only models modified since DATE (instead of since the last crawl)."),
    full: bool = typer.Option(False, "--full", help="List everything, and mark models the Hub no longer has deleted (each confirmed by a 404)."),
    model: Optional[list[str]] = typer.Option(None, "--model", help="Fetch this model (repeatable) instead of listing."),
    ancestors: bool = typer.Option(False, "--ancestors", help="With --model: also every ancestor its card and tags name, recursively."),
    descendants: int = typer.Option(0, "--descendants", min=0, metavar="DEPTH", help="With --model: also its descendants, DEPTH levels down."),
    card_text: bool = typer.Option(False, "--card-text", help="Also store the README (and a PEFT repo's adapter_config.json) of every model that declares no base model, so hidden parents named there are found (audit --with-inferred)."),
    card_text_rate: float = typer.Option(10.0, "--card-text-rate", min=0.01, metavar="FILES_PER_S", help="With --card-text: read at most this many files per second."),
    datasets: bool = typer.Option(False, "--datasets", help="Fetch the datasets the store's models name that it does not have (after the models, when combined with a model crawl; alone, --limit caps the datasets asked for)."),
    recheck_missing: bool = typer.Option(False, "--recheck-missing", help="With --datasets: ask again for datasets an earlier crawl found missing (404)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary (errors still go to stderr)."),
) -> None:
    """Crawl the Hugging Face Hub ($HF_ENDPOINT; token from $HF_TOKEN) into the store.

    Incremental: a second crawl asks only for models modified since the last complete one
    (newest first, stopping at its checkpoint). Each page is stored with its position, so
    an interrupted crawl (Ctrl-C, a kill, the Hub failing) resumes when the same command
    is run again. Lineage, licenses and findings are rebuilt at the end, and the run's
    changes are kept for `licensegraph changes`. `--datasets` fetches the dataset records
    the models' cards name (a run of its own; not found, private and gated datasets are
    counted, not fatal). Exit 3 when the Hub could not be read."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    from licensegraph.api import CrawlError, StoreError
    from licensegraph.cli.render import render_crawl

    if (ancestors or descendants) and not model:
        fail("--ancestors and --descendants go with --model ID")
    if card_text_rate != 10.0 and not card_text:
        fail("--card-text-rate goes with --card-text")
    if model and (author or search or limit or since or full):
        fail("--model fetches given models; --author, --search, --limit, --since and --full are for listings")
    if recheck_missing and not datasets:
        fail("--recheck-missing goes with --datasets")
    when = _since(since)
    # --datasets alone: only the datasets (--limit caps them); with a model crawl: after it
    models_too = not datasets or bool(model or author or search or since or full or card_text)
    dataset_limit = None if models_too else limit

    class Rate(ProgressColumn):
        def render(self, task) -> Text:  # noqa: ANN001 - rich's Task
            speed = task.finished_speed or task.speed
            unit = "datasets" if "dataset" in str(task.description) else "models"
            return Text(f"{speed:,.0f} {unit}/s" if speed else "", style="progress.data.speed")

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn(),
        console=err, transient=True, disable=quiet or as_json or not err.is_terminal,
    )
    tasks: dict[str, int] = {}

    def on_progress(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=total)
        progress.update(tasks[phase], completed=done, total=total)

    lg = graph(db, create=True)
    reports = []
    try:
        with progress:
            if models_too:
                reports.append(lg.crawl(author=author, search=search, limit=limit, since=when, full=full,
                                        models=model or None, ancestors=ancestors, descendants=descendants,
                                        progress=on_progress, card_text=card_text,
                                        card_text_rate=card_text_rate if card_text else None))
            if datasets:
                reports.append(lg.crawl_datasets(limit=dataset_limit, recheck_missing=recheck_missing,
                                                 progress=on_progress))
    except CrawlError as exc:
        fail(exc, code=EXIT_HUB)
    except (StoreError, ValueError) as exc:
        fail(exc)
    except KeyboardInterrupt:
        err.print("interrupted: what was stored is kept; run the same command again to resume")
        raise typer.Exit(130) from None
    finally:
        lg.close()
    if as_json:  # one run: its report; a model crawl then --datasets: both, in order
        print(json_format.render(reports[0]) if len(reports) == 1 else json_format.render(reports))
    elif not quiet:
        for report in reports:
            render_crawl(console, report)
