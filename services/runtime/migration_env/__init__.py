"""Alembic's environment (`env.py`) and revision template, shared by every service's migrations."""
