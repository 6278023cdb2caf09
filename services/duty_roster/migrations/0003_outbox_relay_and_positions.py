"""outbox relay lease and published positions (the runtime's step, written once: `runtime_tables.py`)"""

from services.runtime.migration_env.runtime_tables import create_relay_lease_and_positions_v2 as upgrade
from services.runtime.migration_env.runtime_tables import drop_relay_lease_and_positions_v2 as downgrade

revision, down_revision = "0003", "0002"
__all__ = ["downgrade", "upgrade"]  # Alembic calls them
