"""claims.safety: spreadsheet formulas, imported cells, links and invisible characters."""

import pytest

from claims.safety import escape_url, neutralise_cell, safe_url, strip_cell, strip_invisible


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("", ""), ("x=1", "x=1"), (" =1", " =1"), ("'=1", "'=1")],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize(
    ("value", "collapse", "expected"),
    [("  plain  ", False, "plain"), ("\t=cmd|' /C calc'!A0 ", False, "\t=cmd|' /C calc'!A0"),
     ("\r\n+1", False, "\r\n+1"), (" \t ", False, ""), ("a  b\n c ", True, "a b c"),
     ("\t=a  b ", True, "\t=a b"), ("=already", False, "=already"), (" 3 percent", False, "3 percent")],
)
def test_strip_cell_never_uncovers_a_formula(value, collapse, expected):
    assert strip_cell(value, collapse=collapse) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://example.org/a?b=c#d", "https://example.org/a?b=c#d"), ("  HTTP://Example.org  ", "HTTP://Example.org"),
     ("http://[::1]:8080/x", "http://[::1]:8080/x"), ("javascript:alert(1)", None), ("file:///etc/passwd", None),
     ("data:text/html,<script>", None), ("//example.org/a", None), ("/relative", None), ("https://", None),
     ("https:///path", None), ("https://a.example/x y", None), ('https://a.example/"q"', None),
     ("https://a.example/'q'", None), ("https://a.example/\x00", None), ("https://a.example/\u202e", None),
     ("https://a.example/\u200b", None), ("http://[::1", None), ("", None), ("   ", None)],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_escape_url_keeps_a_clean_url_and_encodes_what_would_split_it():
    assert escape_url("https://a.example/x?y=1") == "https://a.example/x?y=1"
    assert escape_url('https://a.example/x y"\u202e') == "https://a.example/x%20y%22%E2%80%AE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Taxes rose 5\u200b%.", "Taxes rose 5%."),                         # zero-width space
        ("\u202eevil\u202c text", "evil text"),                               # right-to-left override shows "live"
        ("a\u202ab\u202bc\u202dd\u2066e\u2067f\u2068g\u2069h", "abcdefgh"),  # embeddings and isolates
        ("in\ufeffside", "inside"),                                           # a BOM inside the text
        ("left\u200e\u200fright\u061c", "leftright"),                         # direction marks
        ("word\u2060joiner", "wordjoiner"),
        ("Ta\u200dxes and \u200cwords\u200c", "Taxes and words"),             # joiners between Latin letters
        ("a\x1b[2Jb\x07c\x00d\x7fe\x85f", "a[2Jbcdef"),                       # terminal escapes, bell, NUL, C1
        ("tab\tnewline\ncr\r\nform feed\x0c", "tab\tnewline\ncr\r\nform feed\x0c"),
    ],
)
def test_strip_invisible_removes_what_a_reviewer_cannot_see(text, expected):
    assert strip_invisible(text) == expected


@pytest.mark.parametrize(
    "text",
    ["שלום עולם, המחירים עלו ב-5%.", "ارتفعت الأسعار بنسبة 5٪ في عام 2022.", "می\u200cخواهم بروم",
     "क्\u200dष", "👩\u200d👩\u200d👧", "Ünïcödé, 中文, русский: ok."],
)
def test_strip_invisible_keeps_ordinary_text_of_any_script(text):
    assert strip_invisible(text) == text


def test_two_claims_that_look_the_same_are_the_same_after_stripping():
    assert strip_invisible("Inflation hit 9.1\u200b% in June\u200f.") == "Inflation hit 9.1% in June."
