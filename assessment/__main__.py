"""``python -m assessment`` runs the ``desa-digital`` CLI (handy inside a source checkout)."""

from assessment.cli import main

main()
