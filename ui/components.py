"""Small Streamlit pieces that more than one page draws: match cards and statement cards."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from claims.models import Match, Statement, Tier
from ui.formatting import (
    badge,
    md_plain,
    differences,
    percent,
    statement_html,
    statement_meta,
    tier_badge,
    verdict_badge,
)

__all__ = ["match_card", "statement_card"]


def match_card(match: Match, compared_with: str, actions: Callable[[], None] | None = None) -> None:
    """An earlier statement close to ``compared_with``: verdict chip, tier, similarity, the text
    with the numbers and negations that differ marked, then speaker, date, source and link.

    ``actions`` draws the card's own buttons at its foot, inside the card (the Review page's
    "Same claim?" Yes / No), so each button sits with the statement it is about."""
    s = match.statement
    with st.container(border=True):
        chips = [verdict_badge(s.verdict, s.rating), tier_badge(match.tier),
                 badge(f"{percent(match.similarity)} similar", "gray")]
        if match.probability is not None:
            chips.append(badge(f"same claim: {percent(match.probability)} likely", "gray"))
        st.markdown("  ".join(chips))
        # Distant statements differ in everything; marking their numbers would be noise.
        diff = differences(compared_with, s.text) if match.tier is not Tier.DISTANT else None
        st.html(statement_html(s.text, diff.only_in_statement if diff else ()))
        if match.reason:
            st.caption(f":material/rule: {md_plain(match.reason)}")
        if diff:
            st.caption(f":material/compare_arrows: Differs: {diff.summary()}")
        st.caption(statement_meta(s))
        if actions is not None:
            actions()


def statement_card(statement: Statement) -> None:
    """An archive entry: verdict chip, text, and where it comes from."""
    with st.container(border=True):
        st.markdown(verdict_badge(statement.verdict, statement.rating))
        st.html(statement_html(statement.text))
        st.caption(statement_meta(statement))
