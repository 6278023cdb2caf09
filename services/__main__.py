"""`python -m services` is the `dutywatch` command."""

from services.cli import app

app()
