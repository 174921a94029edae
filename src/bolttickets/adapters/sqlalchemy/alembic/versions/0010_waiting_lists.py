"""waiting lists: an event's offer lifetime, next to its waiting room's settings

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("waiting_rooms") as batch:
        batch.add_column(sa.Column("offer_ttl_seconds", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_waiting_rooms_offer_ttl_positive"), "offer_ttl_seconds > 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("waiting_rooms") as batch:
        batch.drop_constraint(op.f("ck_waiting_rooms_offer_ttl_positive"), type_="check")
        batch.drop_column("offer_ttl_seconds")
