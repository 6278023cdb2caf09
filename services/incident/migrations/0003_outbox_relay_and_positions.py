"""outbox relay lease and published positions

Revision 0003, written 2026-12-06 03:48:13.736334.
"""

from collections.abc import Sequence

from services.runtime.migration_env.runtime_tables import (
    create_relay_lease_and_positions_v2,
    drop_relay_lease_and_positions_v2,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_relay_lease_and_positions_v2()


def downgrade() -> None:
    drop_relay_lease_and_positions_v2()
