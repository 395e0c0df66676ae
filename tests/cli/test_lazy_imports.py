"""The CLI imports what the command it runs needs, and no more: `explain` from the shell
loads no rules engine, NumPy, Arrow, Hub client, plotting or web stack (each costs tenths of
a second on every call), nor pydantic (typer's coercion of values), nor rich when it prints
JSON; yet help still lists every command."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from licensegraph.cli import app
from licensegraph.cli.lazy import command_modules

HEAVY = ("numpy", "pyarrow", "licensegraph.rules", "licensegraph.lineage.discovery", "huggingface_hub",
         "matplotlib", "fastapi", "cyclonedx", "yaml", "pydantic", "typer._adapters")


def _modules_after(args: list[str], heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str], str]:
    """Run the CLI in a fresh interpreter; (exit code, the `heavy` modules it imported, stdout)."""
    code = (
        "import json, sys\n"
        "from licensegraph.cli import main\n"
        f"sys.argv = ['licensegraph', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    status = exc.code or 0\nelse:\n    status = 0\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} or m in {heavy!r})\n"
        "sys.stderr.write('\\n' + json.dumps([status, heavy]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    status, loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    return status, [m for m in loaded if m.startswith(heavy)], proc.stdout


def test_explain_loads_no_engine_it_does_not_use(sample_db):
    status, heavy, out = _modules_after(["explain", "sherooz/ahmed", "--db", str(sample_db), "--json"])
    assert status == 0
    assert json.loads(out)["model"]["model_id"] == "sherooz/ahmed"
    assert heavy == []


def test_explain_as_json_loads_no_rich_nor_every_result_type(sample_db):
    args = ["explain", "sherooz/ahmed", "--db", str(sample_db), "--json"]
    status, loaded, out = _modules_after(args, ("rich", "licensegraph.api.results"))
    assert status == 0 and json.loads(out)["model"]["model_id"] == "sherooz/ahmed"
    assert loaded == []
    # as text, explain renders through rich
    status, loaded, out = _modules_after(["explain", "sherooz/ahmed", "--db", str(sample_db)], ("rich",))
    assert status == 0 and "sherooz/ahmed" in out
    assert "rich.console" in loaded


def test_help_alone_loads_no_engine():
    status, heavy, out = _modules_after(["--help"])
    assert status == 0 and "explain" in out
    assert heavy == []


def test_every_command_module_is_listed_and_runs_its_help():
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"]).output
    for name in command_modules():
        assert name in listed
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_check_coerces_its_lists_of_paths_and_parents_without_pydantic(tmp_path, monkeypatch):
    """typer would coerce `PATH...` and a repeated `--parent-license` through pydantic
    (~0.1 s of every `check` from a pre-commit hook); the CLI's own coercion gives the same."""
    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "no-store.duckdb"))
    for name, parent in (("a", "org/mit-model"), ("b", "org/other-model")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(f"---\nlicense: mit\nbase_model: {parent}\n---\n# {name}\n")
    args = ["check", str(tmp_path / "a"), str(tmp_path / "b" / "README.md"), "--parent-license", "org/mit-model=mit",
            "--parent-license", "org/other-model=apache-2.0", "--format", "json"]
    status, loaded, out = _modules_after(args, ("pydantic", "typer._adapters"))
    assert status == 0 and loaded == []
    results = json.loads(out)
    assert [(r["path"], r["parents"][0]["license"]) for r in results] == [
        (str(tmp_path / "a" / "README.md"), "mit"), (str(tmp_path / "b" / "README.md"), "apache-2.0")]


def test_an_option_not_given_is_not_coerced_through_pydantic(sample_copy):
    """`audit` has an int option (`--as-of`); not given, it is None without typer building
    its pydantic coercion (~0.06 s of every audit from the shell)."""
    status, loaded, out = _modules_after(["audit", "--db", str(sample_copy)], ("pydantic", "typer._adapters"))
    assert status == 0 and "Noncompliance" in out
    assert loaded == []
