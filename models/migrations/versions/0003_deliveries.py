"""deliveries: channel configs, the outbox, attempts

Revision ID: 0003_deliveries
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0003_deliveries'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_config',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('max_concurrency', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('channel_config', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_config_name'), ['name'], unique=True)

    op.create_table('delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('group_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('recipient', sa.JSON(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('ladder', sa.JSON(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('markdown', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('voice_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ack_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('template_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('template_params', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('claim_token', sa.Uuid(), nullable=True),
    sa.Column('claimed_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('superseded_by', sa.Uuid(), nullable=True),
    sa.Column('acked_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_delivery_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_group_key'), ['group_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_source_id'), ['source_id'], unique=False)

    op.create_table('delivery_attempt',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('group_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('at', models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_attempt_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_attempt_group_key'), ['group_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_group_key'))
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_at'))

    op.drop_table('delivery_attempt')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_source_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_source'))
        batch_op.drop_index(batch_op.f('ix_delivery_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_person_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_group_key'))
        batch_op.drop_index('ix_delivery_due')
        batch_op.drop_index(batch_op.f('ix_delivery_created_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_channel'))

    op.drop_table('delivery')
    with op.batch_alter_table('channel_config', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_config_name'))

    op.drop_table('channel_config')
