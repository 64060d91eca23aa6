import json

import pytest

from claims.archive import (
    DEFAULT_RATING_MAP,
    MAX_STATEMENT_CHARS,
    map_rating,
    parse_verdict_map,
    read_statements,
)
from claims.errors import BadRecordError, EmptyInputError, InputTooLargeError, InvalidValueError, MissingColumnError
from claims.readers import MAX_FILE_BYTES
from claims.models import Verdict


@pytest.mark.parametrize(
    ("rating", "verdict"),
    [
        ("True", "supported"), ("Mostly True", "supported"), ("half-true", "unverified"),
        ("Mostly False", "disputed"), ("FALSE", "disputed"), ("pants-fire", "disputed"),
        ("Pants on Fire!", "disputed"), ("Mixture", "unverified"), ("Unproven", "unverified"),
        ("Miscaptioned", "disputed"), ("Needs context", "unverified"), ("Correct", "supported"),
        ("four pinocchios", "disputed"), ("supported", "supported"),
    ],
)
def test_default_rating_table(rating, verdict):
    assert map_rating(rating) is Verdict(verdict)


def test_unknown_rating_maps_to_nothing():
    assert map_rating("Spicy") is None
    assert map_rating("") is None


def test_overrides_win():
    overrides = parse_verdict_map("half true=disputed, Spicy = supported")
    assert overrides == {"half true": Verdict.DISPUTED, "spicy": Verdict.SUPPORTED}
    assert map_rating("Half-True", overrides) is Verdict.DISPUTED
    assert map_rating("Mostly True", overrides) is Verdict.SUPPORTED


@pytest.mark.parametrize(
    ("spec", "message"),
    [("true", "must look like rating=verdict"), ("=supported", "has no rating word"),
     ("true=yes", "unknown verdict 'yes'")],
)
def test_bad_verdict_map(spec, message):
    with pytest.raises(InvalidValueError, match=message):
        parse_verdict_map(spec)


def test_read_statements_maps_and_keeps_metadata():
    data = (b"text,speaker,date,source,url,rating,verdict,topic\n"
            b"Claim one is here.,Ann,2022-03-01,Desk,https://d.example/1,Pants on Fire,,war\n"
            b"Claim two.,,,,,,supported,\n"
            b"Claim three.,Bob,,,,Spicy,,\n")
    parsed = read_statements(data, "a.csv")
    one, two, three = parsed.rows
    assert (one["verdict"], one["rating"], one["speaker"], str(one["stated_on"])) == (
        "disputed", "Pants on Fire", "Ann", "2022-03-01")
    assert json.loads(one["extra"]) == {"topic": "war"}
    assert (two["verdict"], two["rating"]) == ("supported", "supported")
    assert three["verdict"] is None and parsed.unmapped == ("Spicy",)
    assert len({r["row_hash"] for r in parsed.rows}) == 3


def test_clef_style_truth_label_column():
    data = b'{"vclaim": "x", "text": "Says the moon is cheese.", "truth_label": "pants-fire"}\n'
    (row,) = read_statements(data, "v.jsonl").rows
    assert row["verdict"] == "disputed"


@pytest.mark.parametrize(
    ("data", "name", "error", "message"),
    [
        (b"claimant,rating\nA,True\n", "a.csv", MissingColumnError, "a.csv, line 1: no text column"),
        (b"text,verdict\nx,maybe\n", "a.csv", BadRecordError, "a.csv, line 2: unknown verdict 'maybe'"),
        (b'{"text": "a"}\n{"text": \n', "a.jsonl", BadRecordError, "a.jsonl, line 2: invalid JSON"),
    ],
)
def test_archive_errors(data, name, error, message):
    with pytest.raises(error) as info:
        read_statements(data, name)
    assert str(info.value).startswith(message)


def test_every_default_rating_maps_to_a_verdict():
    assert all(isinstance(v, Verdict) for v in DEFAULT_RATING_MAP.values())


def test_a_tab_separated_archive_in_the_clef_debates_layout():
    data = (b"vclaim_id\tvclaim\ttitle\tspeaker\tdate\ttruth_label\turl\n"
            b'1\t"Says the moon is made of ""cheese""."\tMoon claim\tAnn Lee\t2019-05-01\tpants-fire\t'
            b"https://p.example/1\n")
    (row,) = read_statements(data, "vclaims.tsv").rows
    assert (row["text"], row["speaker"], str(row["stated_on"]), row["verdict"], row["url"]) == (
        'Says the moon is made of "cheese".', "Ann Lee", "2019-05-01", "disputed", "https://p.example/1")
    assert json.loads(row["extra"]) == {"title": "Moon claim", "vclaim_id": "1"}


def test_archive_cells_keep_a_leading_tab_instead_of_becoming_formulas():
    hostile = b'text,speaker,source\n"\t=cmd|\' /C calc\'!A0","\r=1+1"," Desk  one "\n'
    plain = b'text,speaker,source\n"=cmd|\' /C calc\'!A0","=1+1",Desk one\n'
    (row,) = read_statements(hostile, "a.csv").rows
    assert (row["text"], row["speaker"], row["source"]) == ("\t=cmd|' /C calc'!A0", "\r=1+1", "Desk one")
    # kept as text, yet the same statement as far as de-duplication goes
    (same,) = read_statements(plain, "a.csv").rows
    assert (row["row_hash"], row["text_hash"]) == (same["row_hash"], same["text_hash"])


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl"])
def test_a_statement_longer_than_the_limit_refuses_the_whole_file(name):
    long = "a" * (MAX_STATEMENT_CHARS + 1)
    if name == "a.csv":
        data = f"text\nShort one.\n{'a' * MAX_STATEMENT_CHARS}\n{long}\nAnother.\n".encode()
        line = 4
    else:
        data = f'{{"text": "Short one."}}\n{{"text": "{long}"}}\n'.encode()
        line = 2
    with pytest.raises(BadRecordError) as info:
        read_statements(data, name)
    assert str(info.value) == (f"{name}, line {line}: the statement has {MAX_STATEMENT_CHARS + 1:,} characters; "
                               f"an archive statement may have at most {MAX_STATEMENT_CHARS:,}")


def test_a_statement_of_exactly_the_limit_is_kept():
    (row,) = read_statements(f"text\n{'a' * MAX_STATEMENT_CHARS}\n".encode(), "a.csv").rows
    assert len(row["text"]) == MAX_STATEMENT_CHARS


def test_an_archive_over_the_file_size_limit_is_refused():
    with pytest.raises(InputTooLargeError, match=r"^a.jsonl: the file has [\d,]+ bytes"):
        read_statements(b" " * (MAX_FILE_BYTES + 1), "a.jsonl")


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "file:///etc/passwd",
     "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "//evil.example/x", "https://a.example/x y",
     'https://a.example/"onmouseover=alert(1)'],
)
def test_a_link_that_is_not_http_is_dropped_and_counted_the_row_kept(link):
    data = json.dumps({"text": "Claim.", "url": link, "rating": "False"}).encode() + b"\n"
    parsed = read_statements(data, "a.jsonl")
    (row,) = parsed.rows
    assert (row["url"], row["text"], row["verdict"], parsed.dropped_links) == (None, "Claim.", "disputed", 1)
    assert link not in row["extra"]


def test_http_links_are_kept_and_not_counted():
    data = b"text,url\nOne.,https://a.example/1\nTwo.,http://b.example/2\nThree.,\n"
    parsed = read_statements(data, "a.csv")
    assert [r["url"] for r in parsed.rows] == ["https://a.example/1", "http://b.example/2", None]
    assert parsed.dropped_links == 0


def test_archive_cells_lose_invisible_characters_so_lookalikes_are_one_statement():
    plain = b'{"text": "Inflation hit 9.1% in June.", "speaker": "BLS", "topic": "prices"}\n'
    hidden = b'{"text": "Inflation hit 9.1\\u200b% in \\u202eJune.", "speaker": "B\\u200dLS", "topic": "pri\\u200bces"}\n'
    (a,), (b,) = read_statements(plain, "a.jsonl").rows, read_statements(hidden, "a.jsonl").rows
    assert (a["row_hash"], a["text_hash"], a["text"], a["speaker"]) == (
        b["row_hash"], b["text_hash"], b["text"], b["speaker"])
    assert json.loads(b["extra"]) == {"topic": "prices"}


def test_claimreview_json_ld_round_trips_through_the_archive_reader():
    import datetime as dt
    import io

    from claims.export import export_claimreview_json, export_row
    from claims.models import Claim

    claim = Claim(id=7, document_id=1, position=0, text="Inflation hit 9.1 percent in June.", start=0, end=10,
                  checkworthiness=0.9, speaker="A Senator", document_title="Talks", source="Desk",
                  url="https://example.org/a", published=dt.date(2022, 7, 1), verdict=Verdict.DISPUTED,
                  reviewer="ana", reviewed_at=dt.datetime(2022, 7, 2, tzinfo=dt.timezone.utc), note="no")
    buffer = io.StringIO()
    export_claimreview_json([export_row(claim, None, "m")], buffer)
    parsed = read_statements(buffer.getvalue().encode(), "reviews.json")
    (row,) = parsed.rows
    assert (row["text"], row["speaker"], row["verdict"]) == (claim.text, "A Senator", Verdict.DISPUTED)
    assert str(row["stated_on"]) == "2022-07-01"


def test_claimreview_from_a_page_graph_and_bad_json():
    page = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "x"},
        {"@type": "ClaimReview", "claimReviewed": "The bridge cost $5 billion.", "url": "https://fc.example/5",
         "author": {"@type": "Organization", "name": "Fact Desk"},
         "reviewRating": {"@type": "Rating", "alternateName": "False"},
         "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Mayor"},
                          "datePublished": "2021-05-04"}}]}
    (row,) = read_statements(json.dumps(page).encode(), "page.jsonld").rows
    assert (row["text"], row["source"], row["url"], row["verdict"]) == (
        "The bridge cost $5 billion.", "Fact Desk", "https://fc.example/5", Verdict.DISPUTED)
    with pytest.raises(EmptyInputError, match="no schema.org ClaimReview"):
        read_statements(b'{"@type": "WebPage"}', "none.json")
    with pytest.raises(BadRecordError, match=r"broken\.json, line 1: invalid JSON"):
        read_statements(b'{"@type": ', "broken.json")
