"""The ``modelshare`` command line: parsing and presentation only.

Example:
    $ modelshare quickstart --out releases/penguin-species
    $ modelshare release --model model.skops --train train.csv --target species --out rel
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from modelshare.errors import ModelshareError, UsageError

app = typer.Typer(
    name="modelshare",
    help="Turn a trained model and its data into a documented, verifiable, safe release.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON document for scripts.")]
SHOWN_ROWS = 20
"""Flagged rows listed by ``modelshare ood`` (``--out`` and ``--json`` hold them all)."""

OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output folder if it exists.")
]


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
        edit_hint=f"read {bundle.path / 'README.md'}; the human facts are example texts "
        "to replace with your own when you release your model",
    )
    bundle.print_audit_summary()


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="File to write.")] = Path("modelshare.yaml"),
    name: Annotated[str, typer.Option(help="Release name to put in the file.")] = "my-model",
    overwrite: OverwriteOption = False,
) -> None:
    """Write a commented modelshare.yaml naming every human fact a release needs."""
    from modelshare.meta import init_template

    if path.exists() and not overwrite:
        raise ModelshareError(f"{path} already exists; pass --overwrite to replace it")
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
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Build a release from files: a skops model, CSV/Parquet data and modelshare.yaml."""
    from modelshare.data import read_table, split_target
    from modelshare.fsutil import ensure_free_target
    from modelshare.meta import ReleaseMeta, load_meta
    from modelshare.models import model_from_file

    ensure_free_target(out_dir, overwrite=overwrite)
    facts = load_meta(meta) if meta else ReleaseMeta()
    tests = [_parse_test_option(value) for value in test or []]
    X_train, y_train = split_target(read_table(train), target, train.name)
    evaluations = [
        (name, path, *split_target(read_table(path), target, path.name)) for name, path in tests
    ]
    fitted = model_from_file(model)
    rel = facts.to_release(default_name=out_dir.name)
    provenance = facts.training_data.model_dump(exclude={"name"})
    rel.training_data(
        X_train, y_train, name=facts.training_data.name or train.stem, file=train, **provenance
    )
    rel.model(fitted)
    for name, path, X, y in evaluations:
        rel.evaluate(X, y, dataset=name, file=path)
    bundle = rel.save(out_dir, overwrite=overwrite, quiet=as_json)
    if as_json:
        typer.echo(release_summary_json(bundle))
        return
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
        documents = [json.loads(report.to_json()) for report in reports]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        for report in reports:
            render_report(report, out)
    raise typer.Exit(max(report.exit_code for report in reports))


ReferenceArgument = Annotated[
    str, typer.Argument(metavar="NAME[@VERSION]", help="A published release; latest by default.")
]


def print_verification(verification: Any) -> None:
    """Say that a folder matches its manifest, or name every file that does not."""
    from rich.table import Table
    from rich.text import Text

    folder = verification.folder
    if verification.ok:
        out.print(
            f"verified: {folder}: {len(verification.manifest.files)} files, "
            f"{verification.manifest.total_size} bytes match manifest.json",
            style="green",
            markup=False,
        )
        return
    table = Table("file", "status", title=Text(f"{folder} does not match its manifest"))
    for path, status in verification.problems():
        table.add_row(Text(path), Text(status, style="red"))
    out.print(table)


PublicKeyOption = Annotated[
    Path | None,
    typer.Option("--public-key", help="Also check the signature (model.sig) with this PEM key."),
]
PasswordEnvOption = Annotated[
    str | None,
    typer.Option(
        "--password-env", metavar="VAR", help="Environment variable holding the key's password."
    ),
]


def _key_password(variable: str | None) -> str | None:
    """The private key's password, read from the environment variable the user named."""
    import os

    if variable is None:
        return None
    if variable not in os.environ:
        raise UsageError(f"--password-env {variable}: that environment variable is not set")
    return os.environ[variable]


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="The release folder to check.")],
    public_key: PublicKeyOption = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data to re-run the evaluation on (CSV or Parquet)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="The target column of --data.")
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", help="The evaluation whose claims to check; default: by rows."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a release: every file against its manifest, the model loaded safely, the
    example run in a fresh process, the environment against requirements.txt.

    With --data and --target, re-run the evaluation and compare every claimed metric of the
    dataset (--dataset) with the measured one. With --public-key, also check that the release
    is exactly what that key's owner signed, before anything is loaded or run. Exit 1 when a
    file differs, a step fails or a claim does not reproduce.
    """
    if (data is None) != (target is None):
        raise UsageError("--data and --target go together: the data and its target column")
    if dataset is not None and data is None:
        raise UsageError("--dataset names the evaluation to re-run: give --data and --target")
    from modelshare.evaluate.reproduce import verify_release

    labelled = None
    if data is not None and target is not None:
        from modelshare.data import read_table, split_target

        labelled = split_target(read_table(data), target, data.name)
    result = verify_release(folder, public_key=public_key, data=labelled, dataset=dataset)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        print_release_verification(result)
    if not result.ok:
        raise typer.Exit(1)


def print_release_verification(result: Any) -> None:
    """The manifest verdict, then each step, the environment and the claims, one per line."""
    print_verification(result.manifest)
    if not result.manifest.ok:
        return
    if result.signed_by is not None:
        out.print(
            f"signature: {result.manifest.folder} is signed by {result.signed_by}",
            style="green",
            markup=False,
        )
    styles = {"ok": "green", "failed": "bold red", "skipped": "yellow"}
    for step in result.steps:
        out.print(f"{step.name}: {step.detail}", style=styles[step.status], markup=False)
    if result.environment:
        out.print("environment: differs from requirements.txt", style="yellow", markup=False)
        for difference in result.environment:
            out.print(f"  {difference.describe()}", markup=False)
    else:
        out.print("environment: every pinned package is installed at its version", markup=False)
    if result.claims is not None:
        print_claims(result.claims)


def print_claims(claims: Any) -> None:
    """A summary line, then every claim: reproduced, not reproduced or not measured."""
    rows = (
        "the rows the claims were measured on"
        if claims.same_rows
        else "other rows than the claims': checked against their confidence intervals"
    )
    verdict = "reproduced" if claims.reproduced else "NOT REPRODUCED"
    out.print(
        f"claims on {claims.dataset} ({rows}): {verdict}, "
        f"{claims.count('reproduced')} of {len(claims.checks)} reproduced",
        style="green" if claims.reproduced else "bold red",
        markup=False,
    )
    styles = {"reproduced": "", "not reproduced": "bold red", "not measured": "yellow"}
    for check in claims.checks:
        out.print(f"  {check.message()}", style=styles[check.status], markup=False)


@app.command()
def sign(
    folder: Annotated[Path, typer.Argument(help="The release folder to sign.")],
    key: Annotated[Path, typer.Option("--key", help="EC (P-256/384/521) PEM private key.")],
    password_env: PasswordEnvOption = None,
) -> None:
    """Sign a release with OpenSSF model-signing: writes model.sig beside manifest.json."""
    from modelshare.signing import sign_release

    signature = sign_release(folder, key, password=_key_password(password_env))
    out.print(
        f"signed {folder}: {signature}; check it with "
        f"`modelshare verify {folder} --public-key PUBLIC.pem`",
        style="green",
        markup=False,
    )


def _publish_target(to: str, repo: str | None, private: bool) -> Any:
    """The publish function of the chosen destination."""
    if to == "local":
        if repo is not None or private:
            raise UsageError("--repo and --private go with --to hf")
        from modelshare.hubs.local import LocalRegistry

        return LocalRegistry().publish
    if to != "hf":
        raise UsageError(f"--to {to!r}: publish to 'local' (the default) or 'hf'")
    if repo is None:
        raise UsageError("--to hf needs --repo ORG/NAME")
    from functools import partial

    from modelshare.hubs.hf import HuggingFaceHub

    return partial(HuggingFaceHub().publish, repo=repo, private=private)


@app.command()
def publish(
    folder: Annotated[Path, typer.Argument(help="The release folder to publish.")],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="local: the registry in $MODELSHARE_HOME; hf: the Hub at HF_ENDPOINT."
        ),
    ] = "local",
    repo: Annotated[
        str | None, typer.Option("--repo", metavar="ORG/NAME", help="The Hub repository.")
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Create the Hub repository private.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Publish even if `check` blocks it; the card says so."),
    ] = False,
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="Sign the published copy with this EC PEM private key."),
    ] = None,
    password_env: PasswordEnvOption = None,
    as_json: JsonOption = False,
) -> None:
    """Audit a release with `check`, then publish it to the local registry or the Hub."""
    from modelshare.hubs.publishing import publish_release

    target = _publish_target(to, repo, private)
    password = _key_password(password_env)
    outcome = publish_release(folder, target, force=force, sign_key=sign_key, password=password)
    published = outcome.published
    if as_json:
        typer.echo(json.dumps(outcome.as_dict(), indent=2))
        return
    if outcome.forced:
        err.print(
            f"warning: published with --force although `modelshare check` blocks it on "
            f"{', '.join(outcome.forced)}; the published card says so",
            markup=False,
        )
    if published.created:
        signed = " (signed)" if outcome.signed else ""
        out.print(
            f"published {published.name}@{published.version} to {published.location}{signed}",
            style="green",
            markup=False,
        )
    else:
        out.print(
            f"{published.name}@{published.version} is already published with identical "
            "content; nothing changed"
        )


@app.command("list")
def list_releases(as_json: JsonOption = False) -> None:
    """List the releases in the local registry with their versions."""
    from dataclasses import asdict

    from rich.table import Table
    from rich.text import Text

    from modelshare.hubs.local import LocalRegistry

    registry = LocalRegistry()
    releases = registry.list_releases()
    if as_json:
        typer.echo(json.dumps([asdict(release) for release in releases], indent=2))
        return
    if not releases:
        out.print(
            f"the local registry ({registry.root}) holds no release yet; "
            "publish one with `modelshare publish DIR`",
            markup=False,
        )
        return
    table = Table("name", "latest", "versions", title=Text(f"local registry: {registry.root}"))
    for release in releases:
        table.add_row(release.name, release.latest, ", ".join(release.versions))
    out.print(table)


def print_release_version(summary: dict[str, Any]) -> None:
    """A published version: who made it, what it does, how it scored, and its files."""
    from rich.table import Table
    from rich.text import Text

    out.print(f"{summary['name']}@{summary['version']}", style="bold", markup=False)
    out.print(f"  published: {summary['published_at']}  ({summary['location']})", markup=False)
    for label in ("description", "license"):
        out.print(f"  {label}: {summary[label] or 'not given'}", markup=False)
    out.print(f"  authors: {', '.join(summary['authors']) or 'not given'}", markup=False)
    out.print(
        f"  model: {summary['model']['estimator']} ({summary['model']['task']})", markup=False
    )
    for dataset, metrics in summary["metrics"].items():
        scores = ", ".join(f"{name} {value:.3f}" for name, value in metrics.items())
        out.print(f"  {dataset}: {scores}", markup=False)
    table = Table("file", "size", "sha256")
    for entry in summary["manifest"]["files"]:
        table.add_row(Text(entry["path"]), str(entry["size"]), entry["sha256"][:16])
    out.print(table)


@app.command()
def show(reference: ReferenceArgument, as_json: JsonOption = False) -> None:
    """Show a published release: its record summary and the files of its manifest."""
    from modelshare.hubs.base import parse_reference
    from modelshare.hubs.local import LocalRegistry

    summary = LocalRegistry().show(*parse_reference(reference)).summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        print_release_version(summary)


@app.command()
def pull(
    reference: Annotated[
        str,
        typer.Argument(
            metavar="NAME[@VERSION] | hf:ORG/NAME[@REVISION]",
            help="A release in the local registry (latest by default) or on the Hub (main).",
        ),
    ],
    to: Annotated[
        Path | None, typer.Option("--to", help="Destination folder; default ./NAME-VERSION.")
    ] = None,
    overwrite: OverwriteOption = False,
    require_signature: Annotated[
        bool,
        typer.Option("--require-signature", help="Refuse a release not signed by --public-key."),
    ] = False,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The PEM key the release must be signed with."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Copy a published release from the local registry or the Hub, checking every file's
    hash (and its signature with --public-key); nothing is left behind on failure."""
    from modelshare.hubs.base import parse_reference
    from modelshare.hubs.hf import HuggingFaceHub, is_hub_reference, parse_hub_reference
    from modelshare.hubs.local import LocalRegistry
    from modelshare.signing import signature_check

    if require_signature and public_key is None:
        raise UsageError("--require-signature needs --public-key, the key it must be signed with")
    if is_hub_reference(reference):
        repo, revision = parse_hub_reference(reference)
        label, pulled = f"{repo}@{revision}", {"repo": repo, "revision": revision}
        accept = signature_check(public_key, name=label) if public_key else None
        destination = HuggingFaceHub().pull(
            repo, revision, to=to, overwrite=overwrite, accept=accept
        )
    else:
        registry = LocalRegistry()
        resolved = registry.resolve(*parse_reference(reference))
        label, pulled = str(resolved), resolved._asdict()
        accept = signature_check(public_key, name=label) if public_key else None
        destination = registry.pull(*resolved, to=to, overwrite=overwrite, accept=accept)
    if as_json:
        typer.echo(json.dumps({**pulled, "path": str(destination)}, indent=2))
        return
    signed = f" and is signed by {public_key}" if public_key else ""
    out.print(
        f"pulled {label} into {destination}: every file matches the published manifest{signed}",
        style="green",
        markup=False,
    )


@app.command()
def serve(
    root: Annotated[
        Path | None,
        typer.Option(
            "--root", help="Where repositories are kept; default $MODELSHARE_HOME/server."
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="Tokens that may write, one a line; else read-only."),
    ] = None,
    lfs_threshold: Annotated[
        int | None,
        typer.Option(
            "--lfs-threshold",
            metavar="BYTES",
            help="Take larger files through LFS (for clients with HF_HUB_DISABLE_XET=1).",
        ),
    ] = None,
) -> None:
    """Serve releases over the Hugging Face Hub API; point clients at it with HF_ENDPOINT."""
    from modelshare.hubs.local import default_home
    from modelshare.hubs.server import LOOPBACK_HOSTS, read_tokens
    from modelshare.hubs.server import serve as run_server

    root = root or default_home() / "server"
    tokens = read_tokens(token_file) if token_file else frozenset()
    if host not in LOOPBACK_HOSTS:
        err.print(
            f"warning: listening on {host} over plain HTTP: tokens and files cross the network "
            "unencrypted; put the server behind a TLS proxy",
            markup=False,
        )
    access = f"writes need a token from {token_file}" if tokens else "read-only: no --token-file"
    err.print(
        f"serving {root} ({access}); clients use HF_ENDPOINT=http://{host}:{port}", markup=False
    )
    run_server(root, tokens=tokens, host=host, port=port, lfs_threshold=lfs_threshold)


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="A model file, or a folder to scan every file of.")],
    as_json: JsonOption = False,
) -> None:
    """Judge files by content and list what their pickles import; exit 1 if any is unsafe."""
    from rich.table import Table
    from rich.text import Text

    from modelshare.safety import scan_path

    report = scan_path(path)
    if as_json:
        typer.echo(report.to_json())
    else:
        table = Table("file", "format", "verdict", "imports", "problems", title=Text(str(path)))
        for file in report.files:
            highlight = dict.fromkeys(file.unsafe_globals, "bold red")
            imports = [Text(name, highlight.get(name, "")) for name in file.globals]
            trust = [Text(f"skops trust: {name}", "yellow") for name in file.untrusted_types]
            table.add_row(
                Text(file.path),
                Text(file.format),
                Text("safe", "green") if file.safe else Text("UNSAFE", "bold red"),
                Text(", ").join(imports + trust),
                Text("\n".join(file.problems)),
            )
        out.print(table)
        unsafe = sum(not file.safe for file in report.files)
        out.print(f"scanned {len(report.files)}, unsafe {unsafe}", markup=False)
    if not report.safe:
        raise typer.Exit(1)


@app.command()
def convert(
    checkpoint: Annotated[Path, typer.Argument(help="A torch.save state dict (.pth, .bin, .pt).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the weights into.")],
    config: Annotated[
        Path | None,
        typer.Option(help="JSON configuration; default: config.json beside the checkpoint."),
    ] = None,
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Turn a PyTorch checkpoint into model.safetensors + config.json, reading it with
    torch.load(weights_only=True) only."""
    from dataclasses import asdict

    from modelshare.convert import convert_checkpoint

    result = convert_checkpoint(checkpoint, out_dir, config=config, overwrite=overwrite)
    if as_json:
        typer.echo(json.dumps({**asdict(result), "folder": str(result.folder)}, indent=2))
        return
    out.print(
        f"converted {checkpoint.name} into {result.folder / 'model.safetensors'}: "
        f"{result.tensors} tensors, {result.parameters:,} values, read back equal",
        style="green",
        markup=False,
    )
    for name, kept in result.shared.items():
        out.print(f"  {name} shares its storage with {kept}: stored once", markup=False)
    out.print(
        f"  config.json from {result.config}"
        if result.config
        else "  no config.json written: pass --config with the settings that rebuild the model",
        markup=False,
    )


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
    from modelshare.profile import profile_file

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

    table = Table("column", "status", "kind", "result", title=Text(report.verdict))
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
    as_json: JsonOption = False,
) -> None:
    """Score each input row: is it like the training data? Lists the rows flagged and why."""
    from modelshare.data import read_table
    from modelshare.shift.detector import ood

    detector = ood(reference)
    rows = read_table(data)
    target = detector.scorer.profile.target
    if target is not None and target.name in rows.columns:
        rows = rows.drop(columns=[target.name])
    note = detector.model_note()
    scores = detector.score(rows, use_model=note is None)
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


def main() -> None:
    """Entry point: run the app; user errors print one line and exit non-zero."""
    try:
        app()
    except UsageError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(2)
    except ModelshareError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing was left half-written")
        sys.exit(130)
