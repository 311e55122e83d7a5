"""The ``modelshare`` command line: parsing and presentation only, one module per group of
commands, registered on one Typer app in the order ``--help`` lists them.

Example:
    $ modelshare quickstart --out releases/penguin-species
    $ modelshare release --model model.skops --train train.csv --target species --out rel
"""

from __future__ import annotations

import sys
from importlib import import_module

from modelshare.cli.app import app, err, progress_bar
from modelshare.errors import ModelshareError, UsageError
from modelshare.imports import drop_release_folders_from_path
from modelshare.progress import reporting_progress

COMMAND_MODULES = ("authoring", "viewing", "checking", "sharing", "converting", "distribution")
"""The modules that register commands on :data:`app`, in the order ``--help`` lists them."""

for _module in COMMAND_MODULES:
    import_module(f"modelshare.cli.{_module}")


def main() -> None:
    """Entry point: run the app; user errors print one line and exit non-zero. Nothing is
    imported from a release folder, even when ``python -m modelshare`` runs inside one. Long
    hashing passes (verify, publish, pull, release) show :func:`progress_bar`."""
    drop_release_folders_from_path()
    try:
        with reporting_progress(progress_bar):
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
