"""the append-only audit log, and erased accounts

Revision ID: 0004
Revises: 0003

The application writes the audit log and must never change it: a trigger refuses every
UPDATE, DELETE and (on PostgreSQL) TRUNCATE, so the owner of the table, which the
application may well connect as, is refused too. Only a migration that drops the triggers
could change it, and that is visible in the schema's history. ``users.erased_at`` marks an
account erased at its owner's request (GDPR): the row stays, pseudonymous, for the bookings
kept for accounting.
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_REFUSAL = "audit_log is append-only"

_POSTGRESQL = [
    f"""
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
]

# SQLite has no TRUNCATE: a DELETE without WHERE runs the trigger too (its row-by-row
# path is taken whenever a DELETE trigger exists).
_SQLITE = [
    f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}: {operation} refused'); END"
    for operation in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_ip", sa.String(length=45), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at", "id"])
    op.create_index("ix_audit_log_target", "audit_log", ["target", "at", "id"])
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
    op.drop_table("audit_log")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_refuse_change()")
