"""``python -m spacekg`` runs the command line."""

from spacekg.cli import main

main()
