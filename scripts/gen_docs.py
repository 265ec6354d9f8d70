"""Regenerate docs/schema.md (from schemas/layout.yaml), docs/cli.md (from the CLI's --help) and
docs/errors.md (from ``eventextract.errors.CATALOGUE``)."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from eventextract import schema
from eventextract.cli import app
from eventextract.errors import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["run", "annotate", "eval", "validate", "verify", "diff", "publish", "download", "serve", "schema",
            "doctor"]


def cli_reference() -> str:
    runner = CliRunner()
    parts = ["# Command line reference", "",
             "Generated from `eventextract --help` by `make docs`; do not edit.", ""]
    for args in [[]] + [[c] for c in COMMANDS]:
        res = runner.invoke(app, args + ["--help"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"},
                            prog_name="eventextract")
        title = "eventextract" + (f" {args[0]}" if args else "")
        parts += [f"## `{title}`", "", "```", res.output.rstrip(), "```", ""]
    return "\n".join(parts)


def error_reference() -> str:
    lines = ["# Error codes", "", "Generated from `eventextract.errors.CATALOGUE` by `make docs`; do not edit.", "",
             "A document-level error is recorded in the documents table as `<code>: <message>` and the run goes on.",
             "", "| code | meaning |", "|---|---|"]
    lines += [f"| {code} | {text} |" for code, text in sorted(CATALOGUE.items())]
    return "\n".join(lines)


def main() -> None:
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "schema.md").write_text(schema.markdown_reference() + "\n", encoding="utf-8")
    (ROOT / "docs" / "cli.md").write_text(cli_reference() + "\n", encoding="utf-8")
    (ROOT / "docs" / "errors.md").write_text(error_reference() + "\n", encoding="utf-8")
    print("wrote docs/schema.md, docs/cli.md and docs/errors.md")


if __name__ == "__main__":
    main()
