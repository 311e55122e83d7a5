"""Commands that check a release where it is received: verify and sign.

Example:
    $ modelshare verify releases/penguin-species --data test.csv --target species
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelshare.cli.app import (
    JsonOption,
    PasswordEnvOption,
    SignatureOption,
    TrustOption,
    app,
    key_password,
    one_line,
    out,
)
from modelshare.errors import InvalidInputError

if TYPE_CHECKING:
    from modelshare.evaluate.claims import ClaimsReport
    from modelshare.manifest import Verification
    from modelshare.verification import ReleaseVerification


def print_verification(verification: Verification) -> None:
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


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="The release folder to check.")],
    require_signature: SignatureOption = None,
    trust: TrustOption = None,
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
    run_example: Annotated[
        bool,
        typer.Option(
            "--run-example",
            help="Run examples/predict.py in an isolated temporary copy: python -I, no "
            "credentials, temporary HOME, time limit, no network where unshare allows.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Verify a release: every file against its manifest, the model loaded safely, the
    environment against requirements.txt.

    The example (examples/predict.py) is code from the release: it is not run unless
    --run-example, and then in a temporary copy with python -I, no credential variables, a
    temporary HOME, a time limit and, on Linux where unshare allows, no network. With --data
    and --target, re-run the evaluation and compare every claimed metric of the dataset
    (--dataset) with the measured one. With --require-signature, also check that the release
    is exactly what that key's owner signed, before anything is loaded or run. A folder
    without manifest.json is refused. Exit 1 when a file differs, a step fails or a claim
    does not reproduce.
    """
    if (data is None) != (target is None):
        raise InvalidInputError("--data and --target go together: the data and its target column")
    if dataset is not None and data is None:
        raise InvalidInputError(
            "--dataset names the evaluation to re-run: give --data and --target"
        )
    from modelshare.verification import verify_release

    labelled = None
    if data is not None and target is not None:
        from modelshare.tables import read_table, split_target

        labelled = split_target(read_table(data), target, data.name)
    result = verify_release(
        folder,
        require_signature=require_signature,
        trusted=trust or (),
        data=labelled,
        dataset=dataset,
        run_example=run_example,
    )
    if as_json:
        typer.echo(result.to_json())
    else:
        print_release_verification(result)
    if not result.ok:
        raise typer.Exit(1)


def print_release_verification(result: ReleaseVerification) -> None:
    """The manifest verdict, then each step (the example's isolation on the line after it),
    the environment and the claims, one per line."""
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
        out.print(f"{step.name}: {one_line(step.detail)}", style=styles[step.status], markup=False)
        if step.isolation is not None:
            out.print(f"  {step.isolation.describe()}", markup=False)
    if result.environment:
        out.print("environment: differs from requirements.txt", style="yellow", markup=False)
        for difference in result.environment:
            out.print(f"  {one_line(difference.describe())}", markup=False)
    else:
        out.print("environment: every pinned package is installed at its version", markup=False)
    if result.claims is not None:
        print_claims(result.claims)


def print_claims(claims: ClaimsReport) -> None:
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
        out.print(f"  {one_line(check.message())}", style=styles[check.status], markup=False)


@app.command()
def sign(
    folder: Annotated[Path, typer.Argument(help="The release folder to sign.")],
    key: Annotated[Path, typer.Option("--key", help="EC (P-256/384/521) PEM private key.")],
    password_env: PasswordEnvOption = None,
) -> None:
    """Sign a release with OpenSSF model-signing: writes model.sig beside manifest.json."""
    from modelshare.signing import sign_release

    signature = sign_release(folder, key, password=key_password(password_env))
    out.print(
        f"signed {folder}: {signature}; check it with "
        f"`modelshare verify {folder} --require-signature PUBLIC.pem`",
        style="green",
        markup=False,
    )
