"""What several command modules share: the Typer app, the consoles, common options and the
signing key's password.

Example:
    >>> from modelshare.cli.app import app, out
    >>> out.print("verified", style="green")
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
SignatureOption = Annotated[
    Path | None,
    typer.Option(
        "--require-signature",
        "--public-key",
        metavar="PUBLIC_KEY",
        help="Refuse the release unless model.sig shows that the owner of this PEM public key "
        "signed every file of it (the card included).",
    ),
]
TrustOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trust",
        metavar="TYPE",
        help="A skops type you trust beyond modelshare's default list; repeat for several. "
        "Grant only what `modelshare scan` names, and only for a publisher you trust.",
    ),
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
