"""shared directory: units and shifts in the read model every service shares (`services/directory/`)

Revision 0004. Shifts, one row per unit until now, are kept with their history (a row per shift, its end once the
roster tells it), their people's ids and phones indexed; units gain their kind (the roster republishes every unit
on its start) and their duty room's phone (indexed).
"""

from services.directory.revisions import Shape, move_back, move_to_shared_tables

revision, down_revision = "0004", "0003"
upgrade = move_to_shared_tables


def downgrade() -> None:
    move_back(
        Shape(
            units=("unit_id", "name", "parent_id", "duty_room", "recipients"),
            shifts=("unit_id", "shift_id", "officer", "leader", "starts_at", "ends_at"),
            keys={"units": "unit_id", "shifts": "unit_id"},
            indexed={"units": (), "shifts": ()},
        )
    )
