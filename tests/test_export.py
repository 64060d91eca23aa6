import csv
import datetime as dt
import io

from claims.export import EXPORT_COLUMNS, export_row, export_verdicts_csv
from claims.models import Claim, Match, Statement, Tier, Verdict


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
        "claim_id", "text", "speaker", "document_title", "source", "url", "published", "checkworthiness",
        "verdict", "reviewer", "reviewed_at", "note", "evidence_urls", "top_match_text",
        "top_match_similarity", "top_match_verdict", "top_match_source", "model")


def test_round_trip_with_rfc4180_quoting():
    statement = Statement(3, "Earlier, with a comma", "X", None, "Desk", None, Verdict.SUPPORTED, "True", "archive")
    rows = [export_row(make_claim(), Match(statement, 0.912345, Tier.SAME_CLAIM), "all-MiniLM-L6-v2"),
            export_row(make_claim(id=8, verdict=None, reviewer=None, reviewed_at=None, note=None, evidence=()),
                       None, "all-MiniLM-L6-v2")]
    buffer = io.StringIO(newline="")
    assert export_verdicts_csv(rows, buffer) == 2
    raw = buffer.getvalue()
    assert raw.startswith("claim_id,text,")
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
    import json

    from claims.export import export_claimreview_json

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
