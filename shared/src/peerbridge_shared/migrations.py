"""Alembic, the same way in every service.

A service's ``migrations/env.py`` calls :func:`run_migrations`; its first revision calls
:func:`create_messaging_tables_v1` for the outbox and processed-messages tables;
:func:`upgrade` migrates a database to head from code (``make migrate``, tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import NullPool


def run_migrations(target_metadata: MetaData | Sequence[MetaData], default_url: str) -> None:
    """Body of every ``env.py``: online against the configured URL, or offline as SQL."""
    url = context.config.get_main_option("sqlalchemy.url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def upgrade(alembic_ini: Path, database_url: str, revision: str = "head") -> None:
    config = Config(str(alembic_ini))
    config.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)


def create_messaging_tables_v1(op: object) -> None:
    """Outbox and processed-messages tables as first shipped (frozen: later changes are new revisions)."""
    op.create_table(  # type: ignore[attr-defined]
        "outbox_messages",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", postgresql.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("event_id", name="uq_outbox_messages_event_id"),
    )
    op.create_index(  # type: ignore[attr-defined]
        "ix_outbox_messages_unsent", "outbox_messages", ["id"], postgresql_where=sa.text("published_at IS NULL")
    )
    op.create_table(  # type: ignore[attr-defined]
        "processed_messages",
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_messages"),
    )
