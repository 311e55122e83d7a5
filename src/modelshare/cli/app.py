"""What every command module shares: the Typer app, the consoles, common options and the
manifest verification printout.

Example:
    >>> from modelshare.cli.app import app, out
    >>> out.print("verified", style="green")
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from modelshare.errors import UsageError

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
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output folder if it exists.")
]


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


def key_password(variable: str | None) -> str | None:
    """The private key's password, read from the environment variable the user named."""
    import os

    if variable is None:
        return None
    if variable not in os.environ:
        raise UsageError(f"--password-env {variable}: that environment variable is not set")
    return os.environ[variable]
