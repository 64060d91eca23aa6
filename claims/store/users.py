"""Who may sign in: users with a role and an Argon2 password hash, and their sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.errors import InvalidValueError
from claims.store.base import Part, as_utc, utcnow
from claims.store.schema import user_sessions, users
from claims.users import Role, User

__all__ = ["Users"]


def _user_from_row(row: Any) -> User:
    return User(id=row.id, name=row.name, role=Role(row.role), created_at=as_utc(row.created_at))


class Users(Part):
    """The ``users`` and ``user_sessions`` tables. Passwords arrive hashed; tokens arrive digested."""

    def add(self, conn: Connection, *, name: str, role: Role, password_hash: str) -> User:
        """A new user; an existing name is refused (names are how reviewers appear in the log)."""
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first() is not None:
            raise InvalidValueError(f"a user named {name!r} exists already")
        now = utcnow()
        user_id = conn.execute(users.insert().values(name=name, role=role.value, password_hash=password_hash,
                                                     created_at=now)).inserted_primary_key[0]
        return User(id=int(user_id), name=name, role=role, created_at=now)

    def set_password(self, conn: Connection, name: str, password_hash: str) -> None:
        conn.execute(users.update().where(users.c.name == name).values(password_hash=password_hash))
        # A new password ends every session of the old one.
        user_id = sa.select(users.c.id).where(users.c.name == name).scalar_subquery()
        conn.execute(user_sessions.update().where(user_sessions.c.user_id == user_id,
                                                  user_sessions.c.ended_at.is_(None)).values(ended_at=utcnow()))

    def by_name(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return _user_from_row(row) if row else None

    def password_hash(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(users.c.password_hash).where(users.c.name == name)).scalar()

    def all(self) -> list[User]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            return [_user_from_row(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, conn: Connection, user: User, digest: str) -> None:
        now = utcnow()
        conn.execute(user_sessions.insert().values(token_digest=digest, user_id=user.id, created_at=now,
                                                   last_seen=now))

    def session_user(self, digest: str, idle_limit: dt.timedelta) -> User | None:
        """The user of a live session (not ended, seen within ``idle_limit``); refreshes its last use."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(users, user_sessions.c.last_seen)
                .select_from(user_sessions.join(users, users.c.id == user_sessions.c.user_id))
                .where(user_sessions.c.token_digest == digest, user_sessions.c.ended_at.is_(None))).first()
            if row is None:
                return None
            if now - as_utc(row.last_seen) > idle_limit:
                conn.execute(user_sessions.update().where(user_sessions.c.token_digest == digest)
                             .values(ended_at=now))
                return None
            conn.execute(user_sessions.update().where(user_sessions.c.token_digest == digest).values(last_seen=now))
        return _user_from_row(row)

    def end_session(self, digest: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(user_sessions.update().where(user_sessions.c.token_digest == digest,
                                                      user_sessions.c.ended_at.is_(None)).values(ended_at=utcnow()))
