"""`licensegraph explain MODEL_ID`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import ModelNotFound
from licensegraph.cli.app import DbOption, app, fail, graph
from licensegraph.formats import json as json_format


@app.command()
def explain(
    model_id: str = typer.Argument(..., help="A Hub model id, e.g. meta-llama/Llama-2-7b-hf."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """A model's lineage, its effective duties with sources, and its findings.

    Example: licensegraph explain TheBloke/Llama-2-7B-GGUF"""
    lg = graph(db, read_only=True)
    try:
        data = lg.explain(model_id)
    except ModelNotFound as exc:
        fail(exc.args[0])
    finally:
        lg.close()
    if as_json:
        print(json_format.render(data))
        return
    from licensegraph.cli.app import console  # rich is loaded only to render
    from licensegraph.cli.render import render_explain

    render_explain(console, data)
