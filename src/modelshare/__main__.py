"""``python -m modelshare`` runs the command line."""

from modelshare.cli import main

main()
