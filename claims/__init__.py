"""claimdesk's core: documents, claims, earlier statements, reviews and exports.

This package never imports streamlit; the UI (``app.py``, ``ui/``) and the CLI (``claims.cli``)
are thin layers over :class:`~claims.workspace.Workspace`.
"""

from claims.errors import ClaimdeskError
from claims.models import Claim, Document, Match, Statement, Tier, Verdict
from claims.settings import Settings, load_settings

__all__ = [
    "ClaimdeskError",
    "Claim",
    "Document",
    "Match",
    "Statement",
    "Tier",
    "Verdict",
    "Settings",
    "load_settings",
]

__version__ = "0.1.0"
