"""Commands that make a release: quickstart, init, release, schema, check.

Example:
    $ modelshare quickstart --out releases/penguin-species
    $ modelshare check releases/penguin-species
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from modelshare.cli.app import (
    JsonOption,
    OverwriteOption,
    TrustOption,
    app,
    err,
    out,
)
from modelshare.errors import InvalidInputError
from modelshare.layout import CARD_FILE


def print_release_summary(bundle: Any, *, edit_hint: str) -> None:
    """What was written, what was measured and what the author should still edit."""
    record = bundle.record
    data = record.training_data
    out.print(f"[bold green]Release saved:[/] {bundle.path}")
    out.print(
        f"  measured: {data.n_samples} training samples, {data.n_features} features, "
        f"{len(record.preprocessing)} preprocessing steps, "
        f"{sum(h.non_default for h in record.model.hyperparameters)} non-default "
        f"hyperparameters of {record.model.estimator}, "
        f"{len(record.environment.packages)} pinned packages"
    )
    for evaluation in record.evaluation:
        metrics = ", ".join(f"{m.name} {m.value:.3f}" for m in evaluation.metrics)
        out.print(f"  {evaluation.dataset.name}: {metrics}")
    missing = record.missing_facts()
    if missing:
        out.print(f"  [yellow]missing human facts:[/] {', '.join(missing)}")
    out.print(f"  next: {edit_hint}")


def print_audit_summary(release: Path) -> None:
    """The one-line checklist summary of a saved release, on stderr: the library prints
    nothing, so the commands that save a release audit it and say how it stands."""
    from modelshare.audit.check import check_path
    from modelshare.audit.report import summary_line

    err.print(f"checklist: {summary_line(check_path(release))}")


def release_summary_json(bundle: Any) -> str:
    """The machine-readable summary of a saved release."""
    record = bundle.record
    return json.dumps(
        {
            "path": str(bundle.path),
            "name": record.name,
            "version": record.version,
            "missing_facts": record.missing_facts(),
            "metrics": {e.dataset.name: e.headline_metrics() for e in record.evaluation},
        },
        indent=2,
    )


@app.command()
def quickstart(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the release.")] = Path(
        "releases/penguin-species"
    ),
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Train the bundled penguin classifier and save a complete, documented release."""
    from modelshare.quickstart import build_quickstart_release

    bundle = build_quickstart_release(out_dir, overwrite=overwrite)
    if as_json:
        typer.echo(release_summary_json(bundle))
        return
    print_release_summary(
        bundle,
        edit_hint=f"read {bundle.path / CARD_FILE}; the human facts are example texts "
        "to replace with your own when you release your model",
    )
    print_audit_summary(bundle.path)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="File to write.")] = Path("modelshare.yaml"),
    name: Annotated[str, typer.Option(help="Release name to put in the file.")] = "my-model",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the file if it exists.")
    ] = False,
) -> None:
    """Write a commented modelshare.yaml naming every human fact a release needs."""
    from modelshare.meta import init_template

    if path.exists() and not overwrite:
        raise InvalidInputError(f"{path} already exists; pass --overwrite to replace it")
    path.write_text(init_template(name), encoding="utf-8")
    out.print(f"wrote {path}: fill in the fields, then run `modelshare release --meta {path}`")


def _parse_test_option(value: str) -> tuple[str, Path]:
    """``NAME=PATH`` or ``PATH`` (named after the file) for ``--test``."""
    name, sep, path = value.partition("=")
    if sep and name and path:
        return name, Path(path)
    return Path(value).stem, Path(value)


@app.command()
def release(
    model: Annotated[Path, typer.Option(help="The fitted model, saved with skops.")],
    train: Annotated[Path, typer.Option(help="Training data (CSV or Parquet).")],
    target: Annotated[str, typer.Option(help="Name of the target column.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the release.")],
    test: Annotated[
        list[str] | None,
        typer.Option(help="Evaluation data, PATH or NAME=PATH; repeat for several datasets."),
    ] = None,
    meta: Annotated[Path | None, typer.Option(help="modelshare.yaml with the human facts.")] = None,
    example_rows: Annotated[
        str,
        typer.Option(
            metavar="auto|synthetic|evaluation|none|PATH",
            help="What the release's example predicts on: rows drawn from the training-data "
            "profile, the first evaluation rows (published), none, or the rows of a CSV/Parquet "
            "file; auto: synthetic where the data involves people or is marked private.",
        ),
    ] = "auto",
    trust: TrustOption = None,
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Build a release from files: a skops model, CSV/Parquet data and modelshare.yaml.

    The model file may build only the types modelshare trusts by default and those named
    with --trust (`modelshare scan MODEL` lists what it needs)."""
    from modelshare.examples import EXAMPLE_CHOICES
    from modelshare.fsutil import ensure_free_target
    from modelshare.meta import ReleaseMeta, load_meta
    from modelshare.models import model_from_file
    from modelshare.tables import read_table, split_target

    tests = [_parse_test_option(value) for value in test or []]
    rows_file = None if example_rows in EXAMPLE_CHOICES else Path(example_rows)
    inputs = [model, train, *(path for _, path in tests), *([meta] if meta else [])]
    inputs += [rows_file] if rows_file else []
    ensure_free_target(out_dir, overwrite=overwrite, inputs=inputs)
    facts = load_meta(meta) if meta else ReleaseMeta()
    X_train, y_train = split_target(read_table(train), target, train.name)
    evaluations = [
        (name, path, *split_target(read_table(path), target, path.name)) for name, path in tests
    ]
    fitted = model_from_file(model, trust or ())
    rel = facts.to_release(default_name=out_dir.name)
    provenance = facts.training_data.model_dump(exclude={"name"})
    rel.training_data(
        X_train, y_train, name=facts.training_data.name or train.stem, file=train, **provenance
    )
    rel.model(fitted)
    for name, path, X, y in evaluations:
        rel.evaluate(X, y, dataset=name, file=path)
    chosen: Any = example_rows
    if rows_file is not None:
        chosen = read_table(rows_file)
        chosen = chosen.drop(columns=[target]) if target in chosen.columns else chosen
    bundle = rel.save(out_dir, overwrite=overwrite, example_rows=chosen)
    if as_json:
        typer.echo(release_summary_json(bundle))
        return
    print_audit_summary(bundle.path)
    print_release_summary(
        bundle,
        edit_hint="fill the missing facts in modelshare.yaml and run the command again"
        if bundle.record.missing_facts()
        else f"check it with `modelshare check {bundle.path}`",
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of modelshare.json, the release record."""
    from modelshare.record import record_json_schema

    typer.echo(json.dumps(record_json_schema(), indent=2))


@app.command()
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Release folders, README.md files or any model-card markdown."),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Make missing recommended items blocking.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Audit model cards against the documentation checklist and the risks of sharing.

    Exit 0 when no required item is missing and no blocking risk is raised, 1 otherwise,
    2 for input that cannot be read. With several paths, the highest exit code wins.
    """
    from modelshare.audit.check import check_path
    from modelshare.audit.report import render_report

    reports = [check_path(path, strict=strict) for path in paths]
    if as_json:
        documents = [report.to_dict() for report in reports]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        for report in reports:
            render_report(report, out)
    raise typer.Exit(max(report.exit_code for report in reports))
