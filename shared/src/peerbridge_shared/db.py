"""SQLAlchemy 2 per service: one declarative base, engines made on demand, never at import."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property

from sqlalchemy import DateTime, MetaData, String, create_engine, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def database_unreachable(error: BaseException) -> bool:
    """A lost or refused connection (PostgreSQL restarting, failing over), not a fault of the request
    or the event being handled: wait and retry, never dead-letter or blame the caller for it."""
    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def new_metadata() -> MetaData:
    """Metadata with the project's constraint naming convention; each service's own
    ``DeclarativeBase`` uses one, so services never see each other's tables."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class MessagingBase(DeclarativeBase):
    """Base of the tables every service database carries: outbox and processed messages.
    A service migrates ``[its own Base.metadata, MessagingBase.metadata]``."""

    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


class TenantRecord:
    """Mixin for a service's records: a UUID primary key, the owning organization (tenant), and
    when it was created. Every query filters on ``organization_id``."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def transaction_memo(session: Session, name: str) -> dict:
    """A dict that lasts as long as the session's innermost transaction (a savepoint or the
    transaction itself): what a transaction has already done or learnt (a NOTIFY sent, a lock
    taken), never carried into the next one or past a savepoint that may roll back."""
    session.connection()  # begins the transaction if the session has not yet
    transaction = session.get_nested_transaction() or session.get_transaction()
    owner, memo = session.info.get(name, (None, None))
    if owner is not transaction:
        memo = {}
        session.info[name] = (transaction, memo)
    return memo


class Database:
    """An engine and a session factory for one database URL, created on first use."""

    def __init__(self, url: str, **engine_options: object) -> None:
        self.url = url
        self.engine_options = {"pool_pre_ping": True, **engine_options}

    @cached_property
    def engine(self) -> Engine:
        return create_engine(self.url, **self.engine_options)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
