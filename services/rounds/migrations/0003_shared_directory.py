"""shared directory: units and shifts in the read model every service shares (`services/directory/`)

Revision 0003. Units gain their kind and report recipients (the roster republishes every unit on its start) and
their duty room's phone (indexed); shifts their people's ids (indexed, like their phones) and an index on their end.
"""

from services.directory.revisions import PHONED_SHIFTS, Shape, move_back, move_to_shared_tables

revision, down_revision = "0003", "0002"
upgrade = move_to_shared_tables


def downgrade() -> None:
    move_back(
        Shape(
            units=("unit_id", "name", "parent_id", "duty_room"),
            shifts=PHONED_SHIFTS,
            indexed={"units": (), "shifts": ("leader_phone", "officer_phone", "unit_id")},
        )
    )
