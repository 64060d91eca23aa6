"""Speakers: everything one speaker said, in the workspace's claims and in the archive, and their record over time.

The speakers are those of the claims and of the imported archive statements, each once (spacing
and case aside). Claims show their final verdict and review status only: with several independent
verdicts per claim, one reviewer's verdict stays hidden from the others until they give theirs.
Everything is read from cached queries; the archive list is bounded, its chart is counted in the
database.
"""

from __future__ import annotations

from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import Claim, Document, Statement, Verdict
from ui import resources, state
from ui.formatting import (
    VERDICT_CHART_DOMAIN,
    VERDICT_CHART_RANGE,
    distinct_speakers,
    plural,
    speaker_key,
    verdict_badge,
    verdict_label,
)

ARCHIVE_ROWS = 200  # archive statements listed at once (the chart counts them all)
SPEAKER = "speaker_page_speaker"  # the chosen speaker, kept across pages
HERE, ARCHIVE = "Claim here", "Archive"


def _claims_frame(claims: list[Claim], docs: dict[int, Document]) -> pd.DataFrame:
    return pd.DataFrame([{
        "claim_id": c.id,
        "date": c.published,
        "verdict": verdict_label(c.verdict),
        "status": c.status.value,
        "text": c.text,
        "document": docs[c.document_id].label if c.document_id in docs else f"#{c.document_id}",
    } for c in claims], columns=["claim_id", "date", "verdict", "status", "text", "document"])


def _statements_frame(statements: list[Statement]) -> pd.DataFrame:
    return pd.DataFrame([{
        "statement_id": s.id,
        "date": s.date,
        "verdict": verdict_label(s.verdict),
        "rating": s.rating or "",
        "text": s.text,
        "source": s.source or "",
        "url": s.url,
    } for s in statements], columns=["statement_id", "date", "verdict", "rating", "text", "source", "url"])


def record_over_time(claims: list[Claim], counts: list[tuple]) -> None:
    """The speaker's verdicts by the month they said it, claims here beside archive statements (a claim's
    date is its document's, else the day of its final verdict); undated ones are counted in a caption."""
    rows: Counter[tuple[object, str, str]] = Counter()
    undated = 0
    for c in claims:
        day = c.published or (c.reviewed_at.date() if c.reviewed_at else None)
        if day is None:
            undated += 1
        else:
            rows[(day, verdict_label(c.verdict), HERE)] += 1
    for day, verdict, n in counts:
        if day is None:
            undated += n
        else:
            rows[(day, verdict_label(verdict), ARCHIVE)] += n
    if not rows:
        st.info("Nothing this speaker said is dated, so there is no chart over time.", icon=":material/timeline:")
        return
    frame = pd.DataFrame([{"day": pd.Timestamp(day), "verdict": v, "where": where, "statements": n,
                           "rank": VERDICT_CHART_DOMAIN.index(v)} for (day, v, where), n in rows.items()])
    chart = (alt.Chart(frame, title="Verdicts over time", height=280)
             .mark_bar()
             .encode(x=alt.X("yearmonth(day):O", title="Month said", axis=alt.Axis(format="%Y-%m", labelAngle=0)),
                     xOffset=alt.XOffset("where:N", sort=[HERE, ARCHIVE]),
                     y=alt.Y("sum(statements):Q", title="Statements", stack="zero",
                             axis=alt.Axis(tickMinStep=1, format="d")),
                     color=alt.Color("verdict:N", title="Verdict", sort=list(VERDICT_CHART_DOMAIN),
                                     scale=alt.Scale(domain=list(VERDICT_CHART_DOMAIN),
                                                     range=list(VERDICT_CHART_RANGE))),
                     opacity=alt.Opacity("where:N", title="Where", sort=[HERE, ARCHIVE],
                                         scale=alt.Scale(domain=[HERE, ARCHIVE], range=[1.0, 0.55])),
                     order=alt.Order("rank:Q"),
                     tooltip=[alt.Tooltip("yearmonth(day):O", title="Month said", format="%Y-%m"), "where:N",
                              "verdict:N", alt.Tooltip("sum(statements):Q", title="Statements")]))
    st.altair_chart(chart, width="stretch")
    if undated:
        st.caption(f"{plural(undated, 'undated statement')} not in the chart.")


def speaker_page() -> None:
    st.title("Speakers")
    st.caption("Everything one speaker said: their claims in the workspace's documents, with the final "
               "verdicts, and their earlier statements in the archive.")
    try:
        claims = resources.claims_queue()
        names = distinct_speakers(resources.speakers(), resources.statement_speakers())
        docs = {d.id: d for d in resources.documents()}
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    if not names:
        st.info("No speaker yet: claims get one when the article attributes them, and archive files may "
                "name one per statement.", icon=":material/record_voice_over:")
        return
    said = Counter(speaker_key(c.speaker) for c in claims if c.speaker)
    default = max(names, key=lambda name: said[speaker_key(name)])  # the first of those with the most claims
    if state.persisted(SPEAKER) not in names:
        state.set_persisted(SPEAKER, default)
    chosen = st.selectbox("Speaker", names, help="Speakers of claims and of archive statements",
                          **state.bind(SPEAKER, default))
    theirs = [c for c in claims if speaker_key(c.speaker) == speaker_key(chosen)]
    try:
        statements, total = resources.speaker_statements(chosen, ARCHIVE_ROWS)
        counts = resources.speaker_verdict_counts(chosen)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return

    reviewed = [c for c in theirs if c.verdict is not None]
    cols = st.columns(3)
    cols[0].metric("Claims here", len(theirs))
    cols[1].metric("With a final verdict", len(reviewed))
    cols[2].metric("Archive statements", total)
    verdicts = Counter(c.verdict for c in reviewed)
    for _, verdict, n in counts:
        if verdict is not None:
            verdicts[verdict] += n
    st.markdown(" ".join(f"{verdict_badge(v)} {verdicts[v]}" for v in Verdict))

    record_over_time(theirs, counts)

    st.subheader("Claims in the workspace")
    if theirs:
        st.dataframe(_claims_frame(theirs, docs), hide_index=True, width="stretch", key="speaker-claims",
                     column_config={
                         "claim_id": st.column_config.NumberColumn("Claim", format="%d", width="small"),
                         "date": st.column_config.DateColumn("Published"),
                         "verdict": st.column_config.TextColumn("Final verdict", width="small"),
                         "status": st.column_config.TextColumn("Status", width="small"),
                         "text": st.column_config.TextColumn("Claim", width="large"),
                         "document": "Document",
                     })
        st.page_link("ui/pages/review.py", label="Review claims", icon=":material/fact_check:")
    else:
        st.caption("No claim in the workspace's documents is attributed to this speaker.")

    st.subheader("Earlier statements in the archive")
    if statements:
        st.dataframe(_statements_frame(statements), hide_index=True, width="stretch", key="speaker-statements",
                     column_config={
                         "statement_id": st.column_config.NumberColumn("Statement", format="%d", width="small"),
                         "date": st.column_config.DateColumn("Said on"),
                         "verdict": st.column_config.TextColumn("Verdict", width="small"),
                         "rating": st.column_config.TextColumn("Rated", width="small"),
                         "text": st.column_config.TextColumn("Statement", width="large"),
                         "source": "Source",
                         "url": st.column_config.LinkColumn("Check", display_text="open ↗"),
                     })
        if total > len(statements):
            st.caption(f"The {len(statements)} latest of {plural(total, 'statement')}; the chart and the counts "
                       "above include them all.")
    else:
        st.caption("The archive holds no statement by this speaker (reviewed claims are listed above).")


speaker_page()
