"""claimdesk's Streamlit UI: the pages (``ui/pages/``) and what they share.

``resources`` holds the cached workspace and cached queries (the only ``st.cache_resource``),
``state`` what a session remembers, ``formatting`` pure helpers that turn core records into
labels, chips and highlighted HTML, ``components`` the cards several pages draw. The UI only
calls the core (:class:`claims.workspace.Workspace`); it holds no SQL and no FAISS calls.
"""

__all__ = ["components", "formatting", "resources", "state"]
