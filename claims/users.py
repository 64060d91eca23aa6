"""Who may review: user names, roles, password hashing and session tokens.

Passwords are hashed with Argon2id (argon2-cffi, the maintained reference binding, with its
default parameters); only the hash is stored. A sign-in creates a random session token (32
bytes from :mod:`secrets`); the database keeps only the token's SHA-256, so a copy of the
database does not let anyone in. Sessions end on sign-out or after :data:`SESSION_HOURS` idle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from claims.errors import InvalidValueError

__all__ = [
    "Role",
    "User",
    "SESSION_HOURS",
    "MIN_PASSWORD_LENGTH",
    "clean_user_name",
    "check_password_strength",
    "hash_password",
    "verify_password",
    "new_session_token",
    "token_digest",
]

SESSION_HOURS = 12
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 80

_HASHER = PasswordHasher()


class Role(str, Enum):
    """What a user may do: reviewers give verdicts; admins also adjudicate and manage users."""

    REVIEWER = "reviewer"
    ADMIN = "admin"

    @classmethod
    def parse(cls, word: str) -> Role:
        try:
            return cls(word.strip().lower())
        except ValueError:
            raise InvalidValueError(f"unknown role {word!r}: use reviewer or admin") from None


@dataclass(frozen=True)
class User:
    """A person who signs in and reviews."""

    id: int
    name: str
    role: Role
    created_at: dt.datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def clean_user_name(name: str) -> str:
    """A user name as stored: spaces collapsed; no control characters, no line breaks.

    Names travel into CSV cells, JSON-LD and the review log, so anything that could break a line
    or hide text is refused rather than silently changed.
    """
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidValueError("a user name is needed")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidValueError(f"a user name has at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise InvalidValueError("a user name may not contain control or invisible characters")
    return cleaned


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to protect a shared desk."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (with its own random salt), as stored."""
    check_password_strength(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; False for a wrong password or a bad hash."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_session_token() -> str:
    """A fresh, unguessable session token (URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database stores of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
