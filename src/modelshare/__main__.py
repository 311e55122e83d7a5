"""``python -m modelshare`` runs the command line. Python put the current folder first on
``sys.path``: when that is a release, it is dropped before anything else is imported."""

from modelshare.imports import drop_release_folders_from_path

drop_release_folders_from_path()

from modelshare.cli import main  # noqa: E402 (imported once the path is safe)

main()
