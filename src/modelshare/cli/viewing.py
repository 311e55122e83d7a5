"""Commands that show a release to a person: card.

``card`` writes the page of :func:`modelshare.card.html.write_html`; an unusable release or
OUT (a folder, a missing folder, a path inside the release) is a one-line error, exit 2.

Example:
    $ modelshare card releases/penguin-species --html penguin-species.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelshare.cli.app import app, out


@app.command()
def card(
    release: Annotated[Path, typer.Argument(help="The release folder.")],
    html: Annotated[
        Path,
        typer.Option("--html", metavar="OUT", help="Write the card as one HTML page to OUT."),
    ],
) -> None:
    """Write a release's model card as one HTML page that runs no script and fetches
    nothing: metadata in a side panel, missing facts marked, images embedded."""
    from modelshare.card.html import write_html

    written = write_html(release, html)
    out.print(f"wrote {written}: the card of {release} as HTML", markup=False)
