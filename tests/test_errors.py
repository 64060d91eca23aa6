import pytest

from claims import errors
from claims.errors import BadRecordError, ClaimdeskError, InputError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "a.csv", "line": 3}, "a.csv, line 3: broken"),
        ({"source": "a.csv"}, "a.csv: broken"),
        ({"line": 7}, "line 7: broken"),
        ({}, "broken"),
    ],
)
def test_input_error_names_file_and_line(kwargs, message):
    err = BadRecordError("broken", **kwargs)
    assert str(err) == message
    assert err.problem == "broken"


def test_every_error_derives_from_the_root():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), ClaimdeskError), name


def test_input_errors_are_grouped():
    for name in ("EmptyInputError", "BinaryInputError", "EncodingError", "MissingColumnError",
                 "BadRecordError", "UnsupportedFormatError"):
        assert issubclass(getattr(errors, name), InputError)
