"""registry records: the table livermdt.services.registry used to create on first use

Databases where the registry service already created the table keep it as it is.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:56:51.753495
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if "registry_records" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "registry_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=200), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_records")),
        sa.UniqueConstraint("source", "patient_id", name="uq_registry_source_patient"),
    )
    with op.batch_alter_table("registry_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_records_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registry_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_records_case_id"))

    op.drop_table("registry_records")
