r"""What several command modules share: the Typer app, the consoles, the progress bar, common
options and the signing key's password.

Whatever the consoles print, from a record, a card, a manifest, a file name or an error, they
never send a terminal control character it held: each is printed escaped (``\x1b``,
``\u202e``), see :class:`SafeConsole`.

Example:
    >>> from modelshare.cli.app import app, out
    >>> out.print("verified", style="green")
    verified
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from modelshare.errors import EXIT_CODES, InvalidInputError
from modelshare.progress import no_advance

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderableType
    from rich.segment import Segment

    from modelshare.progress import Advance

TERMINAL_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""Characters a terminal acts on instead of showing: C0 controls (newline and tab aside),
DEL, C1 controls, and the marks and overrides that reorder bidirectional text."""


def escape_controls(text: str) -> str:
    r"""``text`` with every terminal control character written as its Python escape.

    Example:
        >>> escape_controls("ok\x1b[2J\u202egnp.exe\r")
        'ok\\x1b[2J\\u202egnp.exe\\r'
    """
    return TERMINAL_CONTROLS.sub(lambda match: repr(match.group())[1:-1], text)


def one_line(text: str) -> str:
    r"""``text`` kept on one line: newlines and tabs escaped as well, for a value printed inline.

    Example:
        >>> one_line("fine\nverified: forged")
        'fine\\nverified: forged'
    """
    return escape_controls(text).replace("\n", r"\n").replace("\t", r"\t")


def escape_text(text: Text) -> Text:
    r"""A copy of rich ``text`` with its control characters escaped, its styles kept.

    Example:
        >>> escape_text(Text("evil\x1b[2J.txt", style="red")).plain
        'evil\\x1b[2J.txt'
    """
    escaped, position = text.blank_copy(), 0
    for match in TERMINAL_CONTROLS.finditer(text.plain):
        escaped.append_text(text[position : match.start()])
        escaped.append(escape_controls(match.group()))
        position = match.end()
    escaped.append_text(text[position:])
    return escaped


class SafeConsole(Console):
    r"""A rich console that escapes the terminal control characters of what it prints.

    Strings are escaped before rich makes text of them (rich would drop ``\r`` silently and
    pass ``\x1b`` through), and rich text (table cells and titles, ``Text`` built by a
    command) just before it is laid out; the console's own styles are untouched.

    Example:
        >>> SafeConsole().print("title\x1b]0;owned\x07")
        title\x1b]0;owned\x07
    """

    def render_str(self, text: str, **settings: Any) -> Text:
        """The string as rich text, its control characters escaped first."""
        return super().render_str(escape_controls(text), **settings)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """The segments of ``renderable``, rich text escaped before it is laid out."""
        if isinstance(renderable, Text) and TERMINAL_CONTROLS.search(renderable.plain):
            renderable = escape_text(renderable)
        return super().render(renderable, options)


EXIT_MEANINGS = {
    0: "success: done, and nothing wrong was found",
    1: 'the answer is "no" (check, drift, verify, scan), or another failure',
    2: "a command line, argument, file or value cannot be used, or no release is there",
    3: "a hub cannot be reached, refused the token, or failed",
    130: "interrupted (Ctrl-C); nothing was left half-written",
}
"""What each exit code of the command line means; :data:`~modelshare.errors.EXIT_CODES` says
which errors exit with it."""


def exit_code_rows() -> list[tuple[int, str, str]]:
    """Each exit code, what it means, and the errors that exit with it: the table of
    ``modelshare --help`` and of docs/cli.md.

    Example:
        >>> exit_code_rows()[3]
        (3, 'a hub cannot be reached, refused the token, or failed', 'HubError')
    """
    raised: dict[int, list[str]] = {}
    for kind, code in EXIT_CODES:
        raised.setdefault(code, []).append(kind.__name__)
    return [
        (code, meaning, ", ".join(raised.get(code, []))) for code, meaning in EXIT_MEANINGS.items()
    ]


def exit_code_epilog() -> str:
    """The exit codes as the end of ``modelshare --help``: each code and its meaning, the
    errors that exit with it on the line below."""
    lines = ["\b", "Exit codes:"]
    for code, meaning, raised in exit_code_rows():
        lines += [f"  {code:<4} {meaning}", *([f"       {raised}"] if raised else [])]
    return "\n".join(lines)


app = typer.Typer(
    name="modelshare",
    help="Turn a trained model and its data into a documented, verifiable, safe release.",
    epilog=exit_code_epilog(),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def _print_version(asked: bool) -> None:
    """``--version``: print ``modelshare VERSION`` and stop."""
    if asked:
        from modelshare import __version__

        typer.echo(f"modelshare {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The options that come before any command."""


PROGRESS_THRESHOLD = 256 * 1000 * 1000
"""Hashing more bytes than this shows a progress bar on an interactive stderr."""


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Advance]:
    """How every command shows the library's long passes (:mod:`modelshare.progress`): a bar
    on stderr, gone when done, for more than :data:`PROGRESS_THRESHOLD` bytes on a terminal;
    nothing otherwise.

    Example:
        >>> from modelshare.manifest import verify_folder
        >>> from modelshare.progress import reporting_progress
        >>> with reporting_progress(progress_bar):
        ...     verify_folder(Path("releases/penguin-species")).ok
        True
    """
    if total < PROGRESS_THRESHOLD or not err.is_terminal:
        yield no_advance
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        yield partial(progress.advance, progress.add_task(description, total=total))


JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON document for scripts.")]
OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace the output folder if modelshare wrote it (an earlier release or converted "
        "model); never another folder, the current or home folder, or one holding an input.",
    ),
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
        raise InvalidInputError(f"--password-env {variable}: that environment variable is not set")
    return os.environ[variable]
