"""Commands about data distributions: profile, drift and ood.

Example:
    $ modelshare drift releases/penguin-species new.csv --report drift.html
    $ modelshare ood releases/penguin-species new.csv
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from modelshare.cli.app import (
    JsonOption,
    TrustOption,
    app,
    out,
)

SHOWN_ROWS = 20
"""Flagged rows listed by ``modelshare ood`` (``--out`` and ``--json`` hold them all)."""


@app.command("profile")
def profile_command(
    data: Annotated[Path, typer.Argument(help="The data to profile: CSV or Parquet.")],
    target: Annotated[
        str | None, typer.Option(help="The label column: profiled as the class balance.")
    ] = None,
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the profile JSON.")
    ] = Path("profile.json"),
    k_anonymity: Annotated[
        int, typer.Option("--k-anonymity", min=1, help="Publish only numbers about >= K rows.")
    ] = 10,
    dask: Annotated[
        str | None,
        typer.Option(help="Profile on Dask: 'local' or a scheduler address (tcp://host:8786)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a privacy-safe profile of a dataset's distribution (no rows, clipped extremes)."""
    from modelshare.fsutil import write_file_durably
    from modelshare.profiling import profile_file

    result = profile_file(data, target=target, k_anonymity=k_anonymity, dask=dask)
    text = result.to_json()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_file_durably(out_file, text.encode("utf-8"))
    if as_json:
        summary = {
            "path": str(out_file),
            "bytes": len(text),
            "rows": result.rows,
            "columns": [column.name for column in result.columns],
            "target": result.target.name if result.target else None,
            "skipped": result.skipped,
            "withheld": result.privacy.withheld,
        }
        typer.echo(json.dumps(summary, indent=2))
        return
    print_profile(result, out_file, len(text))


def print_profile(profile: Any, path: Path, size: int) -> None:
    """Each profiled column in one line, then what was withheld for privacy."""
    from rich.table import Table
    from rich.text import Text

    table = Table("column", "kind", "values", "missing", "summary", title=Text(str(path)))
    columns = [*profile.columns, *([profile.target] if profile.target else [])]
    for column in columns:
        table.add_row(
            Text(column.name),
            column.kind,
            str(column.count),
            str(column.missing),
            Text(_column_summary(column)),
        )
    out.print(table)
    out.print(f"wrote {path}: {profile.rows} rows, {size} bytes, no raw rows", markup=False)
    for note in profile.privacy.withheld:
        out.print(f"  withheld: {note}", markup=False)


def _column_summary(column: Any) -> str:
    """Clipped range and median of a numeric column, or its most frequent categories."""
    if column.kind == "categorical":
        shares = list(column.shares().items())[:3]
        return ", ".join(f"{label} {share:.0%}" for label, share in shares)
    grid = column.quantiles
    if grid is None:
        return "too few values to publish quantiles"
    return f"{grid.values[0]:.4g} … {grid.median():.4g} … {grid.values[-1]:.4g} (clipped)"


@app.command("drift")
def drift_command(
    reference: Annotated[
        Path, typer.Argument(help="A release folder (its data_profile.json) or a profile JSON.")
    ],
    new: Annotated[Path, typer.Argument(help="The new data: CSV or Parquet.")],
    target: Annotated[
        str | None,
        typer.Option(help="Column of NEW with labels or predictions, for label shift."),
    ] = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
    ] = None,
    alpha: Annotated[
        float, typer.Option(min=0.0001, max=0.5, help="False discovery rate of the tests.")
    ] = 0.05,
    wasserstein: Annotated[
        float, typer.Option(min=0, help="Smallest numeric effect (reference spreads).")
    ] = 0.1,
    jensen_shannon: Annotated[
        float, typer.Option(min=0, max=1, help="Smallest categorical effect (JS distance).")
    ] = 0.1,
    missing_rate: Annotated[
        float, typer.Option(min=0, help="Smallest missing-rate change (Cohen's h).")
    ] = 0.2,
    reference_dataset: Annotated[
        str | None,
        typer.Option(help="Compare with this evaluation dataset of the release, not training."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare new data with a training-data profile, column by column; exit 1 on drift."""
    from modelshare.shift import DriftSettings, drift

    settings = DriftSettings(
        alpha=alpha,
        wasserstein=wasserstein,
        jensen_shannon=jensen_shannon,
        missing_rate=missing_rate,
    )
    report = drift(
        reference, new, target=target, settings=settings, reference_dataset=reference_dataset
    )
    if report_file is not None:
        report.write_html(report_file)
    if as_json:
        typer.echo(report.to_json())
    else:
        print_drift(report, report_file)
    if report.drifted:
        raise typer.Exit(1)


def print_drift(report: Any, report_file: Path | None) -> None:
    """The verdict, then one line per column: status, strongest test and missing shares."""
    from rich.table import Table
    from rich.text import Text

    table = Table("column", "status", "kind", "result")
    label_shift = [report.label_shift] if report.label_shift else []
    for column in [*label_shift, *report.columns]:
        style = "bold red" if column.drifted else "green" if column.status == "stable" else ""
        name = f"{column.name} (target)" if column.role == "target" else column.name
        table.add_row(
            Text(name), Text(column.status, style), column.kind or "", Text(column.message)
        )
    out.print(table)
    out.print(report.verdict, style="bold red" if report.drifted else "green", markup=False)
    if report_file is not None:
        out.print(f"report: {report_file}", markup=False)


@app.command("ood")
def ood_command(
    reference: Annotated[
        Path, typer.Argument(help="A release folder (profile, thresholds, model) or a profile.")
    ],
    data: Annotated[Path, typer.Argument(help="The inputs to score: CSV or Parquet.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write every row's scores and flags as CSV.")
    ] = None,
    trust: TrustOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score each input row: is it like the training data? Lists the rows flagged and why."""
    from modelshare.shift.detector import ood
    from modelshare.tables import read_table

    detector = ood(reference, trusted=trust or ())
    rows = read_table(data)
    target = detector.scorer.profile.target
    if target is not None and target.name in rows.columns:
        rows = rows.drop(columns=[target.name])
    note = detector.model_note()
    scores = detector.score(rows)
    if out_file is not None:
        scores.to_csv(out_file, index_label="row")
    flagged = scores[scores["flag"]]
    if as_json:
        summary = {
            "rows": len(scores),
            "flagged": len(flagged),
            "thresholds": detector.thresholds.model_dump() if detector.thresholds else None,
            "note": note,
            "flagged_rows": [
                {"row": int(row), "score": _finite(score), "reasons": reasons}
                for row, score, reasons in zip(
                    flagged.index, flagged["score"], flagged["reasons"], strict=True
                )
            ],
        }
        typer.echo(json.dumps(summary, indent=2))
        return
    print_ood(flagged, len(scores), detector, note, out_file)


def print_ood(
    flagged: Any, rows: int, detector: Any, note: str | None, out_file: Path | None
) -> None:
    """The flagged rows (the first 20) with their reasons, then the share flagged."""
    from rich.table import Table
    from rich.text import Text

    if len(flagged):
        table = Table("row", "distance", "reasons")
        for row, score, reasons in list(
            zip(flagged.index, flagged["score"], flagged["reasons"], strict=True)
        )[:SHOWN_ROWS]:
            table.add_row(str(row), f"{score:.2f}", Text(reasons))
        out.print(table)
    thresholds = detector.thresholds
    calibration = (
        f"thresholds accept {thresholds.tpr:.0%} of {thresholds.dataset}"
        if thresholds
        else "thresholds not calibrated on held-out data"
    )
    out.print(
        f"{len(flagged)} of {rows} rows flagged ({len(flagged) / max(rows, 1):.1%}); {calibration}",
        style="bold red" if len(flagged) else "green",
        markup=False,
    )
    if note is not None and thresholds is not None and thresholds.max_softmax is not None:
        out.print(f"class scores not checked: {note}", markup=False)
    if out_file is not None:
        out.print(f"scores: {out_file}", markup=False)


def _finite(value: float) -> float | None:
    """A float for JSON: None for NaN."""
    return None if math.isnan(value) else round(float(value), 4)
