"""shared directory: board_units and board_shifts in the read model every service shares (`services/directory/`)

Revision 0003. Units gain their duty room and its phone (indexed; the roster republishes every unit on its start);
shifts their people's ids and phones (indexed).
"""

from collections.abc import Sequence

from services.directory.revisions import Shape, move_back, move_to_shared_tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    move_to_shared_tables(prefix="board_")


def downgrade() -> None:
    move_back(
        Shape(
            units=("unit_id", "name", "kind", "parent_id", "recipients"),
            shifts=("shift_id", "unit_id", "officer", "leader", "starts_at", "ends_at", "ended_at"),
            indexed={"units": (), "shifts": ("ends_at", "unit_id")},
        ),
        prefix="board_",
    )
