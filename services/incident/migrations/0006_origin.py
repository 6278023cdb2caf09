"""incident origin: who told us of an incident (the unit, or another source)

Revision 0006. Incidents taken in before it came in on incident.intake from the emergency-management link,
or from the unit itself (SMS, HTTP).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=24), nullable=False, server_default="unit"))
    op.execute("UPDATE incidents SET origin = 'emergency_management' WHERE source = 'kafka'")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("origin", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("origin")
