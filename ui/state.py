"""What a session remembers: who signed in, the current claim, the queue filters.

Session state holds ids and small values only. The sign-in token, the current claim and the
review queue's filters are mirrored in the URL's query parameters (``?session=…&claim=…&doc=…``)
so a page reload lands on the same queue and the same claim, signed in. A name in the URL signs
nobody in: only a live session token does (see :mod:`claims.users`).
Filter values live under plain keys (``queue_*``) that widgets copy into via ``on_change``:
Streamlit drops a widget's own key when its page is not shown, and the filters must survive a
visit to another page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

__all__ = [
    "REVIEWER",
    "reviewer",
    "is_admin",
    "session_token",
    "set_signed_in",
    "sign_out",
    "sync_session_param",
    "current_claim_id",
    "set_current_claim",
    "persisted",
    "set_persisted",
    "bind",
    "restore_from_url",
    "mirror_in_url",
]

REVIEWER = "reviewer"  # the signed-in user's name, set by app.py once the session checks out
ROLE = "role"
_SESSION = "session"  # the session token, in session state and in the URL (``?session=``)
_CLAIM = "claim"


def reviewer() -> str | None:
    """The signed-in user's name (every verdict is recorded under it), or None before sign-in."""
    return st.session_state.get(REVIEWER)


def is_admin() -> bool:
    return st.session_state.get(ROLE) == "admin"


def session_token() -> str | None:
    """This browser session's sign-in token: the session's, else the URL's after a reload."""
    token = st.session_state.get(_SESSION)
    if not token:
        token = (st.query_params.get(_SESSION) or "").strip() or None
    return token


def set_signed_in(token: str | None, name: str, role: str) -> None:
    """Remember who signed in (the token also goes in the URL, so a reload keeps the session)."""
    st.session_state[REVIEWER] = name
    st.session_state[ROLE] = role
    if token:
        st.session_state[_SESSION] = token
        st.query_params[_SESSION] = token


def sign_out() -> None:
    """Forget the user in this browser session (the caller ends the token in the workspace)."""
    for key in (REVIEWER, ROLE, _SESSION):
        st.session_state.pop(key, None)
    st.query_params.pop(_SESSION, None)


def sync_session_param() -> None:
    """Put the session token back in the URL: page navigation clears query parameters."""
    token = st.session_state.get(_SESSION)
    if token and st.query_params.get(_SESSION) != token:
        st.query_params[_SESSION] = token


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


def bind(name: str, default: Any = None, then: Callable[[], None] | None = None) -> dict[str, Any]:
    """Keyword arguments that tie a widget to the persisted value ``name``.

    The widget gets the key ``_w_<name>``, starts from the persisted value, and copies every
    change back, so the value outlives the widget when the user visits another page. ``then``
    runs after a change the user made (not after a rerun that merely redraws the widget).
    """
    widget_key = f"_w_{name}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(name, default)

    def copy_back() -> None:
        st.session_state[name] = st.session_state[widget_key]
        if then is not None:
            then()

    st.session_state.setdefault(name, default)
    return {"key": widget_key, "on_change": copy_back}


def set_persisted(name: str, value: Any) -> None:
    """Set a persisted value and the widget bound to it (before the widget is drawn)."""
    st.session_state[name] = value
    st.session_state[f"_w_{name}"] = value


def _parse(raw: str, kind: type) -> Any:
    if kind is int:
        return int(raw) if raw.isdigit() else None
    if kind is float:
        try:
            value = float(raw)
        except ValueError:
            return None
        return value if 0.0 <= value <= 1.0 else None
    return raw


def restore_from_url(params: Mapping[str, tuple[str, type, Any]]) -> None:
    """Fill persisted values from the URL after a reload: ``{name: (parameter, type, default)}``.

    Only values the session does not hold yet are taken (a fresh session, a shared link); a
    malformed parameter is ignored and the default stands.
    """
    for name, (param, kind, default) in params.items():
        if name in st.session_state:
            continue
        raw = st.query_params.get(param)
        value = _parse(raw, kind) if raw is not None else None
        set_persisted(name, default if value is None else value)


def mirror_in_url(params: Mapping[str, tuple[str, type, Any]]) -> None:
    """Write persisted values into the URL; a value at its default leaves the URL clean."""
    for name, (param, _kind, default) in params.items():
        value = st.session_state.get(name, default)
        if value == default or value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != str(value):
            st.query_params[param] = str(value)
