import datetime as dt

import pytest

from claims import readers
from claims.errors import (
    BadRecordError,
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputTooLargeError,
    MissingColumnError,
    UnsupportedFormatError,
)
from claims.readers import (
    MAX_FILE_BYTES,
    MAX_ROW_CHARS,
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
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryInputError,
         "a.txt: this is a binary file, not text: it looks like a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", BinaryInputError, "a.txt: this is a binary file, not text: it looks like a JPEG"),
        (b"GIF89a\x01\x00", BinaryInputError, "a.txt: this is a binary file, not text: it looks like a GIF image"),
        (b"%PDF-1.7\n%\xe2\xe3", BinaryInputError, "a.txt: this is a binary file, not text: it looks like a PDF"),
        (b"PK\x03\x04\x14\x00", BinaryInputError, "a.txt: this is a binary file, not text: it looks like a ZIP"),
        (b"x" * 9000 + b"\nline two\nthree \x00 NUL", BinaryInputError,
         "a.txt, line 3: this is a binary file, not text (it contains a NUL byte)"),
        ("h\x00e\x00l\x00l\x00o\x00".encode("latin-1"), EncodingError,
         "a.txt: this looks like UTF-16 without a byte-order mark; save it as UTF-8"),
        ("Prices rose 5 percent.\n".encode("utf-16-be"), EncodingError,
         "a.txt: this looks like UTF-16 without a byte-order mark"),
        (b"\xff\xfeh\x00i\x00\x00\x00", BinaryInputError, "a.txt, line 1: this is a binary file"),
        (b"\xff\xfe\n\x00h\x00i", EncodingError, "a.txt, line 2: not valid UTF-16"),
        (b"text\n" + b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e" * 3, BinaryInputError,
         "a.txt, line 2: this looks like a binary file, not text (control characters)"),
        (b"\xef\xbb\xbf \n", EmptyInputError, "a.txt: the file holds only whitespace"),
        ("\u200b\u200b".encode(), EmptyInputError, "a.txt: the file is empty"),
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


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_text(codec):
    text = "Prices of caf\u00e9 rose 5 percent.\nהמחירים עלו.\n"
    data = ("\ufeff" + text).encode(codec) if codec != "utf-16" else text.encode(codec)
    assert decode_text(data, "a.txt") == text


def test_decode_removes_invisible_characters_and_keeps_right_to_left_text():
    data = "Taxes rose 5\u200b%.\n\u202eevil\u202c\nשלום \u0645\u0631\u062d\u0628\u0627\x1b[2J\n".encode()
    assert decode_text(data, "a.txt") == "Taxes rose 5%.\nevil\nשלום \u0645\u0631\u062d\u0628\u0627[2J\n"


def test_a_file_over_the_size_limit_is_refused_before_decoding():
    data = b"\xff" * (MAX_FILE_BYTES + 1)  # not UTF-8 either: the size is what is checked first
    for read in (decode_text, read_documents, read_records):
        with pytest.raises(InputTooLargeError) as info:
            read(data, "big.csv")
        assert str(info.value).startswith(f"big.csv: the file has {MAX_FILE_BYTES + 1:,} bytes; claimdesk reads "
                                          f"files of at most {MAX_FILE_BYTES:,} bytes (50 MB)")


def test_a_file_at_the_size_limit_is_read(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 32)
    assert decode_text(b"x" * 31 + b".", "a.txt") == "x" * 31 + "."
    with pytest.raises(InputTooLargeError):
        decode_text(b"x" * 32 + b".", "a.txt")


def test_txt_title_from_headline():
    docs = read_documents(b"Big Headline Here\nThe body says 3 things.\n", "story.txt", source="S")
    assert [(d.title, d.kind, d.source) for d in docs] == [("Big Headline Here", "article", "S")]


def test_txt_title_falls_back_to_filename():
    docs = read_documents(b"The body says 3 things. And more.", "story.txt")
    assert docs[0].title == "story"


@pytest.mark.parametrize(
    "hidden",
    ["<script>alert('X')</script>", "<style>p:after{content:'X'}</style>", "<iframe src=x>X</iframe>",
     "<noscript>X</noscript>", "<template><p>X</p></template>", "<object data=x>X</object>",
     "<noembed>X</noembed>", "<svg><script>X</script></svg>", "<script/>X</script>", "<iframe/>X</iframe>",
     "<script>document.write('</p>X<p>')</script>", "<script>never closed X <p>X"],
)
def test_html_drops_what_a_browser_does_not_show(hidden):
    text, _ = html_to_text(f"<p>Before.</p>{hidden}<p>After.</p>")
    assert "X" not in text and text.startswith("Before.")


def test_html_event_handlers_and_javascript_links_never_become_text():
    html = ('<body onload="alert(1)"><p onclick="alert(2)">Shown.</p><img src=x onerror=alert(3)>'
            '<a href="javascript:alert(4)">Link text.</a></body>')
    assert html_to_text(html) == ("Shown.\nLink text.", None)


def test_html_without_a_closing_head_still_has_a_body():
    html = "<html><head><title>T</title><script>x()</script><body><p>Body text.</p>"
    assert html_to_text(html) == ("Body text.", "T")
    assert html_to_text("<head><title>T</title>Text with no body tag.") == ("Text with no body tag.", "T")


def test_html_character_references_cannot_smuggle_invisible_characters():
    text, title = html_to_text("<title>A&#x202E;B</title><p>5&#8203;% &#x200F;rise</p>")
    assert (text, title) == ("5% rise", "AB")


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


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b'text\n"never closed\nsecond\nthird\n', 2, "a quoted cell in the row starting here is never closed"),
        (b'text,a\nok,1\n"oops,1\nsecond,2\nthird,3\n', 3, "a quoted cell in the row starting here is never closed"),
        (b'text,a\nok,1\n"oops,1\nsecond,2\n"third",3\n', 3, "a quoted cell in the row starting here goes on after"),
        (b'"text\n', 1, "a quoted cell in the row starting here is never closed"),
    ],
)
def test_an_unclosed_quote_is_an_error_at_the_line_it_opened(data, line, problem):
    with pytest.raises(BadRecordError) as info:
        read_documents(data, "q.csv")
    assert (info.value.line, info.value.source) == (line, "q.csv")
    assert info.value.problem.startswith(problem)


def test_a_quote_inside_an_unquoted_cell_is_still_text():
    (post,) = read_documents(b'text\nHe is 6" tall.\n', "q.csv")
    assert post.text == 'He is 6" tall.'


def test_a_csv_cell_over_the_csv_field_limit_names_its_row():
    data = b"text\nok\n" + b"x" * 140_000 + b"\n"
    with pytest.raises(BadRecordError) as info:
        read_documents(data, "big.csv")
    assert str(info.value).startswith("big.csv, line 3: a cell in the row starting here is longer than 131,072")


@pytest.mark.parametrize("length", [MAX_ROW_CHARS, MAX_ROW_CHARS + 1])
def test_a_batch_row_longer_than_the_limit_is_refused_by_its_line(length):
    data = b'{"text": "ok"}\n{"text": "' + b"a" * length + b'"}\n'
    if length == MAX_ROW_CHARS:
        assert len(read_documents(data, "long.jsonl")) == 2
        return
    with pytest.raises(BadRecordError) as info:
        read_documents(data, "long.jsonl")
    assert str(info.value) == (f"long.jsonl, line 2: the text has {length:,} characters; one row may have at most "
                               f"{MAX_ROW_CHARS:,}. Put a longer text in a file of its own")


def test_jsonl_lines_end_only_at_line_breaks():
    data = '{"text": "One\u2028two\u0085three."}\n{"text": "Four."}\n{"text": }\n'.encode()
    with pytest.raises(BadRecordError) as info:
        read_documents(data, "p.jsonl")
    assert info.value.line == 3
    (first, _) = read_documents(data.rsplit(b"\n", 2)[0] + b"\n", "p.jsonl")
    assert first.text == "One\u2028twothree."


def test_deeply_nested_json_is_a_bad_record_not_a_crash():
    with pytest.raises(BadRecordError, match=r"deep.jsonl, line 2: invalid JSON: nested too deeply"):
        read_documents(b'{"text": "ok"}\n{"text": ' + b"[" * 5000 + b"\n", "deep.jsonl")


def test_batch_cells_lose_invisible_characters_even_when_json_escapes_them():
    data = b'{"text": "Taxes rose 5\\u200b%.", "author": "\\u202eAnn\\u202c", "source": "X\\u001b[2J"}\n'
    (post,) = read_documents(data, "p.jsonl")
    assert (post.text, post.speaker, post.source) == ("Taxes rose 5%.", "Ann", "X[2J")


@pytest.mark.parametrize(
    ("link", "expected"),
    [("https://x.example/1", "https://x.example/1"), ("javascript:alert(1)", "https://file.example/"),
     ("file:///etc/passwd", "https://file.example/"), ("data:text/html;base64,eA==", "https://file.example/"),
     ("", "https://file.example/")],
)
def test_a_batch_rows_link_must_be_http(link, expected):
    data = f'text,url\nA post.,"{link}"\n'.encode()
    (post,) = read_documents(data, "p.csv", url="https://file.example/")
    assert post.url == expected
    (post,) = read_documents(data, "p.csv")
    assert post.url == (expected if link.startswith("https") else None)


def test_pasted_text_loses_invisible_characters():
    assert pasted_document("Rates\u200b rose \u202e5%.").text == "Rates rose 5%."
    with pytest.raises(EmptyInputError):
        pasted_document("\u200b\u200f")


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
