"""Typed records that the core hands to the CLI and the UI.

They are frozen dataclasses: callers read them, the store and the pipeline make them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from claims.errors import InvalidValueError

__all__ = [
    "Verdict",
    "Tier",
    "Origin",
    "ReviewAction",
    "ReviewStatus",
    "ReviewQueue",
    "AuditKind",
    "AuditEvent",
    "ExportRecord",
    "ReviewerVerdict",
    "Sentence",
    "SentenceRow",
    "ExtractedSentence",
    "SourceText",
    "Document",
    "Claim",
    "Statement",
    "Match",
    "ReviewEvent",
    "Progress",
    "IngestResult",
    "ImportResult",
]


class Verdict(str, Enum):
    """The three verdicts a reviewer can give; these exact words appear in data and exports."""

    SUPPORTED = "supported"
    DISPUTED = "disputed"
    UNVERIFIED = "unverified"

    @classmethod
    def parse(cls, word: str) -> Verdict:
        """The verdict named by ``word`` (any case); InvalidValueError for anything else."""
        try:
            return cls(word.strip().lower())
        except ValueError:
            allowed = ", ".join(v.value for v in cls)
            raise InvalidValueError(f"unknown verdict {word!r}: use one of {allowed}") from None

    @property
    def label(self) -> str:
        """The verdict as the UI shows it."""
        return self.value.capitalize()


class Tier(str, Enum):
    """How close an earlier statement is to a claim.

    ``same claim``: the earlier verdict likely applies; ``related``: worth reading;
    ``distant``: below both thresholds, shown only for completeness.
    """

    SAME_CLAIM = "same claim"
    RELATED = "related"
    DISTANT = "distant"


class Origin(StrEnum):
    """Where an earlier statement came from; these exact words are stored in ``statements.origin``.

    ``archive``: imported from an archive file; ``review``: a claim reviewed in claimdesk.
    A ``StrEnum``, so a member equals, formats and stores as its word.
    """

    ARCHIVE = "archive"
    REVIEW = "review"


class ReviewAction(StrEnum):
    """What one review event did: ``label`` puts a verdict on, ``undo`` takes the reviewer's latest off,
    ``adjudicate`` is an admin's final verdict (its note is the reason)."""

    LABEL = "label"
    UNDO = "undo"
    ADJUDICATE = "adjudicate"


class ReviewStatus(StrEnum):
    """Where a claim stands in review (with N independent verdicts per claim, N a setting).

    ``unreviewed``: no verdict yet; ``pending``: fewer than N reviewers have given one;
    ``disagreement``: N or more have, and they differ; ``agreed``: a final verdict from agreeing
    reviewers (with N = 1, the latest verdict); ``adjudicated``: an admin set the final verdict.
    """

    UNREVIEWED = "unreviewed"
    PENDING = "pending"
    DISAGREEMENT = "disagreement"
    AGREED = "agreed"
    ADJUDICATED = "adjudicated"


class AuditKind(StrEnum):
    """What happened to a claim, in its audit trail (verdict events come from the review log)."""

    INGESTED = "ingested"
    MATCHED = "matched"
    LABEL = "label"
    UNDO = "undo"
    ADJUDICATE = "adjudicate"
    EXPORTED = "exported"


@dataclass(frozen=True)
class AuditEvent:
    """One line of a claim's audit trail: what, who, when, and details (verdict, reason, format…)."""

    event: AuditKind
    reviewer: str
    at: dt.datetime
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event.value, "reviewer": self.reviewer,
                "at": self.at.isoformat(timespec="seconds").replace("+00:00", "Z"), **self.detail}


@dataclass(frozen=True)
class ExportRecord:
    """One export as the audit log keeps it: who handed out a file, when, in which format, of how many claims."""

    id: int
    actor: str
    format: str
    claims: int
    at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "actor": self.actor, "format": self.format, "claims": self.claims,
                "at": self.at.isoformat(timespec="seconds").replace("+00:00", "Z")}


@dataclass(frozen=True)
class ReviewerVerdict:
    """One reviewer's verdict on a claim as it stands (their latest label not undone)."""

    reviewer: str
    verdict: Verdict
    at: dt.datetime
    note: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text, with its character offsets: ``text == source[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ExtractedSentence:
    """A sentence with its check-worthiness score, claim flag and speaker."""

    text: str
    start: int
    end: int
    checkworthiness: float
    is_claim: bool
    speaker: str | None

    def to_json(self) -> dict[str, Any]:
        """The object ``claimdesk extract --json`` prints: exactly these six keys."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "checkworthiness": round(self.checkworthiness, 4),
            "is_claim": self.is_claim,
            "speaker": self.speaker,
        }


@dataclass(frozen=True)
class SentenceRow:
    """A stored sentence of a document (claim or not), as the extract view and promote/dismiss see it."""

    id: int
    document_id: int
    position: int
    text: str
    start: int
    end: int
    checkworthiness: float
    is_claim: bool
    speaker: str | None


@dataclass(frozen=True)
class SourceText:
    """One document read from a file or pasted: its plain text and what is known about it.

    ``line`` is the line of the batch file the document came from (CSV/JSONL posts), so
    later errors can still name it.
    """

    text: str
    title: str
    origin: str
    kind: str = "article"
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    speaker: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Document:
    """A stored document (article, post, transcript)."""

    id: int
    title: str
    origin: str
    kind: str
    source: str | None
    url: str | None
    published: dt.date | None
    created_at: dt.datetime
    n_sentences: int = 0
    n_claims: int = 0

    @property
    def label(self) -> str:
        """#id · title · source · date: tells apart documents that share a title, the id first so that
        a narrow select box, which cuts the end off, still shows it."""
        parts = [f"#{self.id}", self.title, self.source, self.published.isoformat() if self.published else None]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Claim:
    """A check-worthy sentence of a stored document, with its context and current verdict."""

    id: int
    document_id: int
    position: int
    text: str
    start: int
    end: int
    checkworthiness: float
    speaker: str | None
    document_title: str
    source: str | None
    url: str | None
    published: dt.date | None
    context_before: tuple[str, ...] = ()
    context_after: tuple[str, ...] = ()
    verdict: Verdict | None = None
    reviewer: str | None = None
    reviewed_at: dt.datetime | None = None
    note: str | None = None
    evidence: tuple[str, ...] = ()
    status: ReviewStatus = ReviewStatus.UNREVIEWED
    reviewer_verdicts: tuple[ReviewerVerdict, ...] = ()
    """Each reviewer's standing verdict, oldest first; ``verdict`` is the final one (or None)."""


@dataclass(frozen=True)
class Statement:
    """An earlier statement: an imported archive entry or a claim the team has reviewed."""

    id: int
    text: str
    speaker: str | None
    date: dt.date | None
    source: str | None
    url: str | None
    verdict: Verdict | None
    rating: str | None
    origin: Origin
    claim_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """An earlier statement close to a claim or query.

    ``similarity`` is the cosine of the two embeddings (shown on the card); ``probability`` is the
    same-claim verifier's calibrated probability that the two say the same thing (it decides the
    *same claim* tier and orders the cards); ``reason`` says in a few words what tells them apart
    ("numbers differ: 3 vs 10"); ``score`` is the fused retrieval score that found the candidate.
    """

    statement: Statement
    similarity: float
    tier: Tier
    score: float | None = None
    probability: float | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The object ``claimdesk match --json`` prints."""
        s = self.statement
        return {
            "statement_id": s.id,
            "text": s.text,
            "similarity": round(self.similarity, 4),
            "probability": round(self.probability, 4) if self.probability is not None else None,
            "tier": self.tier.value,
            "reason": self.reason,
            "verdict": s.verdict.value if s.verdict else None,
            "rating": s.rating,
            "speaker": s.speaker,
            "date": s.date.isoformat() if s.date else None,
            "source": s.source,
            "url": s.url,
        }


@dataclass(frozen=True)
class ReviewEvent:
    """One entry of the append-only review log: a label, or an undo of the reviewer's last label."""

    id: int
    claim_id: int
    reviewer: str
    action: ReviewAction
    verdict: Verdict | None
    note: str | None
    evidence: tuple[str, ...]
    created_at: dt.datetime


@dataclass(frozen=True)
class Progress:
    """How much of a review queue is done."""

    total: int
    reviewed: int

    @property
    def fraction(self) -> float:
        return self.reviewed / self.total if self.total else 0.0


@dataclass(frozen=True)
class ReviewQueue:
    """A review queue as the Review page walks it: claim ids in queue order, not the claims.

    The page needs where the claim on screen stands, which claim comes next and how much is done;
    building every claim of a 100,000-claim queue on each verdict would cost seconds, so the queue
    holds ids and counts only, and the page reads the one claim it shows.

    ``total`` and ``reviewed`` count the claims the filters select (reviewed: with a final verdict);
    ``ids`` are those of them in the chosen status, in queue order (document, then position);
    ``unreviewed`` are those of the selected claims that still need the viewer's verdict.
    """

    total: int
    reviewed: int
    ids: tuple[int, ...]
    unreviewed: frozenset[int]

    @property
    def progress(self) -> Progress:
        return Progress(total=self.total, reviewed=self.reviewed)


@dataclass(frozen=True)
class DeskTallies:
    """Where the desk stands, counted over every claim without building one (the Dashboard).

    A claim's final verdict is None until it has one; speakers are None when unknown; times are UTC.
    ``reviewer_times`` holds, per reviewer, the time of each verdict of theirs that stands (an undone
    one does not count).
    """

    claims: int
    final: dict[Verdict, int]
    claims_per_document: dict[int, int]
    by_document: dict[tuple[int, Verdict | None], int]
    claims_per_speaker: dict[str | None, int]
    by_speaker: dict[tuple[str | None, Verdict | None], int]
    final_by_day: dict[tuple[dt.date, Verdict], int]
    reviewer_times: dict[str, tuple[dt.datetime, ...]]

    @property
    def reviewed(self) -> int:
        """Claims with a final verdict."""
        return sum(self.final.values())


@dataclass(frozen=True)
class IngestResult:
    """What one ingested document added: its record, counts, and whether it was new."""

    document: Document
    created: bool
    n_sentences: int
    n_claims: int
    n_same_claim: int
    n_related: int
    duplicate_of: Document | None = None
    """Set when the text was already in the workspace under other details: nothing was added and
    ``document`` is that earlier document (ingest again with ``allow_duplicate_text`` to add it)."""


@dataclass(frozen=True)
class ImportResult:
    """What one archive import added; ``skipped`` rows were already in the archive, ``updated``
    ones among them were given a verdict they lacked."""

    origin: str
    added: int
    skipped: int
    updated: int = 0
    unmapped_ratings: tuple[str, ...] = ()


# -- "same claim?" answers on match cards ------------------------------------------------------


@dataclass(frozen=True)
class MatchJudgement:
    """A reviewer's answer to "same claim?" on one earlier-statement card of a claim.

    ``tier``, ``probability`` (P(same claim); None under the cosine rule) and ``cosine`` are what
    the card showed when the reviewer answered, so the answers measure the matcher as it was seen.
    """

    id: int
    claim_id: int
    statement_id: int
    reviewer: str
    same: bool
    tier: Tier
    probability: float | None
    cosine: float
    created_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The object ``claimdesk judge --json`` would print: plain values, times in UTC."""
        return {"claim_id": self.claim_id, "statement_id": self.statement_id, "reviewer": self.reviewer,
                "same": self.same, "tier": self.tier.value,
                "probability": round(self.probability, 4) if self.probability is not None else None,
                "cosine": round(self.cosine, 4),
                "at": self.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")}


@dataclass(frozen=True)
class TierPrecision:
    """The answers given on cards of one tier: how many, how many said "same claim", and the share."""

    tier: Tier
    answered: int
    yes: int

    @property
    def precision(self) -> float | None:
        """Share of the answers that said "same claim" (None before any answer): for the *same claim*
        tier, how often that label was right."""
        return self.yes / self.answered if self.answered else None

    def to_json(self) -> dict[str, Any]:
        return {"tier": self.tier.value, "answered": self.answered, "yes": self.yes,
                "precision": round(self.precision, 4) if self.precision is not None else None}


@dataclass(frozen=True)
class JudgementSummary:
    """Precision per tier over every reviewer's latest answer on each card (same claim, related, distant)."""

    tiers: tuple[TierPrecision, ...]
    reviewers: int = 0

    @property
    def answered(self) -> int:
        return sum(t.answered for t in self.tiers)

    @property
    def yes(self) -> int:
        return sum(t.yes for t in self.tiers)

    def tier(self, tier: Tier) -> TierPrecision:
        """The figures of one tier (zeros when no card of it was answered)."""
        return next((t for t in self.tiers if t.tier is tier), TierPrecision(tier, 0, 0))

    def to_json(self) -> dict[str, Any]:
        return {"answered": self.answered, "yes": self.yes, "reviewers": self.reviewers,
                "tiers": [t.to_json() for t in self.tiers]}


__all__ += ["MatchJudgement", "TierPrecision", "JudgementSummary"]
