"""`licensegraph sbom MODEL_ID`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import ModelNotFound, StoreError
from licensegraph.cli.app import DbOption, app, err, fail, graph

FORMATS = ("cyclonedx-json", "cyclonedx-xml")


@app.command()
def sbom(
    model_id: str = typer.Argument(..., help="A Hub model id in the store, e.g. meta-llama/Llama-2-7b-hf."),
    fmt: str = typer.Option("cyclonedx-json", "--format", help="cyclonedx-json or cyclonedx-xml (CycloneDX 1.6)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    db: Optional[Path] = DbOption,
) -> None:
    """A CycloneDX 1.6 ML-BOM of a model, its ancestors, their licenses and findings.

    Every ancestor is a machine-learning-model component with its license, the lineage is
    the pedigree, each edge's relation and the findings are properties."""
    from licensegraph.formats.cyclonedx import serialize, to_bom

    if fmt not in FORMATS:
        fail(f"--format must be {' or '.join(FORMATS)}, not {fmt!r}")
    lg = graph(db, read_only=True)
    try:
        lineage = lg.lineage(model_id)
    except ModelNotFound as exc:
        fail(exc.args[0])
    except StoreError as exc:
        fail(exc)
    finally:
        lg.close()
    if not lineage.audited:
        err.print("[yellow]warning:[/yellow] no audit has been run on this store: the BOM carries no findings "
                  "(run `licensegraph audit` first)")
    text = serialize(to_bom(lineage), fmt)
    if out is None:
        print(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")
    err.print(f"wrote {out} ({len(lineage.ancestors)} ancestors)", highlight=False)
