"""`licensegraph serve`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.cli.app import DbOption, app, err, fail, graph


@app.command()
def serve(
    db: Optional[Path] = DbOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (anything but loopback is "
                                                          "reachable from other machines: no authentication)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
) -> None:
    """Serve the local web dashboard over the store, read-only, until Ctrl-C."""
    from licensegraph.web.server import bind, exposure_warning, run

    lg = graph(db, read_only=True)  # exit 2 now when there is no usable store
    path = lg.path
    lg.close()
    warning = exposure_warning(host)
    if warning:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    try:
        bound = bind(host, port)
    except OSError as exc:
        fail(exc)
    print(f"licensegraph dashboard: {bound.url} (store {path}; Ctrl-C stops it)", flush=True)
    try:
        run(path, bound)
    except KeyboardInterrupt:
        pass
