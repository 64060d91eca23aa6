"""What an export reads, kept between exports and caught up from the review log: an export costs what changed.

An export of 100,000 verdicts read every claim, its document, its review log and its top card's
statement, and formatted and quoted every cell, on each export (about 4 s on two cores). Most of it
is the same as last time. :class:`ExportLines` keeps, between exports:

- each claim's review state, replayed again only for the claims the review log's new rows name;
- what a top card shows of each statement, read again for the statements of those claims (a
  reviewed claim's statement takes its verdict) and all at once after an archive import (an import
  may fill verdicts in);
- each claim's finished CSV line, with the review state and the top card it was written from. A
  line is used again only while its claim's state is the very object now held (a new event replays
  the claim into a new one) and its card is equal to the card now shown, so a line can be stale for
  no reason the export would not see.

The match-cache rows are read on every export (six numbers a claim, in queue order), because a card
may be ranked again by any process. A sentence's own columns never change once stored, so they are
read only for the lines to write. What was added since is read by :class:`~claims.store.tails.Tails`,
which also notices a late commit or a row deleted by hand and then has everything read again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from claims.store.base import Part
from claims.store.exportquery import ExportQuery, ReviewReplay
from claims.store.schema import imports, reviews
from claims.store.tails import RECHECK_S, FollowsTails, Tails

__all__ = ["ExportLines", "ExportRead", "Shown"]

Shown = tuple[str, "str | None", "str | None", str]
"""What a top card shows of a statement: (text, verdict word, source, origin)."""

_REVIEWS, _IMPORTS = range(2)
_TEXT_HASH = 9  # of a claim_rows row
_READ_ALL = 5000
"""Above this many rows to read by id, one pass over the whole table is quicker than lists of ids."""


@dataclass(frozen=True)
class ExportRead:
    """One export's reads: every claim in queue order (:meth:`ExportQuery.queue` rows), every
    claim's review state by id (no entry: no events), and the statements their cards name."""

    rows: list[tuple[Any, ...]]
    states: dict[int, ReviewReplay]
    shown: dict[int, Shown]


class ExportLines(FollowsTails, Part):
    """Review states, shown statements and finished CSV lines of every claim, kept between exports."""

    def __init__(self, engine: Engine, required: int = 1, recheck_s: float = RECHECK_S) -> None:
        super().__init__(engine)
        self.query = ExportQuery(engine, required=required)
        self._tails = Tails(((reviews, reviews.c.claim_id), (imports, imports.c.id)), recheck_s)
        self._lock = threading.Lock()
        self._states: dict[int, ReviewReplay] = {}
        self._shown: dict[int, Shown] = {}
        self._lines: dict[int, tuple[ReviewReplay | None, Any, str]] = {}
        self._hashes: dict[int, str] = {}
        self._model: str | None = None
        self.loads = 0
        """How many times every review state was read (once, plus once per count that did not add up)."""

    def read(self, matcher_key: str, model: str) -> ExportRead:
        """The export's reads now, caught up with the log (:meth:`ExportQuery.queue`: every claim).
        ``model`` is the embedder whose name the lines carry: lines of another are dropped."""
        with self._lock:
            if model != self._model:
                self._lines.clear()
                self._model = model
            self._catch_up()
            rows = self.query.queue(matcher_key)
            named = {row[3] for row in rows if row[3] is not None}
            missing = [sid for sid in named if sid not in self._shown]
            if len(missing) > _READ_ALL:
                self._shown.update(self.query.statements_shown())
            elif missing:
                self._shown.update(self.query.statements_shown(missing))
            # copies: another export may catch up while this one reads them
            return ExportRead(rows=rows, states=dict(self._states), shown=dict(self._shown))

    def review_states(self) -> dict[int, ReviewReplay]:
        """Every claim's review state now, by id (no entry: no events), caught up with the log."""
        with self._lock:
            self._catch_up()
            return dict(self._states)

    def _catch_up(self) -> None:
        with self.engine.connect() as conn:
            tails = self._tails.since(conn)
        if tails is None:
            self._states = self.query.review_states()
            self._shown = {}
            self._lines.clear()
            self.loads += 1
        elif any(tails):
            changed = sorted({claim_id for _, claim_id in tails[_REVIEWS]})
            if changed:
                states = self.query.review_states(changed)
                for claim_id in changed:
                    if claim_id in states:
                        self._states[claim_id] = states[claim_id]
                    else:
                        self._states.pop(claim_id, None)
            if tails[_IMPORTS]:
                self._shown = {}
            else:
                for statement_id in self.query.statements_of_claims(changed):
                    self._shown.pop(statement_id, None)

    def line(self, claim_id: int, review: ReviewReplay | None, card: Any) -> str | None:
        """The claim's CSV line written from this review state and card, if one is kept."""
        kept = self._lines.get(claim_id)
        if kept is not None and kept[0] is review and kept[1] == card:
            return kept[2]
        return None

    def keep(self, claim_id: int, review: ReviewReplay | None, card: Any, line: str) -> None:
        """Keep the claim's CSV line, written from this review state (the object read) and card."""
        self._lines[claim_id] = (review, card, line)

    def forget(self) -> None:
        """Drop everything: the next export reads it all again."""
        with self._lock:
            self._tails.reset()
            self._states, self._shown = {}, {}
            self._lines.clear()

    def claim_rows(self, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """These claims' own columns (:meth:`ExportQuery.claim_rows`), their text hashes kept."""
        found = self.query.claim_rows() if len(ids) > _READ_ALL else {}
        rest = [cid for cid in ids if cid not in found]  # also a sentence that stopped being a claim since
        if rest:
            found.update(self.query.claim_rows(rest))
        self._hashes.update((cid, row[_TEXT_HASH]) for cid, row in found.items())
        return found

    def text_hashes(self, ids: Sequence[int] | None = None) -> dict[int, str]:
        """The text hash of each of these claims (every claim's, without ``ids``; kept: a sentence's text
        never changes)."""
        if ids is None:
            self._hashes.update(self.query.claim_hashes())
            return dict(self._hashes)
        missing = [cid for cid in ids if cid not in self._hashes]
        if len(missing) > _READ_ALL:
            self._hashes.update(self.query.claim_hashes())
        elif missing:
            self.claim_rows(missing)
        hashes = self._hashes
        return {cid: hashes[cid] for cid in ids if cid in hashes}
