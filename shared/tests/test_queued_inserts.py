"""Rows queued with ``queue_insert`` (outbox messages, audit entries) against real PostgreSQL: inserted
in the order queued, visible to the transaction's own later statements, kept when a later savepoint
rolls back, gone with a rolled-back transaction, sent as one statement per table and after the ORM
objects they refer to."""

from __future__ import annotations

import pytest
from sqlalchemy import ForeignKey, Integer, String, event, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from peerbridge_shared.db import queue_insert
from peerbridge_shared.outbox import OutboxMessage

OUTBOX = OutboxMessage.__table__


def row(name: str) -> dict:
    return {"event_id": name, "event_type": "test.v1", "topic": "t", "key": b"k", "value": b"v", "headers": []}


def stored(database) -> list[str]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxMessage.event_id).order_by(OutboxMessage.id)))


def test_queued_rows_are_inserted_in_order_and_read_back_by_the_same_transaction(database):
    with database.transaction() as session:
        for name in ("a", "b", "c"):
            queue_insert(session, OUTBOX, row(name))
        assert list(session.scalars(select(OutboxMessage.event_id).order_by(OutboxMessage.id))) == ["a", "b", "c"]
        queue_insert(session, OUTBOX, row("d"))
    assert stored(database) == ["a", "b", "c", "d"], "the last one at commit"


def test_a_batch_of_queued_rows_is_one_statement(database):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "outbox_messages" in statement:
            statements.append((statement.split()[0], executemany))
    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.transaction() as session:
            for name in ("a", "b", "c"):
                queue_insert(session, OUTBOX, row(name))
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert statements == [("INSERT", True)]


def test_a_rolled_back_savepoint_keeps_what_was_queued_before_it_and_drops_what_it_queued(database):
    with database.transaction() as session:
        queue_insert(session, OUTBOX, row("before"))
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                session.connection().execute(text("SELECT 1"))  # the SAVEPOINT is sent
                session.execute(text("SELECT 2"))  # a statement inside it: what was queued before is not sent here
                queue_insert(session, OUTBOX, row("inside"))
                raise RuntimeError("the savepoint rolls back")
        with session.begin_nested():
            queue_insert(session, OUTBOX, row("released"))
        queue_insert(session, OUTBOX, row("after"))
    assert stored(database) == ["before", "released", "after"]


@pytest.mark.parametrize("failure", ["a failing statement", "an exception before any statement"])
def test_a_rolled_back_transaction_leaves_nothing_for_the_next_one(database, failure):
    session = database.sessions()
    with pytest.raises(Exception):  # noqa: B017, PT011 - either failure rolls the transaction back
        with session.begin():
            queue_insert(session, OUTBOX, row("lost"))
            if failure == "a failing statement":
                session.execute(text("SELECT 1 / 0"))
            raise RuntimeError(failure)
    with session.begin():
        queue_insert(session, OUTBOX, row("kept"))
    session.close()
    assert stored(database) == ["kept"]


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "queued_test_parents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Child(Base):
    __tablename__ = "queued_test_children"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parent_id: Mapped[str] = mapped_column(ForeignKey("queued_test_parents.id"))


@pytest.fixture
def parents_and_children(database):
    Base.metadata.create_all(database.engine)
    yield
    Base.metadata.drop_all(database.engine)


def children(database) -> list[str]:
    with database.transaction() as session:
        return list(session.scalars(select(Child.parent_id).order_by(Child.id)))


def test_a_queued_row_may_refer_to_an_object_still_pending_at_the_next_statement_or_at_commit(
        database, parents_and_children):
    with database.transaction() as session:
        session.add(Parent(id="p1"))
        queue_insert(session, Child.__table__, {"parent_id": "p1"})
        assert list(session.scalars(select(Child.parent_id))) == ["p1"]  # the parent went first
        session.add(Parent(id="p2"))
        queue_insert(session, Child.__table__, {"parent_id": "p2"})
    assert children(database) == ["p1", "p2"], "at commit too, the parent first"


def test_under_no_autoflush_queued_rows_wait_like_pending_objects(database, parents_and_children):
    with database.transaction() as session:
        session.add(Parent(id="p3"))
        queue_insert(session, Child.__table__, {"parent_id": "p3"})
        with session.no_autoflush:
            assert session.scalar(select(func.count()).select_from(Child)) == 0
            assert session.scalar(select(func.count()).select_from(Parent)) == 0
        assert session.scalar(select(func.count()).select_from(Child)) == 1
    assert children(database) == ["p3"]
