"""Hostile files, as a checked desk's correspondents might send them: each is read correctly or refused
with an error that names the file and, where there is one, the line.

The small files live in ``tests/hostile/`` (kept byte for byte by its ``.gitattributes``); the large
ones are generated here, never committed. The readers are pure, so "nothing half-written" means an
error is raised before a single document or statement is returned.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claims.archive import MAX_STATEMENT_CHARS, read_statements
from claims.errors import (
    BadRecordError,
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    InputTooLargeError,
)
from claims.extract import extract
from claims.readers import MAX_FILE_BYTES, read_documents

CORPUS = Path(__file__).parent / "hostile"

# Invisible characters and control characters must never reach a stored text.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\x1b\x07"


def read(name: str):
    return read_documents((CORPUS / name).read_bytes(), name)


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("empty.txt", EmptyInputError, "empty.txt: the file is empty"),
        ("whitespace-only.txt", EmptyInputError, "whitespace-only.txt: the file is empty"),
        ("image-png.txt", BinaryInputError, "image-png.txt: this is a binary file, not text: it looks like a PNG image"),
        ("image-jpeg.txt", BinaryInputError,
         "image-jpeg.txt: this is a binary file, not text: it looks like a JPEG image"),
        ("image-gif.txt", BinaryInputError, "image-gif.txt: this is a binary file, not text: it looks like a GIF image"),
        ("document-pdf.txt", BinaryInputError,
         "document-pdf.txt: this is a binary file, not text: it looks like a PDF document"),
        ("latin1.txt", EncodingError,
         "latin1.txt, line 2: not valid UTF-8 (byte 0xe9 at offset 35); save the file as UTF-8 and try again"),
        ("utf16-no-bom.txt", EncodingError,
         "utf16-no-bom.txt: this looks like UTF-16 without a byte-order mark; save it as UTF-8 and try again"),
        ("unclosed-quote.csv", BadRecordError,
         'unclosed-quote.csv, line 3: a quoted cell in the row starting here is never closed (a " is missing), '
         "so the rest of the file would be read as one cell"),
        ("broken.jsonl", BadRecordError,
         "broken.jsonl, line 3: invalid JSON: Expecting property name enclosed in double quotes (column 34)"),
        ("line-separator.jsonl", BadRecordError, "line-separator.jsonl, line 2: invalid JSON: Expecting value"),
    ],
)
def test_a_hostile_file_is_refused_with_the_file_and_line(name, error, message):
    with pytest.raises(error) as info:
        read(name)
    assert str(info.value).startswith(message)


def test_utf16_with_a_byte_order_mark_is_read_as_text():
    (doc,) = read("utf16-bom.txt")
    assert doc.text == "Inflation reached 9.1 percent in June 2022.\nPrices of caf\u00e9 rose 5 percent.\n"


def test_csv_with_a_bom_quotes_and_line_breaks_in_cells():
    posts = read("bom-quotes-newlines.csv")
    assert [(p.text, p.speaker, p.published, p.line) for p in posts] == [
        ('She said "prices rose 5%", then left.', "Ann", dt.date(2022, 3, 1), 2),
        ("A post over\ntwo lines, with a comma.", "Bob", None, 3),
        ("Plain third post.", "Cy", dt.date(2022, 3, 3), 5),
    ]


def test_html_script_style_iframe_and_event_handlers_never_become_text():
    (doc,) = read("script.html")
    assert doc.title == "Hostile & page"
    assert doc.text == ("Prices rose 5 percent in 2022.\nThe link text stays.\n"
                        "Unemployment fell to 3.6 percent in March.")
    for leaked in ("TEXT", "alert", "ONLOAD", "CLICK", "onerror", "javascript", "evil.example", "visible?"):
        assert leaked not in doc.text


def test_zero_width_and_override_characters_are_removed_and_rtl_text_kept():
    (doc,) = read("invisible-and-rtl.txt")
    assert not set(INVISIBLE) & set(doc.text)
    assert doc.text.splitlines() == [
        "Inflation rose 9.1% in June 2022.",
        "The tsop was reversed on screen.",  # the override showed "post"; the stored text is what was typed
        "Zerowidthjoiners hide differences.",
        "Isolated text and a mark.",
        "\u05d4\u05de\u05d7\u05d9\u05e8\u05d9\u05dd \u05e2\u05dc\u05d5 \u05d1-5% \u05d1\u05e9\u05e0\u05ea 2022.",
        "\u0627\u0631\u062a\u0641\u0639\u062a \u0627\u0644\u0623\u0633\u0639\u0627\u0631 \u0628\u0646\u0633\u0628\u0629 5\u066a.",
    ]


def test_terminal_escape_sequences_are_defused():
    (doc,) = read("control-chars.txt")
    assert "\x1b" not in doc.text and "\x07" not in doc.text
    assert doc.text.startswith("Prices rose 5 percent.")


def test_archive_links_that_are_not_http_are_dropped_and_counted():
    parsed = read_statements((CORPUS / "bad-links.csv").read_bytes(), "bad-links.csv")
    assert [(r["speaker"], r["url"]) for r in parsed.rows] == [
        ("Ann", None), ("Bob", None), ("Cy", None), ("Dee", "https://factcheck.example/42"), ("Eve", None)]
    assert parsed.dropped_links == 4
    assert all("javascript" not in r["extra"] and "file:" not in r["extra"] for r in parsed.rows)


def test_every_corpus_file_is_read_or_refused_clearly():
    """Whatever is added to the corpus: no traceback, only a document or an InputError naming the file."""
    for path in sorted(p for p in CORPUS.iterdir() if not p.name.startswith(".")):
        try:
            docs = read_documents(path.read_bytes(), path.name)
        except InputError as exc:
            assert exc.source == path.name and str(exc).startswith(path.name)
        else:
            assert docs and all(d.text.strip() for d in docs)
            assert not any(set(INVISIBLE) & set(d.text) for d in docs)


# -- generated: too large to commit ----------------------------------------------------------------

def test_a_nul_byte_after_the_first_8_kib_is_found(tmp_path):
    path = tmp_path / "late-nul.txt"
    path.write_bytes(b"An ordinary line of text.\n" * 400 + b"then \x00 binary\n")
    with pytest.raises(BinaryInputError) as info:
        read_documents(path.read_bytes(), path.name)
    assert str(info.value) == "late-nul.txt, line 401: this is a binary file, not text (it contains a NUL byte)"


def test_a_file_over_50_mb_is_refused_before_it_is_decoded(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as fp:  # one 50 MB JSONL record
        fp.write(b'{"text": "')
        fp.write(b"a" * MAX_FILE_BYTES)
        fp.write(b'"}\n')
    data = path.read_bytes()
    for reader in (read_documents, read_statements):
        with pytest.raises(InputTooLargeError) as info:
            reader(data, path.name)
        assert str(info.value).startswith(f"huge.jsonl: the file has {len(data):,} bytes")


def test_a_long_jsonl_statement_refuses_the_whole_archive():
    data = (b'{"text": "A fine statement."}\n' * 3 + b'{"text": "' + b"b" * (10 * MAX_STATEMENT_CHARS) + b'"}\n'
            + b'{"text": "Never reached."}\n')
    with pytest.raises(BadRecordError) as info:
        read_statements(data, "long.jsonl")
    assert (info.value.source, info.value.line) == ("long.jsonl", 4)


def test_deeply_nested_json_is_refused_not_a_crash():
    data = b'{"text": "Fine."}\n{"text": ' + b"[" * 100_000 + b"\n"
    with pytest.raises(BadRecordError, match=r"^deep.jsonl, line 2: invalid JSON: nested too deeply"):
        read_documents(data, "deep.jsonl")


def test_a_10000_character_sentence_is_read_and_segmented():
    sentence = "The minister said " + " ".join(["that prices rose"] * 600) + " by 5 percent in 2022."
    assert len(sentence) > 10_000
    data = f"Headline\n\nA first short sentence. {sentence} A last short sentence.\n".encode()
    (doc,) = read_documents(data, "long-sentence.txt")
    assert sentence in doc.text
    sentences = extract(doc.text)
    assert sentences and sum(len(s.text) for s in sentences) <= len(doc.text)
    assert any("by 5 percent in 2022." in s.text for s in sentences)
