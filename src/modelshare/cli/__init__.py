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
from modelshare.errors import ModelshareError, exit_code_for
from modelshare.imports import drop_release_folders_from_path
from modelshare.progress import reporting_progress

COMMAND_MODULES = ("authoring", "viewing", "checking", "sharing", "converting", "distribution")
"""The modules that register commands on :data:`app`, in the order ``--help`` lists them."""

for _module in COMMAND_MODULES:
    import_module(f"modelshare.cli.{_module}")


def main() -> None:
    """Entry point: run the app; an error of modelshare prints one line and exits with the
    code of its class (:func:`~modelshare.errors.exit_code_for`, the only place exit codes
    are chosen). Nothing is imported from a release folder, even when ``python -m
    modelshare`` runs inside one. Long hashing passes (verify, publish, pull, release) show
    :func:`progress_bar`."""
    drop_release_folders_from_path()
    try:
        with reporting_progress(progress_bar):
            app()
    except ModelshareError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(exit_code_for(error))
    except KeyboardInterrupt as interrupt:
        err.print("interrupted; nothing was left half-written")
        sys.exit(exit_code_for(interrupt))
