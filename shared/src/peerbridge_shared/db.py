"""SQLAlchemy 2 per service: one declarative base, engines made on demand, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata with the project's constraint naming convention; each service's own
    ``DeclarativeBase`` uses one, so services never see each other's tables."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class MessagingBase(DeclarativeBase):
    """Base of the tables every service database carries: outbox and processed messages.
    A service migrates ``[its own Base.metadata, MessagingBase.metadata]``."""

    metadata = new_metadata()


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
