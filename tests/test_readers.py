import datetime as dt

import pytest

from claims.errors import (
    BadRecordError,
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    MissingColumnError,
    UnsupportedFormatError,
)
from claims.readers import (
    decode_text,
    html_to_text,
    markdown_to_text,
    pasted_document,
    read_documents,
    read_records,
)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", EmptyInputError, "a.txt: the file is empty"),
        (b"  \n\t ", EmptyInputError, "a.txt: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryInputError, "a.txt: this is a binary file"),
        (b"fine line\nbad \xff byte\n", EncodingError, "a.txt, line 2: not valid UTF-8 (byte 0xff at offset 14)"),
        ("caf\u00e9\n".encode("latin-1"), EncodingError, "a.txt, line 1: not valid UTF-8"),
    ],
)
def test_decode_rejects_bad_input_clearly(data, error, message):
    with pytest.raises(error) as info:
        decode_text(data, "a.txt")
    assert str(info.value).startswith(message)


def test_decode_drops_bom_and_keeps_text():
    assert decode_text("\ufeffHello\r\nthere".encode(), "a.txt") == "Hello\r\nthere"


def test_txt_title_from_headline():
    docs = read_documents(b"Big Headline Here\nThe body says 3 things.\n", "story.txt", source="S")
    assert [(d.title, d.kind, d.source) for d in docs] == [("Big Headline Here", "article", "S")]


def test_txt_title_falls_back_to_filename():
    docs = read_documents(b"The body says 3 things. And more.", "story.txt")
    assert docs[0].title == "story"


def test_html_keeps_visible_text_only():
    html = ("<html><head><title>T &amp; U</title><style>p{}</style></head><body><nav>Menu</nav>"
            "<p>First para.</p><script>var x=1;</script><p>Second <b>bold</b> para.</p></body></html>")
    text, title = html_to_text(html)
    assert title == "T & U"
    assert text == "First para.\nSecond bold para."
    docs = read_documents(html.encode(), "page.html")
    assert docs[0].title == "T & U" and "Menu" not in docs[0].text


def test_markdown_markup_is_removed():
    md = "# Title\n\nSome **bold** and *it* and [a link](http://x.y).\n\n```\ncode\n```\n- item one\n"
    assert markdown_to_text(md) == "Title\nSome bold and it and a link.\nitem one"


def test_csv_batch_gives_one_post_per_row():
    data = (b"id,text,author,date,url\n1,First post says 5%.,@ann,2024-01-02,https://x.example/1\n"
            b'2,"Second, quoted\npost",@bob,,\n')
    posts = read_documents(data, "posts.csv", source="X")
    assert [(p.text, p.speaker, p.published, p.line, p.source) for p in posts] == [
        ("First post says 5%.", "@ann", dt.date(2024, 1, 2), 2, "X"),
        ("Second, quoted\npost", "@bob", None, 3, "X"),
    ]
    assert posts[0].url == "https://x.example/1" and posts[0].kind == "post"


def test_jsonl_batch():
    data = b'{"text": "One.", "speaker": "A"}\n\n{"text": "Two.", "extra": 1}\n'
    posts = read_documents(data, "posts.jsonl")
    assert [(p.text, p.speaker, p.line) for p in posts] == [("One.", "A", 1), ("Two.", None, 3)]


@pytest.mark.parametrize(
    ("data", "name", "error", "message"),
    [
        (b"title,author\nx,y\n", "p.csv", MissingColumnError,
         "p.csv, line 1: no text column: expected one of text, claim, statement"),
        (b'{"text": "ok"}\n{"text": "broken"\n', "p.jsonl", BadRecordError, "p.jsonl, line 2: invalid JSON"),
        (b'{"text": "ok"}\n[1, 2]\n', "p.jsonl", BadRecordError, "p.jsonl, line 2: expected a JSON object"),
        (b"text,author\n,bob\n", "p.csv", BadRecordError, "p.csv, line 2: the 'text' value is empty"),
        (b"text,date\nhello,yesterday\n", "p.csv", BadRecordError,
         "p.csv, line 2: cannot read the date 'yesterday'"),
        (b"text,a\nx,1,2\n", "p.csv", BadRecordError, "p.csv, line 2: the row has 3 fields but the header has 2"),
        (b"text\n", "p.csv", EmptyInputError, "p.csv: the file has a header but no rows"),
        (b"hello", "p.pdf", UnsupportedFormatError, "p.pdf: cannot read .pdf"),
    ],
)
def test_batch_errors_name_file_and_line(data, name, error, message):
    with pytest.raises(error) as info:
        read_documents(data, name)
    assert str(info.value).startswith(message)


def test_csv_line_numbers_count_multiline_cells():
    data = b'text\n"one\ntwo"\n"three"\n'
    _, records = read_records(data, "m.csv")
    assert [line for line, _ in records] == [2, 4]


def test_pasted_text():
    doc = pasted_document("Headline\nBody 1.", source="desk")
    assert (doc.title, doc.origin, doc.source) == ("Headline", "pasted text", "desk")
    with pytest.raises(EmptyInputError, match="the pasted text is empty"):
        pasted_document("   ")


def test_debate_transcript_tsv_keeps_each_turns_speaker():
    from claims.extract import extract

    data = (b"0001\tBOB SCHIEFFER\tGood evening from Boca Raton.\n"
            b"0002\tMITT ROMNEY\tOur navy is smaller now than at any time since 1917.\n"
            b"0003\tBARACK OBAMA\tWe also have fewer horses and bayonets.\n")
    (doc,) = read_documents(data, "20121023_third_presidential_debate.tsv", source="CPD")
    assert (doc.kind, doc.published, doc.title, doc.source) == (
        "transcript", dt.date(2012, 10, 23), "20121023 third presidential debate", "CPD")
    found = {s.text: s.speaker for s in extract(doc.text)}
    assert found["Our navy is smaller now than at any time since 1917."] == "MITT ROMNEY"
    assert found["We also have fewer horses and bayonets."] == "BARACK OBAMA"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"0001\tBOB\tHello.\n0002\tonly two fields\n", "t.tsv, line 2: expected 3 tab-separated fields"),
        (b"0001\t\tHello.\n", "t.tsv, line 1: the speaker or the sentence is empty"),
    ],
)
def test_bad_transcript_rows(data, message):
    with pytest.raises(BadRecordError) as info:
        read_documents(data, "t.tsv")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2022-03-14", dt.date(2022, 3, 14)), ("2022-03-14T10:00:00Z", dt.date(2022, 3, 14)),
     ("stated on October 22, 2019 in a campaign mailer.:", dt.date(2019, 10, 22)),
     ("3 March 2022", dt.date(2022, 3, 14 - 11)), ("Sept. 5, 2020", dt.date(2020, 9, 5)), ("", None)],
)
def test_dates_iso_or_written(value, expected):
    from claims.readers import parse_date

    assert parse_date(value, origin="a.csv") == expected


def test_read_utf8_file(tmp_path) -> None:
    from claims.errors import EncodingError, InputError
    from claims.readers import read_utf8_file

    path = tmp_path / "a.tsv"
    path.write_bytes(b"\xef\xbb\xbfid\ttext\n1\tcaf\xc3\xa9\n")
    assert read_utf8_file(path) == "id\ttext\n1\tcafé\n"
    path.write_bytes(b"id\ttext\n1\tok\n2\tcaf\xe9\n")
    with pytest.raises(EncodingError) as info:
        read_utf8_file(path)
    assert info.value.line == 3 and "a.tsv" in str(info.value)
    with pytest.raises(InputError, match="no such file"):
        read_utf8_file(tmp_path / "missing.tsv")


HOSTILE_CELL = "\t=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("data", "name"),
    [(b'text,author,source\n"\t=cmd|\' /C calc\'!A0","\r=1+1","  @SUM(A1) "\n', "p.csv"),
     (b'{"text": "\\t=cmd|\' /C calc\'!A0", "author": "\\r=1+1", "source": "  @SUM(A1) "}\n', "p.jsonl")],
)
def test_batch_cells_keep_a_leading_tab_or_cr_instead_of_becoming_formulas(data, name):
    (post,) = read_documents(data, name)
    assert (post.text, post.speaker, post.source) == (HOSTILE_CELL, "\r=1+1", "  @SUM(A1)")
    assert post.title == "\r=1+1: " + HOSTILE_CELL  # the title is built from the same cells


def test_batch_cells_are_still_trimmed_and_blank_cells_still_empty():
    data = b'text,author,source\n"  Plain post.  ",\t ,"\tDesk "\n'
    (post,) = read_documents(data, "p.csv", source="fallback")
    assert (post.text, post.speaker, post.source) == ("Plain post.", None, "Desk")


def test_a_text_whose_first_line_hides_a_formula_is_not_made_one_in_the_title():
    (doc,) = read_documents(b"\t=HYPERLINK(1)\nThe body says 3 things.\n", "story.txt")
    assert doc.title == "\t=HYPERLINK(1)"
