"""The one exception hierarchy of claimdesk.

Every error a user can cause or meet derives from :class:`ClaimdeskError`; the CLI turns
any of them into ``Error: <message>`` and exit code 1, the UI into one ``st.error``.

    ClaimdeskError
    ├── InputError                 bad input file or text; names the file and line
    │   ├── EmptyInputError
    │   ├── BinaryInputError
    │   ├── EncodingError
    │   ├── InputTooLargeError     over a size limit (characters, sentences); a setting raises it
    │   ├── MissingColumnError
    │   ├── BadRecordError
    │   └── UnsupportedFormatError
    ├── ModelError                 the packaged embedding model is missing or corrupt
    │   └── WeightsMissingError    the trained detector's weights are missing (the heuristic stands in)
    ├── IndexCacheError            the FAISS cache cannot be read or written
    ├── NotFoundError              an id that does not exist (claim, statement, document)
    ├── InvalidValueError          a bad argument value (verdict word, date, setting)
    ├── PermissionDeniedError      not a user, a wrong password, or a role that may not do this
    └── StoreError                 the database cannot be reached or is not a claimdesk workspace
"""

from __future__ import annotations

__all__ = [
    "ClaimdeskError",
    "InputError",
    "EmptyInputError",
    "BinaryInputError",
    "EncodingError",
    "InputTooLargeError",
    "MissingColumnError",
    "BadRecordError",
    "UnsupportedFormatError",
    "ModelError",
    "WeightsMissingError",
    "IndexCacheError",
    "NotFoundError",
    "InvalidValueError",
    "PermissionDeniedError",
    "StoreError",
]


class ClaimdeskError(Exception):
    """Something went wrong in claimdesk; the message is meant for the user."""


class InputError(ClaimdeskError):
    """The input cannot be read; the message names the file and, where known, the line."""

    def __init__(self, problem: str, *, source: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        where = ""
        if source is not None and line is not None:
            where = f"{source}, line {line}: "
        elif source is not None:
            where = f"{source}: "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(f"{where}{problem}")


class EmptyInputError(InputError):
    """The input holds no text."""


class BinaryInputError(InputError):
    """The input is a binary file, not text."""


class EncodingError(InputError):
    """The input is not valid UTF-8 text."""


class InputTooLargeError(InputError):
    """The input is larger than the workspace accepts (a setting raises the limit)."""


class MissingColumnError(InputError):
    """A batch or archive file lacks a required column."""


class BadRecordError(InputError):
    """One record (CSV row, JSONL line) of a file is malformed."""


class UnsupportedFormatError(InputError):
    """The file's type is not one claimdesk reads."""


class ModelError(ClaimdeskError):
    """The embedding model is missing, corrupt or cannot be loaded."""


class WeightsMissingError(ModelError):
    """The trained detector's weight files are missing."""


class IndexCacheError(ClaimdeskError):
    """The FAISS index cache cannot be written."""


class NotFoundError(ClaimdeskError):
    """No record with that id exists in the workspace."""


class InvalidValueError(ClaimdeskError):
    """An argument has a value claimdesk does not accept."""


class PermissionDeniedError(ClaimdeskError):
    """Who asked may not do this: an unknown user, a wrong password, or a role without the right."""


class StoreError(ClaimdeskError):
    """The workspace database cannot be used."""
