"""Storage for review sessions (SQLAlchemy 2.0; SQLite by default, PostgreSQL works with its URL).

Tables
------
``review_session``  one set of notes to review.
``session_note``    one note of a session: text, date, setting and the pre-annotation (pipeline output or
                    imported events/codes) every reviewer starts from.
``annotation``      one reviewer's current version of one note: events (with spans), code lines with their
                    decisions, and whether the reviewer marked the note done. Saved on every change.
``decision_log``    append-only history of saves (who, when, what kind of change; never the note text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.pool import StaticPool


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of the review tables."""


class ReviewSession(Base):
    """A named set of notes to review."""

    __tablename__ = "review_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    source: Mapped[str] = mapped_column(String(40), default="upload")  # upload | import:<format>
    notes: Mapped[list[SessionNote]] = relationship(
        back_populates="session", order_by="SessionNote.position", cascade="all, delete-orphan"
    )


class SessionNote(Base):
    """One note of a session with its pre-annotation."""

    __tablename__ = "session_note"
    __table_args__ = (UniqueConstraint("session_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("review_session.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0-based order within the session
    note_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    encounter_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    setting: Mapped[str] = mapped_column(String(20), default="facility")
    pre_events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pre_cpt: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pre_hcpcs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pre_flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    session: Mapped[ReviewSession] = relationship(back_populates="notes")
    annotations: Mapped[list[Annotation]] = relationship(back_populates="note", cascade="all, delete-orphan")


class Annotation(Base):
    """One reviewer's current events and code decisions for one note."""

    __tablename__ = "annotation"
    __table_args__ = (UniqueConstraint("note_pk", "reviewer"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_pk: Mapped[int] = mapped_column(ForeignKey("session_note.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100), index=True)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cpt: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hcpcs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    done: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    note: Mapped[SessionNote] = relationship(back_populates="annotations")


class DecisionLog(Base):
    """Append-only history of annotation saves (no note text)."""

    __tablename__ = "decision_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_pk: Mapped[int] = mapped_column(ForeignKey("session_note.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=_now)


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets thread-safe settings, WAL-free defaults and foreign keys on.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``sqlite:///review.db``, ``sqlite://`` (memory) or ``postgresql+psycopg://...``.
    """
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn: Any, _rec: Any) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    Base.metadata.create_all(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def get_note(db: Session, session_id: int, position: int) -> SessionNote | None:
    """Return the note at ``position`` of session ``session_id``."""
    return db.scalar(
        select(SessionNote).where(SessionNote.session_id == session_id, SessionNote.position == position)
    )


def get_annotation(db: Session, note: SessionNote, reviewer: str) -> Annotation | None:
    """Return ``reviewer``'s annotation of ``note`` if they saved one."""
    return db.scalar(select(Annotation).where(Annotation.note_pk == note.id, Annotation.reviewer == reviewer))


def reviewers_of(db: Session, session_id: int) -> list[str]:
    """Names of every reviewer who saved something in the session."""
    q = (
        select(Annotation.reviewer)
        .join(SessionNote, Annotation.note_pk == SessionNote.id)
        .where(SessionNote.session_id == session_id)
        .distinct()
        .order_by(Annotation.reviewer)
    )
    return list(db.scalars(q))
