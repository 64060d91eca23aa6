"""``python -m claims`` runs the claimdesk command line."""

from claims.cli import run

run()
