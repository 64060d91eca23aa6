"""What a session remembers: the reviewer's name, the current claim, the queue filters.

Session state holds ids and small values only. The reviewer and the current claim are mirrored
in the URL's query parameters (``?reviewer=…&claim=…``) so a page reload lands where it was.
Filter values live under plain keys (``queue_*``) that widgets copy into via ``on_change``:
Streamlit drops a widget's own key when its page is not shown, and the filters must survive a
visit to another page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

__all__ = [
    "REVIEWER",
    "reviewer",
    "set_reviewer",
    "sync_reviewer_param",
    "current_claim_id",
    "set_current_claim",
    "persisted",
    "set_persisted",
    "bind",
]

REVIEWER = "reviewer"
_CLAIM = "claim"


def reviewer() -> str | None:
    """The reviewer's name from the session, else from the URL (after a reload)."""
    name = st.session_state.get(REVIEWER)
    if not name:
        name = (st.query_params.get(REVIEWER) or "").strip() or None
        if name:
            st.session_state[REVIEWER] = name
    return name


def set_reviewer(name: str) -> None:
    name = " ".join(name.split())
    st.session_state[REVIEWER] = name
    st.query_params[REVIEWER] = name


def sync_reviewer_param() -> None:
    """Put the reviewer back in the URL: page navigation clears query parameters."""
    name = st.session_state.get(REVIEWER)
    if name and st.query_params.get(REVIEWER) != name:
        st.query_params[REVIEWER] = name


def current_claim_id() -> int | None:
    """The claim on screen: the session's, else the URL's ``?claim=`` after a reload."""
    value = st.session_state.get(_CLAIM)
    if value is None:
        raw = st.query_params.get(_CLAIM)
        if raw and raw.isdigit():
            value = int(raw)
    return value


def set_current_claim(claim_id: int | None) -> None:
    st.session_state[_CLAIM] = claim_id
    if claim_id is None:
        st.query_params.pop(_CLAIM, None)
    else:
        st.query_params[_CLAIM] = str(claim_id)


def persisted(name: str, default: Any = None) -> Any:
    """A value kept under ``name`` across pages (see :func:`bind`)."""
    return st.session_state.get(name, default)


def bind(name: str, default: Any = None) -> dict[str, Any]:
    """Keyword arguments that tie a widget to the persisted value ``name``.

    The widget gets the key ``_w_<name>``, starts from the persisted value, and copies every
    change back, so the value outlives the widget when the user visits another page.
    """
    widget_key = f"_w_{name}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(name, default)

    def copy_back() -> None:
        st.session_state[name] = st.session_state[widget_key]

    st.session_state.setdefault(name, default)
    return {"key": widget_key, "on_change": copy_back}


def set_persisted(name: str, value: Any) -> None:
    """Set a persisted value and the widget bound to it (before the widget is drawn)."""
    st.session_state[name] = value
    st.session_state[f"_w_{name}"] = value
