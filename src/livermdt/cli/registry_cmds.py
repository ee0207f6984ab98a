"""``livermdt registry import-tcia|import-csv`` and ``livermdt cohort report|concordance``.

The commands use the database of ``LIVERMDT_DATABASE_URL`` (migrations applied first), like
``livermdt serve``. Imports are all-or-nothing; a bad row prints ``line N, column C: ...`` and
the command exits 2 with nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from livermdt.about import DISCLAIMER

registry_app = typer.Typer(
    name="registry", help="Import registry data (TCIA CRLM, hospital CSV).", no_args_is_help=True
)
cohort_app = typer.Typer(
    name="cohort", help="Cohort analytics: survival report, MDT concordance.", no_args_is_help=True
)


@contextmanager
def _registry_service() -> Iterator[Any]:
    from livermdt.services.registry import RegistryService
    from livermdt.storage.db import make_engine
    from livermdt.storage.migrate import upgrade
    from livermdt.web.settings import Settings

    engine = make_engine(Settings())
    try:
        upgrade(engine)
        yield RegistryService(engine)
    finally:
        engine.dispose()


def _write_report(records: list[Any], out: Path, where: list[str], title: str) -> dict[str, Any]:
    from livermdt.analytics.frame import apply_where, cohort_frame, parse_where
    from livermdt.analytics.report import cohort_report

    frame = cohort_frame(records)
    if where:
        frame = apply_where(frame, parse_where(where, list(frame.columns)))
    return cohort_report(frame, out, title=title, filters=where)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    typer.echo(DISCLAIMER)
    typer.echo(f"{summary['n_patients']} patients; report written to {out}/report.html")
    for ep in summary["endpoints"].values():
        o = ep.get("overall")
        if not o:
            continue
        lo, hi = o["median_ci95"]

        def f(x: float | None) -> str:
            return "not reached" if x is None else f"{x:.1f}"

        typer.echo(
            f"  {ep['title']}: n={o['n']}, events={o['events']}, median {f(o['median_months'])} "
            f"months (95% CI {f(lo)}–{f(hi)})"
        )


@registry_app.command("import-tcia")
def import_tcia_cmd(
    path: Path = typer.Argument(..., help="clinical-n197.csv or the TCIA .xlsx"),
    report: Path | None = typer.Option(
        None, "--report", help="Also write the cohort report of the imported patients here."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
) -> None:
    """Import the TCIA Colorectal-Liver-Metastases clinical data (CC BY 4.0, Simpson et al.
    2024, doi:10.1038/s41597-024-02981-2)."""
    from livermdt.analytics.tcia import ATTRIBUTION, import_tcia

    records = import_tcia(path)
    if dry_run:
        typer.echo(f"{len(records)} patients checked; nothing written (--dry-run)")
    else:
        with _registry_service() as service:
            result = service.import_records(records)
        typer.echo(f"imported {result.imported} patients from {result.source}")
    typer.echo(ATTRIBUTION)
    if report is not None:
        summary = _write_report(records, report, [], "TCIA Colorectal-Liver-Metastases")
        _print_summary(summary, report)


@registry_app.command("import-csv")
def import_csv_cmd(
    path: Path = typer.Argument(..., help="A CSV (or XLSX) registry export."),
    mapping: Path = typer.Option(..., "--mapping", help="JSON mapping file (docs/registry.md)."),
    sheet: str | None = typer.Option(None, "--sheet", help="Sheet name of an XLSX file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
) -> None:
    """Import a hospital's registry export with a column mapping."""
    from livermdt.analytics.importing import import_csv, load_mapping

    records = import_csv(path, load_mapping(mapping), sheet)
    if dry_run:
        typer.echo(f"{len(records)} patients checked; nothing written (--dry-run)")
        return
    with _registry_service() as service:
        result = service.import_records(records)
    typer.echo(f"imported {result.imported} patients from {result.source}")


@cohort_app.command("report")
def cohort_report_cmd(
    out: Path = typer.Option(..., "--out", help="Folder for the report files."),
    where: list[str] = typer.Option(
        [], "--where", help="Filter, e.g. timing=synchronous or fong_crs_recorded>=3 (repeatable)."
    ),
    source: str | None = typer.Option(None, "--source", help="Only this registry (tcia-crlm)."),
    tcia: Path | None = typer.Option(
        None, "--tcia", help="Read the TCIA file directly instead of the database."
    ),
) -> None:
    """Write the cohort report (tables, Kaplan–Meier figures, report.html, summary.json)."""
    if tcia is not None:
        from livermdt.analytics.tcia import import_tcia

        records = import_tcia(tcia)
        title = "TCIA Colorectal-Liver-Metastases"
    else:
        with _registry_service() as service:
            records = service.cohort_records(source)
        title = f"livermdt cohort ({source})" if source else "livermdt cohort"
    summary = _write_report(records, out, where, title)
    _print_summary(summary, out)


@cohort_app.command("concordance")
def concordance_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """How often the recorded MDT decisions followed livermdt's proposal."""
    from livermdt.analytics.concordance import concordance

    with _registry_service() as service:
        result = concordance(service.decision_entries())
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    typer.echo(DISCLAIMER)
    o = result.overall
    if not o.decisions:
        typer.echo("no recorded decisions")
        return
    typer.echo(f"decisions: {o.decisions}; following the proposal: {o.following} ({o.share:.0%})")
    typer.echo("by category:")
    for cat, share in result.by_category.items():
        typer.echo(f"  {cat}: {share.following}/{share.decisions} ({share.share:.0%})")
    typer.echo("by recommended code:")
    for c in result.by_code:
        typer.echo(
            f"  {c.code}: followed {c.following}/{c.proposals}; decided with the code "
            f"{c.decided_with_code}"
        )
    if result.reasons:
        typer.echo("deviation reasons:")
        for reason, n in result.reasons.items():
            typer.echo(f"  {n} x {reason}")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.add_typer(registry_app)
    app.add_typer(cohort_app)
