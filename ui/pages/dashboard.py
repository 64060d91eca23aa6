"""Dashboard: where the desk stands, who reviewed what, how the verdicts fall, how far reviewers agree,
and how often "same claim" was right.

Everything here is read from the desk's tallies (counted from the review queue and the review states
kept in memory, no claim built), users, agreement figures and stored "same claim?" answers (no
matching, no model), so the page answers at once, also while the model is still loading and at
100,000 claims. Per reviewer, the counts are of verdicts that stand (an undone verdict does not
count); per tier, of each reviewer's latest answer per card.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import DeskTallies, Document, Verdict
from claims.users import User
from ui import resources
from ui.formatting import (
    VERDICT_CHART_DOMAIN,
    VERDICT_CHART_RANGE,
    agreement_figure,
    plural,
    verdict_badge,
    verdict_label,
)

MOST_BARS = 15  # documents and speakers per chart; the rest are named in a caption
UNKNOWN_SPEAKER = "(speaker unknown)"
RECENT_DAYS = 7
NO_VERDICT_YET = "—"
_COUNT_AXIS = alt.Axis(tickMinStep=1, format="d")  # counts: whole ticks only


def _verdict_color() -> alt.Color:
    return alt.Color("verdict:N", title="Verdict", sort=list(VERDICT_CHART_DOMAIN),
                     scale=alt.Scale(domain=list(VERDICT_CHART_DOMAIN), range=list(VERDICT_CHART_RANGE)))


def _verdict_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``rank`` column that stacks verdicts in the legend's order."""
    return frame.assign(rank=frame["verdict"].map({v: i for i, v in enumerate(VERDICT_CHART_DOMAIN)}))


def _stacked_bars(frame: pd.DataFrame, field: str, title: str, axis_title: str) -> alt.Chart:
    """Horizontal bars of claims per ``field`` (document, speaker), stacked by final verdict."""
    order = list(frame.groupby(field, sort=False)["claims"].sum().sort_values(ascending=False, kind="stable").index)
    return (alt.Chart(_verdict_order(frame), title=title)
            .mark_bar()
            .encode(y=alt.Y(f"{field}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
                    x=alt.X("claims:Q", title="Claims", stack="zero", axis=_COUNT_AXIS),
                    color=_verdict_color(), order=alt.Order("rank:Q"),
                    tooltip=[alt.Tooltip(f"{field}:N", title=axis_title), "verdict:N", "claims:Q"]))


def _tally(counts: dict[tuple[Any, Verdict | None], int], label: dict[Any, str]) -> pd.DataFrame:
    """Claims per (bar, final verdict) from counts per (key, verdict); ``label`` names the bar of
    each key shown (keys it lacks are left out; keys with one label share a bar)."""
    tally: Counter[tuple[str, str]] = Counter()
    for (key, verdict), n in counts.items():
        if key in label:
            tally[(label[key], verdict_label(verdict))] += n
    return pd.DataFrame([{"group": g, "verdict": v, "claims": n} for (g, v), n in tally.items()])


def verdicts_by_document(tallies: DeskTallies, docs: list[Document]) -> None:
    labels = {d.id: d.label for d in docs}
    by_claims = Counter(tallies.claims_per_document)
    shown = {doc_id: labels.get(doc_id, f"#{doc_id}") for doc_id, _ in by_claims.most_common(MOST_BARS)}
    frame = _tally(tallies.by_document, shown)
    st.altair_chart(_stacked_bars(frame.rename(columns={"group": "document"}), "document",
                                  "Final verdicts by document", "Document"), width="stretch")
    if len(by_claims) > MOST_BARS:
        st.caption(f"The {MOST_BARS} documents with the most claims; "
                   f"{plural(len(by_claims) - MOST_BARS, 'more document')} not shown.")


def verdicts_by_speaker(tallies: DeskTallies) -> None:
    by_claims: Counter[str] = Counter()
    for speaker, n in tallies.claims_per_speaker.items():
        by_claims[speaker or UNKNOWN_SPEAKER] += n
    shown = {name for name, _ in by_claims.most_common(MOST_BARS)}
    label = {speaker: speaker or UNKNOWN_SPEAKER for speaker in tallies.claims_per_speaker
             if (speaker or UNKNOWN_SPEAKER) in shown}
    frame = _tally(tallies.by_speaker, label)
    st.altair_chart(_stacked_bars(frame.rename(columns={"group": "speaker"}), "speaker",
                                  "Final verdicts by speaker", "Speaker"), width="stretch")
    if len(by_claims) > MOST_BARS:
        st.caption(f"The {MOST_BARS} speakers with the most claims; "
                   f"{plural(len(by_claims) - MOST_BARS, 'more speaker')} not shown.")
    st.page_link("ui/pages/speakers.py", label="Everything a speaker said, with the archive",
                 icon=":material/record_voice_over:")


def verdicts_over_time(tallies: DeskTallies) -> None:
    if not tallies.final_by_day:
        st.info("No final verdict yet: the chart fills in as claims are reviewed.", icon=":material/timeline:")
        return
    frame = _verdict_order(pd.DataFrame([{"day": pd.Timestamp(day), "verdict": verdict_label(v), "claims": n}
                                         for (day, v), n in tallies.final_by_day.items()]))
    chart = (alt.Chart(frame, title="Final verdicts per day (day of the final verdict, UTC)")
             .mark_bar()
             .encode(x=alt.X("yearmonthdate(day):O", title="Day", axis=alt.Axis(format="%Y-%m-%d", labelAngle=0)),
                     y=alt.Y("claims:Q", title="Claims", stack="zero", axis=_COUNT_AXIS),
                     color=_verdict_color(), order=alt.Order("rank:Q"),
                     tooltip=[alt.Tooltip("yearmonthdate(day):T", title="Day"), "verdict:N", "claims:Q"]))
    st.altair_chart(chart, width="stretch")


def reviewer_table(tallies: DeskTallies, users: list[User]) -> pd.DataFrame:
    """One row per user (and anyone else with a standing verdict): verdicts given, share of the claims,
    verdicts of the last days, verdicts per active day, the latest (empty before the first)."""
    given: dict[str, tuple[dt.datetime, ...]] = {u.name: () for u in users}
    given.update(tallies.reviewer_times)
    roles = {u.name: u.role.value for u in users}
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=RECENT_DAYS)
    rows = []
    for name, times in given.items():
        days = {t.date() for t in times}
        rows.append({
            "reviewer": name, "role": roles.get(name, ""), "verdicts": len(times),
            "progress": len(times) / tallies.claims if tallies.claims else 0.0,
            "recent": sum(t >= since for t in times),
            "per_day": round(len(times) / len(days), 1) if days else 0.0,
            # text, so a reviewer without a verdict shows a dash (a table shows a missing time as "None")
            "last": f"{max(times):%Y-%m-%d %H:%M}" if times else NO_VERDICT_YET,
        })
    rows.sort(key=lambda r: (-r["verdicts"], r["reviewer"].casefold()))
    return pd.DataFrame(rows, columns=["reviewer", "role", "verdicts", "progress", "recent", "per_day", "last"])


def reviewers_section(tallies: DeskTallies, users: list[User]) -> None:
    st.subheader("Reviewers")
    table = reviewer_table(tallies, users)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "reviewer": "Reviewer", "role": st.column_config.TextColumn("Role", width="small"),
        "verdicts": st.column_config.NumberColumn("Verdicts", help="Claims with this reviewer's verdict, standing"),
        "progress": st.column_config.ProgressColumn(
            "Of all claims", min_value=0.0, max_value=1.0, format="percent", color="blue",
            help=f"Share of the {plural(tallies.claims, 'claim')} that carry this reviewer's verdict"),
        "recent": st.column_config.NumberColumn(f"Last {RECENT_DAYS} days"),
        "per_day": st.column_config.NumberColumn("Per active day", format="%.1f",
                                                 help="Verdicts per day on which the reviewer gave any"),
        "last": st.column_config.TextColumn("Latest verdict", help="UTC; a dash: no verdict yet"),
    })
    counts = Counter((name, at.date()) for name, times in tallies.reviewer_times.items() for at in times)
    if not counts:
        return
    frame = pd.DataFrame([{"day": pd.Timestamp(day), "reviewer": name, "verdicts": n}
                          for (name, day), n in counts.items()])
    chart = (alt.Chart(frame, title="Throughput: verdicts per reviewer per day (UTC)")
             .mark_bar()
             .encode(x=alt.X("yearmonthdate(day):O", title="Day", axis=alt.Axis(format="%Y-%m-%d", labelAngle=0)),
                     xOffset=alt.XOffset("reviewer:N"),
                     y=alt.Y("verdicts:Q", title="Verdicts", axis=_COUNT_AXIS),
                     color=alt.Color("reviewer:N", title="Reviewer"),
                     tooltip=[alt.Tooltip("yearmonthdate(day):T", title="Day"), "reviewer:N", "verdicts:Q"]))
    st.altair_chart(chart, width="stretch")


def agreement_section(docs: list[Document]) -> None:
    st.subheader("Agreement")
    overall = resources.agreement()
    by_document = resources.agreement_by_document()
    needed = resources.get_workspace().settings.reviews_per_claim
    st.caption(f"Over the claims that carry verdicts from at least two reviewers. Each claim needs "
               f"{plural(needed, 'independent verdict')} (setting `CLAIMDESK_REVIEWS_PER_CLAIM`).")
    kappa, kappa_why = agreement_figure(overall, "kappa")
    alpha, alpha_why = agreement_figure(overall, "alpha")
    share, _ = agreement_figure(overall, "percent")
    cols = st.columns(5)
    cols[0].metric("Claims compared", overall.n_items)
    cols[1].metric("Reviewers", overall.n_reviewers)
    cols[2].metric("Cohen's kappa", kappa, help=kappa_why or "Two reviewers, chance-corrected")
    cols[3].metric("Krippendorff's alpha", alpha, help=alpha_why or "Any number of reviewers, chance-corrected")
    cols[4].metric("Unanimous", share, help="Share of compared claims on which every verdict was the same")
    if overall.n_items == 0:
        st.caption(f"Kappa and alpha are n/a: {kappa_why}.")
    elif kappa_why or alpha_why:
        st.caption(" ".join(f"{name} n/a: {why}." for name, why in (("Kappa", kappa_why), ("Alpha", alpha_why))
                            if why))
    labels = {d.id: d.label for d in docs}
    rows = []
    for doc_id, value in by_document.items():
        k, k_why = agreement_figure(value, "kappa")
        a, a_why = agreement_figure(value, "alpha")
        why = k_why if k_why == a_why else "; ".join(x for x in (k_why and f"kappa: {k_why}",
                                                                 a_why and f"alpha: {a_why}") if x)
        rows.append({"document": labels.get(doc_id, f"#{doc_id}"), "compared": value.n_items,
                     "reviewers": value.n_reviewers, "kappa": k, "alpha": a,
                     "unanimous": agreement_figure(value, "percent")[0], "why": why or ""})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
            "document": st.column_config.TextColumn("Document", width="large"),
            "compared": "Claims compared", "reviewers": "Reviewers", "kappa": "Kappa", "alpha": "Alpha",
            "unanimous": "Unanimous", "why": st.column_config.TextColumn("Why n/a", width="large"),
        })


def same_claim_section() -> None:
    """Precision per tier: of the cards shown as same claim, related or distant, how many reviewers
    answered "Same claim?" and how many said yes; ``claimdesk calibrate`` turns them into a threshold."""
    st.subheader("Same-claim answers")
    summary = resources.judgement_summary()  # stored rows only: no model
    if summary.answered == 0:
        st.caption("No answers yet. On the Review page every earlier-statement card asks “Same claim?” "
                   "(Yes / No; keys Y / X on the top card). The answers show here as precision per tier, "
                   "and `claimdesk calibrate` proposes the same-claim threshold from them.")
        return
    st.caption(f"{plural(summary.answered, 'answer')} from {plural(summary.reviewers, 'reviewer')}, each "
               "reviewer's latest per card. Precision: the share of answers that said “same claim”; for the "
               "*same claim* tier, how often that label was right (the aim is 0.95). `claimdesk calibrate` "
               "proposes the threshold that reaches it.")
    frame = pd.DataFrame([{"tier": t.tier.value.capitalize(), "answered": t.answered, "yes": t.yes,
                           "precision": "—" if t.precision is None else f"{t.precision:.2f}"} for t in summary.tiers],
                         columns=["tier", "answered", "yes", "precision"])
    st.dataframe(frame, hide_index=True, width="content", column_config={
        "tier": st.column_config.TextColumn("Tier", help="What the card said when the reviewer answered"),
        "answered": st.column_config.NumberColumn("Answered"),
        "yes": st.column_config.NumberColumn("Yes", help="Answers that said: the same claim"),
        "precision": st.column_config.TextColumn("Precision", help="Yes / answered (— before any answer)"),
    })


def dashboard_page() -> None:
    st.title("Dashboard")
    try:
        tallies = resources.desk_tallies()
        docs = resources.documents()
        _, archive_total = resources.search_archive(limit=1)
        users = resources.users()
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    total, reviewed = tallies.claims, tallies.reviewed
    cols = st.columns(4)
    cols[0].metric("Documents", len(docs))
    cols[1].metric("Claims", total)
    cols[2].metric("Reviewed", f"{reviewed} of {total}")
    cols[3].metric("Earlier statements", archive_total, help="Imported fact-checks and claims reviewed here")
    if total:
        st.progress(reviewed / total, text=f"{reviewed} of {total} claims reviewed")
        counts = " ".join(f"{verdict_badge(v)} {tallies.final.get(v, 0)}" for v in Verdict)
        st.markdown(counts)

    st.subheader("Next")
    left, mid, right = st.columns(3)
    with left.container(border=True):
        st.markdown("**Add material**  \nPaste an article, upload files, or load the demo article.")
        st.page_link("ui/pages/ingest.py", label="Ingest", icon=":material/upload_file:")
    with mid.container(border=True):
        waiting = total - reviewed
        st.markdown(f"**Review claims**  \n{plural(waiting, 'claim')} waiting for a verdict.")
        st.page_link("ui/pages/review.py", label="Review", icon=":material/fact_check:")
    with right.container(border=True):
        st.markdown(f"**Export verdicts**  \n{plural(reviewed, 'reviewed claim')} ready for the verdict CSV.")
        st.page_link("ui/pages/export.py", label="Export", icon=":material/download:")

    if total:
        try:
            reviewers_section(tallies, users)
            st.subheader("Verdicts")
            by_document, by_speaker, over_time = st.tabs(["By document", "By speaker", "Over time"])
            with by_document:
                verdicts_by_document(tallies, docs)
            with by_speaker:
                verdicts_by_speaker(tallies)
            with over_time:
                verdicts_over_time(tallies)
            agreement_section(docs)
            same_claim_section()
        except ClaimdeskError as exc:
            resources.show_error(exc)

    if docs:
        st.subheader("Documents")
        for doc in docs[:10]:
            progress = resources.document_progress(doc.id)
            text, bar = st.columns([3, 2], vertical_alignment="center")
            text.markdown(f"**{doc.title}**  \n:gray[{doc.source or doc.origin} · {doc.n_claims} claims]")
            bar.progress(progress.fraction, text=f"{progress.reviewed} of {progress.total} reviewed")
        if len(docs) > 10:
            st.caption(f"{len(docs) - 10} more on the Ingest page.")


dashboard_page()
