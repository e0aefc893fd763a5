"""SQLAlchemy 2 per service: one declarative base, engines made on demand, never at import."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property

from sqlalchemy import DateTime, MetaData, String, Table, create_engine, event, func, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, SessionTransaction, mapped_column, sessionmaker

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


_QUEUED_ROWS = "queued_rows"


def queue_insert(session: Session, table: Table, row: dict) -> dict:
    """Insert an append-only row (a log entry, an outbox message, a timer: no ORM object refers to
    it) with the transaction's other queued rows of its table: one multi-row insert per table, in
    the order queued, sent with the session's autoflush (before its next statement, after the ORM
    objects pending, so a row may refer to them) or at commit, so the transaction still reads what
    it wrote. No ORM object, no unit of work, no key read back: for the rows a batch of events
    writes by the hundred (the escalation intake: docs/benchmarks.md). Every row of a table must
    name the same columns. Inside a savepoint the row is inserted at once (a savepoint may roll
    back on its own)."""
    if session.in_nested_transaction():
        session.execute(insert(table), [row])
    else:
        transaction_memo(session, _QUEUED_ROWS).setdefault(table, []).append(row)
    return row


def _send_queued(session: Session, transaction: SessionTransaction | None = None) -> None:
    transaction = transaction or session.get_transaction()
    owner, queued = session.info.get(_QUEUED_ROWS, (None, None))
    if not queued or owner is not transaction:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the rows they refer to first (what autoflush would send next anyway)
    rows_by_table = dict(queued)
    queued.clear()
    connection = transaction.connection(None)
    for table, rows in rows_by_table.items():
        connection.execute(insert(table), rows)


@event.listens_for(Session, "do_orm_execute")
def _before_a_statement(state) -> None:  # noqa: ANN001 - SQLAlchemy's ORMExecuteState
    if state.session.autoflush:  # under no_autoflush, queued rows wait like pending objects
        _send_queued(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        _send_queued(session)


@event.listens_for(Session, "after_transaction_create")
def _before_a_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested and transaction.parent is not None:
        _send_queued(session, transaction.parent)  # in the enclosing transaction, before SAVEPOINT


class Database:
    """An engine and a session factory for one database URL, created on first use."""

    def __init__(self, url: str, **engine_options: object) -> None:
        self.url = url
        self.engine_options = {"pool_pre_ping": True, **engine_options}

    @classmethod
    def for_requests(cls, url: str, request_threads: int) -> Database:
        """The database of an HTTP process: a kept connection for each request thread (the thread
        pool is as large: ``create_service_app``) and a few for readiness checks and background
        work. A smaller pool would open and close a connection for most requests under load (a new
        PostgreSQL backend each time: a quarter of scheduling's time per read, by py-spy)."""
        return cls(url, pool_size=request_threads, max_overflow=4)

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
