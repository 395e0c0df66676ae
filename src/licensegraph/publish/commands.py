"""CLI commands for publishers (`check`, `choose`), registered on the main Typer app.

Thin: parse arguments, call `publish.choose` / `publish.modelgo` / `publish.check`, format,
and set the exit code (0 clean or answered, 1 violations, 2 bad input).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

DB_HELP = ("Store file to look Hub ids up in (default: the user data directory, or $LICENSEGRAPH_DB, "
           "when it exists).")


def _console():
    from licensegraph.cli import console, err

    return console, err


def _optional_store(db: Optional[Path]):
    """The store at --db (which must exist), else the default store if there is one, else None."""
    from licensegraph.store.db import Store, StoreError, default_db_path

    path = db or default_db_path()
    if not Path(path).exists():
        if db is not None:
            _error(f"no store at {db}; run `licensegraph ingest --db {db} ...` first")
            raise typer.Exit(2)
        return None
    try:
        return Store(path, read_only=True)
    except StoreError as exc:
        _error(exc)
        raise typer.Exit(2)


def _error(message: object) -> None:
    from rich.markup import escape

    _, err = _console()
    err.print(f"[red]error:[/red] {escape(str(message))}", highlight=False, soft_wrap=True)


def _print(text: str) -> None:
    console, _ = _console()
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the publisher commands to `app`."""

    @app.command()
    def choose(
        parent: list[str] = typer.Option(..., "--parent", "-p",
                                         help="A parent: a Hub id (looked up in the store) or a license id. Repeatable."),
        relation: Optional[str] = typer.Option(None, "--relation",
                                               help="finetune, adapter, quantization or merge (default: merge for "
                                                    "several parents, else finetune)."),
        db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
        fmt: str = typer.Option("text", "--format", help="text or json."),
        modelgo: bool = typer.Option(False, "--modelgo", help="Answer in ModelGo's vocabulary (options and variants)."),
        modelgo_version: str = typer.Option("2", "--modelgo-version", help="ModelGo version: 2 (default) or 1."),
        show_all: bool = typer.Option(False, "--all", help="List every feasible and every excluded license."),
    ):
        """Licenses a derivative of the given parents may carry, least to most restrictive, and why others may not."""
        from licensegraph.licenses.kb import load_kb
        from licensegraph.publish import choose as ch
        from licensegraph.publish import modelgo as mg

        if fmt not in ("text", "json"):
            _error(f"--format must be text or json, not {fmt!r}")
            raise typer.Exit(2)
        if relation is not None and relation not in ch.RELATIONS:
            _error(f"--relation must be one of {', '.join(ch.RELATIONS)}, not {relation!r}")
            raise typer.Exit(2)
        try:
            version = mg.normalize_version(modelgo_version)
        except ValueError as exc:
            _error(exc)
            raise typer.Exit(2)
        kb = load_kb()
        store = _optional_store(db)
        try:
            answer = ch.choose(kb, parent, relation=relation, store=store, all_licenses=show_all)
        except ch.ParentError as exc:
            _error(exc)
            raise typer.Exit(2)
        finally:
            if store is not None:
                store.close()
        mg_answer = mg.modelgo_answer(kb, answer.upstream, version) if modelgo else None
        if fmt == "json":
            data = answer.as_dict()
            if mg_answer is not None:
                data["modelgo"] = mg_answer.as_dict()
            print(json.dumps(data, indent=2, default=str))
            return
        if mg_answer is not None:
            _print(f"Upstream licenses: {', '.join(answer.upstream) or 'none known'}")
            _print(mg.render_text(mg_answer))
            general = (f"{len(answer.feasible)} license(s) in all fit (run without --modelgo to list them)"
                       if answer.feasible else f"No license of any kind fits: {answer.reason}")
            _print(general)
            _print(ch.DISCLAIMER)
            return
        _print(ch.render_text(answer, limit=0 if show_all else 20))

    @app.command()
    def check(
        paths: list[Path] = typer.Argument(..., help="Model cards (README.md with YAML front matter) or model directories."),
        db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
        parent_license: Optional[list[str]] = typer.Option(
            None, "--parent-license", help="ID=LICENSE: a parent's license the store lacks (repeatable)."),
        name: Optional[str] = typer.Option(None, "--name", help="The model's repo name (default: the card's model_name, "
                                                                "else the directory name)."),
        online: bool = typer.Option(False, "--online", help="Look parents missing from the store up on the Hub."),
        fmt: str = typer.Option("text", "--format", help="text, json or sarif."),
        skip_non_cards: bool = typer.Option(False, "--skip-non-cards",
                                            help="Skip files without front matter or without any model-card field "
                                                 "(for hooks that see every README.md)."),
    ):
        """Run every rule on a model card before publishing: findings, the fix, and what to ship.

        Exit code: 0 clean (warnings and risks allowed), 1 violations, 2 bad input (the worst over all PATHs).
        """
        from licensegraph.licenses.kb import load_kb
        from licensegraph.publish import check as ck

        if fmt not in ("text", "json", "sarif"):
            _error(f"--format must be text, json or sarif, not {fmt!r}")
            raise typer.Exit(2)
        if name and len(paths) > 1:
            _error("--name names one model: give a single PATH with it")
            raise typer.Exit(2)
        kb = load_kb()
        try:
            supplied = ck.parse_parent_licenses(kb, parent_license)
        except ck.CheckError as exc:
            _error(exc)
            raise typer.Exit(2)
        store = _optional_store(db)
        results = []
        try:
            for path in paths:
                if skip_non_cards:
                    try:
                        if not ck.is_model_card(ck.load_card(path)):
                            continue
                    except ck.CheckError as exc:
                        if exc.kind == "no-front-matter":
                            continue
                try:
                    results.append(ck.check_card(path, kb=kb, store=store, parent_licenses=supplied, name=name,
                                                 online=online))
                except ck.CheckError as exc:
                    results.append(ck.error_result(path, exc))
        finally:
            if store is not None:
                store.close()
        code = max((r["exit_code"] for r in results), default=0)
        if fmt == "json":
            print(json.dumps(results[0] if len(results) == 1 else results, indent=2, default=str))
        elif fmt == "sarif":
            from licensegraph.publish.sarif import to_sarif

            print(json.dumps(to_sarif(results), indent=2, default=str))
            for r in results:
                if "error" in r:
                    _error(r['error'])
        else:
            for i, r in enumerate(results):
                if i:
                    _print("")
                if "error" in r:
                    _error(r['error'])
                else:
                    _print(ck.render_text(r))
        raise typer.Exit(code)
