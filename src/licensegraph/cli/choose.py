"""`licensegraph choose --parent ...`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import LicenseGraph, PairError, ParentError
from licensegraph.cli.app import app, fail, optional_graph, say
from licensegraph.formats import json as json_format
from licensegraph.formats.text import choice_modelgo_text, choice_text, pair_text
from licensegraph.vocab import RELATIONS

DB_HELP = ("Store file to look Hub ids up in (default: the user data directory, or $LICENSEGRAPH_DB, "
           "when it exists).")


@app.command()
def choose(
    parent: Optional[list[str]] = typer.Option(
        None, "--parent", "-p", help="A parent: a Hub id (looked up in the store) or a license id. Repeatable."),
    relation: Optional[str] = typer.Option(None, "--relation",
                                           help="finetune, adapter, quantization or merge (default: merge for "
                                                "several parents, else finetune)."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    modelgo: bool = typer.Option(False, "--modelgo", help="Answer in ModelGo's vocabulary (options and variants)."),
    modelgo_version: str = typer.Option("2", "--modelgo-version", help="ModelGo version: 2 (default) or 1."),
    show_all: bool = typer.Option(False, "--all", help="List every feasible and every excluded license."),
    why: Optional[str] = typer.Option(
        None, "--why", help="Explain one pair instead: PARENT_LICENSE, with --license CANDIDATE: the properties "
                            "that decide it, with clauses, beside what OSADL, the FSF and CC say."),
    candidate: Optional[str] = typer.Option(None, "--license", help="With --why: the candidate license."),
    dataset: Optional[list[str]] = typer.Option(
        None, "--dataset", "-d", help="A training dataset: a Hub dataset id (looked up in the store) or a license "
                                      "id; its terms and its generating models' output clauses come back as advice. "
                                      "Repeatable."),
) -> None:
    """Licenses a derivative of the given parents may carry, least to most restrictive, and why others may not.

    Example: licensegraph choose -p llama3.1 -p apache-2.0

    One pair, explained: licensegraph choose --why apache-2.0 --license gpl-2.0"""
    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}")
    if why is not None or candidate is not None:
        explain_one_pair(why, candidate, parent, fmt)
        return
    if not parent:
        fail("give at least one --parent (or --why PARENT_LICENSE --license CANDIDATE)")
    if relation is not None and relation not in RELATIONS:
        fail(f"--relation must be one of {', '.join(RELATIONS)}, not {relation!r}")
    lg = optional_graph(db)
    try:
        answer = lg.choose(parent, relation=relation, all_licenses=show_all,
                           modelgo=modelgo_version if modelgo else None, datasets=dataset or ())
    except (ParentError, ValueError) as exc:
        fail(exc)
    finally:
        lg.close()
    if fmt == "json":
        print(json_format.render(answer))
    elif answer.modelgo is not None:
        say(choice_modelgo_text(answer))
    else:
        say(choice_text(answer, limit=0 if show_all else 20))


def explain_one_pair(parent_license: Optional[str], candidate: Optional[str], parents: Optional[list[str]],
                     fmt: str) -> None:
    """`choose --why PARENT_LICENSE --license CANDIDATE`: one pair, side by side with the authorities."""
    if parent_license is None or candidate is None:
        fail("--why PARENT_LICENSE and --license CANDIDATE go together")
    if parents:
        fail("--why explains one pair: give the parent's license to --why, not --parent")
    try:
        answer = LicenseGraph(read_only=True).why(parent_license, candidate)
    except PairError as exc:
        fail(exc)
    if fmt == "json":
        print(json_format.render(answer))
    else:
        say(pair_text(answer))
