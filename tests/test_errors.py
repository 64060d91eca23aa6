"""Tests for claims.errors: one hierarchy, drawn in the module docstring, with messages naming file and line."""

import inspect
import re

import pytest

from claims import errors
from claims.errors import BadRecordError, ClaimdeskError, InputError

# Every exception class defined in the module, found by inspection: a new error left out of
# ``__all__`` or of the docstring's tree is caught here, not only the ones a test remembers to list.
DEFINED = {
    name: cls
    for name, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
}


def documented_tree() -> dict[str, str | None]:
    """Each class of the docstring's drawing mapped to the class drawn above it (None for the root)."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        m = re.match(r"^(?P<lead>[\s│├└─]*)(?P<name>[A-Z]\w*Error)\b", line)
        if not m:
            continue
        depth = len(m["lead"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[m["name"]] = stack[-1][1] if stack else None
        stack.append((depth, m["name"]))
    return parents


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
    assert (err.source, err.line) == (kwargs.get("source"), kwargs.get("line"))


def test_all_lists_exactly_the_defined_errors():
    assert sorted(errors.__all__) == sorted(DEFINED)


def test_the_docstring_draws_the_real_hierarchy():
    tree = documented_tree()
    assert tree == {name: (None if cls is ClaimdeskError else cls.__base__.__name__)
                    for name, cls in DEFINED.items()}


@pytest.mark.parametrize("name", sorted(DEFINED))
def test_every_error_is_caught_by_the_root_and_has_its_message(name):
    cls = DEFINED[name]
    assert cls.__doc__ and cls.__doc__.strip(), f"{name} has no docstring"
    with pytest.raises(ClaimdeskError) as caught:
        raise cls("what went wrong")
    assert type(caught.value) is cls
    assert str(caught.value) == "what went wrong"


@pytest.mark.parametrize("name", sorted(n for n, c in DEFINED.items() if issubclass(c, InputError)))
def test_every_input_error_names_its_file_and_line(name):
    err = DEFINED[name]("empty", source="posts.csv", line=2)
    assert str(err) == "posts.csv, line 2: empty"


def test_input_errors_are_the_documented_group():
    """The reader errors the UI and CLI treat as 'bad input' are InputErrors; nothing else is."""
    readers_raise = {"EmptyInputError", "BinaryInputError", "EncodingError", "MissingColumnError",
                     "BadRecordError", "UnsupportedFormatError"}
    grouped = {n for n, c in DEFINED.items() if issubclass(c, InputError) and c is not InputError}
    assert readers_raise <= grouped
    assert not any(issubclass(DEFINED[n], InputError) for n in ("ModelError", "NotFoundError",
                                                                "InvalidValueError", "StoreError"))
