"""shared directory: board_units and board_shifts in the read model every service shares (`services/directory/`)

Revision 0003. Units gain their duty room and its phone (indexed; the roster republishes every unit on its start);
shifts their people's ids and phones (indexed).
"""

from services.directory.revisions import Shape, move_back, move_to_shared_tables

revision, down_revision = "0003", "0002"


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
