"""The UI's pure helpers (ui.formatting) and the rules the UI code keeps; fast, no model, no app run."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest

from claims.models import Claim, Match, ReviewEvent, Statement, Tier, Verdict

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # ui/ is not an installed package; app.py does the same
    sys.path.insert(0, str(REPO))

from ui.formatting import (  # noqa: E402
    best_same_claim,
    claim_card_html,
    claim_meta,
    describe_event,
    differences,
    highlight_html,
    percent,
    plural,
    statement_meta,
    verdict_badge,
    verdict_label,
)

UI_FILES = [REPO / "app.py", *sorted((REPO / "ui").rglob("*.py"))]


def statement(text="Kyiv fell in three days.", verdict=Verdict.DISPUTED, **extra) -> Statement:
    values = dict(id=7, text=text, speaker="Viral post", date=dt.date(2022, 2, 27), source="Demo Desk",
                  url="https://demo.claimdesk.example/checks/kyiv", verdict=verdict, rating="False", origin="demo")
    values.update(extra)
    return Statement(**values)


def claim(**extra) -> Claim:
    values = dict(id=3, document_id=1, position=2, text="Russia has not captured any of the 10 largest cities.",
                  start=0, end=10, checkworthiness=0.9, speaker="Ned Price", document_title="Talks in Rome",
                  source="Wire", url="https://example.org/a", published=dt.date(2022, 3, 15),
                  context_before=("Talks lasted seven hours.",), context_after=("Moscow <denied> it.",))
    values.update(extra)
    return Claim(**values)


@pytest.mark.parametrize(("verdict", "label"), [
    (Verdict.SUPPORTED, "Supported"), ("disputed", "Disputed"), ("UNVERIFIED", "Unverified"), (None, "No verdict"),
])
def test_verdicts_show_capitalised(verdict, label):
    assert verdict_label(verdict) == label


@pytest.mark.parametrize(("verdict", "rating", "chip"), [
    (Verdict.DISPUTED, "Pants on Fire", ":red-badge[Disputed · rated “Pants on Fire”]"),
    (Verdict.SUPPORTED, "supported", ":green-badge[Supported]"),
    (Verdict.UNVERIFIED, None, ":orange-badge[Unverified]"),
    (None, "Four [stars]", ":gray-badge[No verdict · rated “Four (stars)”]"),
])
def test_verdict_chips(verdict, rating, chip):
    assert verdict_badge(verdict, rating) == chip


@pytest.mark.parametrize(("claim_text", "earlier", "only_claim", "only_earlier"), [
    ("Russia has not captured any of Ukraine's 10 largest cities.",
     "Russia has not captured any of Ukraine's ten largest cities.", {}, {}),
    ("Russia has not captured any of Ukraine's 10 largest cities.",
     "Russia captured five of Ukraine's ten largest cities.", {"not": "not"}, {"5": "five"}),
    ("Inflation hasn't reached 9.1% this June.", "Inflation reached 9.1% in June.", {"not": "hasn't"}, {}),
    # "warned China not to assist" reports an instruction; it denies nothing.
    ("The United States warned China on Monday not to assist Moscow in its invasion of Ukraine.",
     "China has signalled that it is willing to provide Russia with assistance.", {}, {}),
    ("Officials said China would never to be trusted.", "Officials said China can be trusted.", {}, {}),
    ("China will not help Russia.", "China will help Russia.", {"not": "not"}, {}),
    ("The plan costs $1,500 a year.", "The plan costs $1500 a year.", {}, {}),
    ("Prices rose in March 2021.", "Prices rose in May 2021.", {"march": "March"}, {"may": "May"}),
    ("The worst war since World War Two.", "The worst war in two decades.", {}, {"2": "two"}),
])
def test_differences_mark_numbers_dates_and_negation(claim_text, earlier, only_claim, only_earlier):
    found = differences(claim_text, earlier)
    assert (found.only_in_claim, found.only_in_statement) == (only_claim, only_earlier)
    assert bool(found) == bool(only_claim or only_earlier)


def test_difference_summary_names_the_words_as_written():
    found = differences("Russia has not taken 10 cities.", "Russia took five of ten cities.")
    assert found.summary() == "only the claim says **not**; only the earlier statement says **five**"


def test_highlight_escapes_html_and_marks_only_wanted_tokens():
    marked = highlight_html("Five <b>tanks</b> & five trucks, 5 in all.", {"5"})
    assert marked == ('<mark class="cd-diff">Five</mark> &lt;b&gt;tanks&lt;/b&gt; &amp; '
                      '<mark class="cd-diff">five</mark> trucks, <mark class="cd-diff">5</mark> in all.')
    assert highlight_html("a <i>b</i>") == "a &lt;i&gt;b&lt;/i&gt;"


def test_claim_card_highlights_the_claim_inside_its_escaped_context():
    card = claim_card_html(claim())
    assert '<div class="cd-claim-text">Russia has not captured any of the 10 largest cities.</div>' in card
    assert ('Talks lasted seven hours.</span> <mark class="cd-here">Russia has not captured any of the 10 '
            'largest cities.</mark> <span class="cd-around">Moscow &lt;denied&gt; it.') in card
    assert "cd-context" not in claim_card_html(claim(context_before=(), context_after=()))


def test_meta_lines():
    assert claim_meta(claim()) == "**Ned Price** · 2022-03-15 · Wire · [Talks in Rome](https://example.org/a)"
    assert claim_meta(claim(speaker=None, url=None, source=None, published=None)).startswith("_speaker unknown_")
    assert statement_meta(statement(speaker="*NSYNC")) == (
        "\\*NSYNC · 2022-02-27 · Demo Desk · [open the check ↗](https://demo.claimdesk.example/checks/kyiv)")
    assert "reviewed here (claim #4)" in statement_meta(statement(origin="review", claim_id=4, url=None))


def test_percent_and_plural():
    assert [percent(x) for x in (0.873, 1.0, -0.2)] == ["87%", "100%", "0%"]
    assert (plural(1, "claim"), plural(0, "claim"), plural(2, "claim")) == ("1 claim", "0 claims", "2 claims")


def test_the_suggested_verdict_is_the_closest_same_claim_match_with_a_verdict():
    related = Match(statement(id=1), 0.7, Tier.RELATED)
    unrated = Match(statement(id=2, verdict=None), 0.9, Tier.SAME_CLAIM)
    rated = Match(statement(id=3, verdict=Verdict.SUPPORTED), 0.8, Tier.SAME_CLAIM)
    assert best_same_claim([unrated, rated, related]) is rated
    assert best_same_claim([related]) is None


def test_history_lines():
    at = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.timezone.utc)
    label = ReviewEvent(1, 3, "Dana", "label", Verdict.DISPUTED, "See the readout", ("https://x.org/r",), at)
    undo = ReviewEvent(2, 3, "Dana", "undo", None, None, (), at)
    assert describe_event(label) == ("2024-05-01 09:30 UTC · **Dana** → :red-badge[Disputed] — See the readout "
                                     "([evidence 1](https://x.org/r))")
    assert describe_event(undo) == "2024-05-01 09:30 UTC · **Dana** took back their verdict"


# -- rules of the UI code (STYLE.md rule 12) ----------------------------------------------------


def test_cache_resource_lives_in_ui_resources_only():
    users = [p.relative_to(REPO).as_posix() for p in UI_FILES if "@st.cache_resource" in p.read_text()]
    assert users == ["ui/resources.py"]


def test_pages_hold_no_sql_and_no_faiss():
    for path in UI_FILES:
        source = path.read_text()
        assert not re.search(r"\bimport (sqlalchemy|faiss|sqlite3)\b|\bsa\.|\bfaiss\.", source), path


def test_ui_formatting_needs_no_streamlit():
    source = (REPO / "ui" / "formatting.py").read_text()
    assert "import streamlit" not in source
