"""shared directory: units and shifts in the read model every service shares (`services/directory/`)

Revision 0007. Shifts gain their people's ids (indexed, like their phones) and an index on their end; units their
duty room's phone (indexed).
"""

from services.directory.revisions import PHONED_SHIFTS, Shape, move_back, move_to_shared_tables

revision, down_revision = "0007", "0006"
upgrade = move_to_shared_tables


def downgrade() -> None:
    move_back(
        Shape(
            units=("unit_id", "name", "kind", "parent_id", "duty_room", "recipients"),
            shifts=PHONED_SHIFTS,
            indexed={"units": (), "shifts": ("leader_phone", "officer_phone", "unit_id")},
        )
    )
