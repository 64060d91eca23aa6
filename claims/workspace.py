"""The workspace: the one object the CLI and the UI talk to.

It ties the database (:class:`~claims.store.Store`), the embedder and the FAISS cache together
and runs the pipeline of one article: read → segment → detect → attribute → store → embed →
match; then review → archive → export. Backends are injected, so tests can hand it a SQLite
file in a temporary folder and the real model, and the UI can share one instance across
sessions (every method is thread-safe).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from claims.archive import parse_verdict_map, read_statements
from claims.agreement import Agreement, agreement
from claims.calibration import DEFAULT_MIN_ANSWERS, DEFAULT_TARGET, RULES, Calibration
from claims.calibration import calibrate as calibrate_threshold
from claims.contradict import Hint, denials_in_document, statement_hints
from claims.errors import (
    EmptyInputError,
    IndexCacheError,
    InputTooLargeError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from claims.export import (
    EXPORT_FORMATS,
    ExportFile,
    ExportRow,
    TopCard,
    export_cells,
    export_claimreview_json,
    export_jsonl,
    export_verdicts_csv,
    in_claim_review,
    reviewer_records,
    verdict_csv_lines,
    write_verdict_lines,
)
from claims.detector import build_scorer
from claims.extract import Scorer, extract
from claims.models import (
    AuditEvent,
    AuditKind,
    Claim,
    DeskTallies,
    Document,
    ExportRecord,
    ExtractedSentence,
    ImportResult,
    IngestResult,
    JudgementSummary,
    Match,
    MatchJudgement,
    Origin,
    Progress,
    ReviewAction,
    ReviewEvent,
    ReviewQueue,
    ReviewStatus,
    SentenceRow,
    SourceText,
    Statement,
    Tier,
    TierPrecision,
    Verdict,
)
from claims.readers import DOCUMENT_FORMATS, content_hash, pasted_document, read_documents
from claims.review import last_standing_label, standing_labels
from claims.safety import safe_url
from claims.settings import Settings
from claims.users import (
    SESSION_HOURS,
    Role,
    User,
    clean_user_name,
    hash_password,
    new_session_token,
    token_digest,
    verify_password,
)
from claims.store import Store
from claims.store.exportquery import (
    AT,
    BY_REVIEWER,
    CURRENT,
    EVIDENCE,
    NOTE,
    REVIEWER,
    STATUS,
    VERDICT,
    ReviewReplay,
    evidence_links,
)
from claims.store.matchcache import CachedMatch
from index.atomic import atomic_write_text
from index.embed import (
    DeferredEmbedder,
    EmbeddingCache,
    TextEmbedder,
    VectorMemo,
    embed_cached,
    embedder_name,
    text_hash,
)
from index.lexical import LexicalIndex, LexicalSettings, english_stemmer
from index.match import Candidate, MatchQuery, Matcher, MatchSettings, statement_lexical_text
from index.vectors import SyncReport, VectorIndex
from index.verify import VERIFIER_FILE, Verifier, load_verifier

__all__ = ["Workspace", "WorkspaceStatus", "DetectorStatus", "DEMO_ARCHIVE", "DEMO_ARTICLE", "DOCUMENT_FORMATS", "demo_bytes"]

DEMO_ARCHIVE = "archive.csv"
DEMO_ARTICLE = "article.txt"


logger = logging.getLogger(__name__)

LEXICAL_FILE = "lexical.npz"
# The version of what BM25 indexes for a statement (index.match.statement_lexical_text): a saved BM25 index
# written under another one is rebuilt.
LEXICAL_TEXT_VERSION = 1

# Ids are 64-bit integers in both databases; a larger number cannot name anything.
_MAX_ID = 2**63 - 1

_ExportRecord = tuple[int, "ReviewReplay | None", "TopCard | None", bool]
"""One claim an export writes: its id, the review the viewer may see (None: none), its top card
(None: none), and whether blind review hid the claim's review from the viewer."""


def _web_address(url: str | None) -> str | None:
    """A document's link: None when empty; refused unless it is an http(s) address (a javascript: or
    file: link would be served to every reviewer who clicks it)."""
    if url is None or not url.strip():
        return None
    checked = safe_url(url.strip())
    if checked is None:
        raise InvalidValueError(f"the URL {url.strip()!r} is not a web address (http:// or https://)")
    return checked


def _check_id(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= _MAX_ID:
        raise NotFoundError(f"no {what} with id {value}")


@dataclass(frozen=True)
class DetectorStatus:
    """Whether the trained detector flags claims (``description``: its held-out quality) or the
    heuristic stands in (``description``: why)."""

    trained: bool
    description: str


def _cached_match(claim_id: int, top: Match | None, marks: tuple[int, int], key: str) -> CachedMatch:
    """The match-cache row of a claim's top card (None: nothing matched), ranked against ``marks``."""
    if top is None:
        return CachedMatch(claim_id, None, None, None, None, None, None, marks[0], marks[1], key)
    return CachedMatch(claim_id, top.statement.id, top.similarity, top.probability, top.tier.value, top.score,
                       top.reason, marks[0], marks[1], key)


IMPORT_CHUNK = 1024
"""Texts embedded, and their vectors stored, per step of an archive import (its unit of progress and resumption)."""


@dataclass(frozen=True)
class WorkspaceStatus:
    """What ``claimdesk status`` shows: where the workspace lives and what it holds."""

    database: str
    index_dir: str
    documents: int
    sentences: int
    statements: int
    review_events: int
    progress: Progress


def demo_bytes(name: str) -> bytes:
    """A file of the demo data shipped inside the package (``claims/demo``)."""
    return resources.files("claims.demo").joinpath(name).read_bytes()


def _check_urls(urls: Iterable[str]) -> tuple[str, ...]:
    """Evidence links as stored: each an http(s) address by the one rule of :func:`claims.safety.safe_url`."""
    cleaned = []
    for url in urls:
        url = url.strip()
        if not url:
            continue
        checked = safe_url(url)
        if checked is None:
            raise InvalidValueError(f"evidence {url!r} is not a web address (http:// or https://)")
        cleaned.append(checked)
    return tuple(cleaned)


@dataclass
class _Ingested:
    """What one document of an ingest came to, gathered before its claims are matched."""

    n_sentences: int
    n_claims: int
    document: Document | None = None
    earlier_id: int | None = None  # the document already stored under this content (or text)
    duplicate: bool = False  # stored before under other details
    texts: list[str] = field(default_factory=list)  # claims to match
    excluded: list[int | None] = field(default_factory=list)  # each one's own claim id, if stored before
    new_claim_ids: list[int] = field(default_factory=list)  # the claims this ingest wrote, in order


class _RememberingCache:
    """The store's embedding cache, remembering every vector a thread looks up or adds while it ingests.

    The scorer reads each sentence's vector through this cache; inside :meth:`remembering`, the
    claims' vectors are then served from memory instead of being looked up again. Outside it (and
    on other threads) it passes straight through to the database.
    """

    def __init__(self, cache: EmbeddingCache) -> None:
        self._cache = cache
        self._local = threading.local()

    @contextmanager
    def remembering(self) -> Iterator[None]:
        if getattr(self._local, "memory", None) is not None:  # already inside an ingest on this thread
            yield
            return
        self._local.memory = {}
        try:
            yield
        finally:
            self._local.memory = None

    def get_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        memory: dict[tuple[str, str], np.ndarray] | None = getattr(self._local, "memory", None)
        if memory is None:
            return self._cache.get_embeddings(model, hashes)
        found = {h: memory[(model, h)] for h in hashes if (model, h) in memory}
        unknown = [h for h in hashes if h not in found]
        if unknown:
            stored = self._cache.get_embeddings(model, unknown)
            memory.update(((model, h), v) for h, v in stored.items())
            found.update(stored)
        return found

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self._cache.put_embeddings(model, vectors)
        memory = getattr(self._local, "memory", None)
        if memory is not None:
            memory.update(((model, h), v) for h, v in vectors.items())


class Workspace:
    """A claimdesk workspace: documents, claims, the earlier-statements archive and reviews."""

    def __init__(self, settings: Settings, *, store: Store | None = None,
                 embedder: TextEmbedder | None = None, index: VectorIndex | None = None) -> None:
        self.settings = settings
        self._store = store
        self._vector_cache: _RememberingCache | None = None
        self._embedder = embedder
        self._index = index
        self._lexical: LexicalIndex | None = None
        self._scorer: Scorer | None = None
        self._lexical_key = 0  # the highest statement id the BM25 index has caught up to
        self._lexical_builds = 0  # full builds of the BM25 index: one per workspace, then only catch-ups
        self._lexical_gap: tuple[int, float] | None = None  # lowest id missing below _lexical_key; first seen
        self._lexical_checked = 0.0  # when the statement count was last compared with the BM25 index
        self._claim_memo: VectorMemo | None = None
        self._lexical_recheck_s = 300.0  # how long a gap is watched, and how often the count is compared
        self._lexical_saved: tuple[int, int] | None = None  # (key, count) of the BM25 index last saved or loaded
        self._lock = threading.RLock()

    # -- backends, loaded on first use -------------------------------------------------------

    @property
    def store(self) -> Store:
        """The database, opened on first use (``extract`` never opens it)."""
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.db_url, reviews_per_claim=self.settings.reviews_per_claim)
            return self._store

    @property
    def _vectors(self) -> _RememberingCache:
        with self._lock:
            if self._vector_cache is None:
                self._vector_cache = _RememberingCache(self.store.embeddings)
            return self._vector_cache

    @property
    def embedder(self) -> TextEmbedder:
        with self._lock:
            if self._embedder is None:
                # Loaded at the first text to embed: a command whose vectors are all stored never loads it.
                self._embedder = DeferredEmbedder(self.settings.model_path, batch_size=self.settings.batch_size,
                                                  backend=self.settings.embed_backend,
                                                  models_dir=self.settings.models_folder)
            return self._embedder

    def _holds_model(self) -> bool:
        """Whether this process has loaded the model (an embedder given to the workspace counts as loaded)."""
        return self._embedder is not None and getattr(self._embedder, "loaded", True)

    @property
    def index(self) -> VectorIndex:
        """The FAISS cache, caught up with the database the first time it is asked for."""
        with self._lock:
            if self._index is None:
                embedder = self.embedder
                self._index = VectorIndex(self.settings.index_dir, embedder.name, embedder.dim)
                self._embed_missing_statements()
                self._index.sync(self.store.statements)
            return self._index

    @property
    def model_name(self) -> str:
        """The embedding model's name (loads no model)."""
        return self._embedder_name()

    def _embed_missing_statements(self) -> None:
        # After a model change (or rows written by another tool) some statements lack vectors.
        missing = self.store.statements.texts_without_vectors(self.embedder.name)
        if missing:
            embed_cached(missing, self.embedder, self._vectors)

    def rebuild_index(self) -> SyncReport:
        """Rebuild the FAISS cache from the vectors in the database (and drop the saved BM25 index, which the
        next match builds again from the statements)."""
        with self._lock:
            self._lexical_path().unlink(missing_ok=True)
            self._lexical = None
            index = self.index
            self._embed_missing_statements()
            return index.rebuild(self.store.statements)

    def close(self) -> None:
        """Save the index if it changed and release database connections.

        A cache that cannot be written is a warning, not a failure: the database holds every
        vector, and the next run catches the cache up or rebuilds it.
        """
        if self._index is not None:
            try:
                self._index.save()
            except IndexCacheError as exc:
                logger.warning("the FAISS cache was not saved (it is rebuilt from the database on the next run): %s",
                               exc)
        with self._lock:
            if self._lexical is not None:
                if self._lexical_drift() >= max(self._LEXICAL_RESAVE, self._lexical.count // 100):
                    self._save_lexical()
        if self._store is not None:
            self._store.dispose()

    # -- ingest ------------------------------------------------------------------------------

    @property
    def scorer(self) -> Scorer:
        """The check-worthiness scorer: the trained detector over this workspace's cached embeddings.

        The heuristic stands in (``scorer.fallback`` is True, ``scorer.reason`` says why) when the
        weights are missing or were trained for another embedding model than the workspace's.
        """
        with self._lock:
            if self._scorer is None:
                self._scorer = build_scorer(self.embedder, self.settings.detector_path,
                                            cache=self._vectors)
            return self._scorer

    def detector_status(self) -> DetectorStatus:
        """Which scorer flags claims, said for the Ingest page: the trained detector and its held-out
        quality, or the heuristic and why it stands in."""
        scorer = self.scorer
        if scorer.fallback:
            return DetectorStatus(trained=False, description=scorer.reason or "no trained detector")
        return DetectorStatus(trained=True, description=scorer.detector.quality())

    def extract(self, text: str, default_speaker: str | None = None) -> list[ExtractedSentence]:
        """Sentences, scores, claim flags and speakers of a text, without storing a document."""
        return extract(text, claim_threshold=self.settings.claim_threshold, default_speaker=default_speaker,
                       scorer=self.scorer)

    def extract_file(self, data: bytes, origin: str) -> tuple[list[ExtractedSentence], Scorer]:
        """Every document of a file split, scored and attributed, without opening the database.

        Returns the sentences (offsets into each document's text) and the scorer that flagged
        them, whose ``fallback``/``reason`` say when the heuristic stood in.
        """
        docs = read_documents(data, origin)
        for doc in docs:
            self._check_size(doc)
        if self._store is None:
            scorer = build_scorer(self.embedder, self.settings.detector_path)
        else:
            scorer = self.scorer
        out: list[ExtractedSentence] = []
        for doc in docs:
            out.extend(extract(doc.text, claim_threshold=self.settings.claim_threshold,
                               default_speaker=doc.speaker, scorer=scorer))
        return out, scorer

    def ingest_text(self, text: str, *, title: str | None = None, source: str | None = None,
                    url: str | None = None, published: dt.date | None = None, speaker: str | None = None,
                    allow_duplicate_text: bool = False, actor: str | None = None) -> IngestResult:
        """Ingest pasted text as one document (see :meth:`ingest_documents`)."""
        url = _web_address(url)
        doc = pasted_document(text, title=title, source=source, url=url, published=published, speaker=speaker)
        return self.ingest_documents([doc], allow_duplicate_text=allow_duplicate_text, actor=actor)[0]

    def ingest_file(self, data: bytes, origin: str, *, source: str | None = None, url: str | None = None,
                    published: dt.date | None = None, allow_duplicate_text: bool = False,
                    actor: str | None = None) -> list[IngestResult]:
        """Ingest every document of one file, all or nothing (see :meth:`ingest_documents`)."""
        url = _web_address(url)
        self._check_file_size(data, origin)
        if len(data) > 4 * self.settings.max_document_chars and not origin.lower().endswith((".csv", ".jsonl")):
            # Refused before decoding: a UTF-8 character takes at most four bytes.
            raise InputTooLargeError(
                f"the file has {len(data):,} bytes; one document may have at most "
                f"{self.settings.max_document_chars:,} characters (setting CLAIMDESK_MAX_DOCUMENT_CHARS)",
                source=origin)
        docs = read_documents(data, origin, source=source, url=url, published=published)
        return self.ingest_documents(docs, allow_duplicate_text=allow_duplicate_text, actor=actor)

    def _check_file_size(self, data: bytes, origin: str) -> None:
        limit = self.settings.max_file_mb * 1024 * 1024
        if len(data) > limit:
            raise InputTooLargeError(f"the file has {len(data):,} bytes; files of at most {self.settings.max_file_mb} MB "
                                     "are read (setting CLAIMDESK_MAX_FILE_MB). Split it into parts", source=origin)

    def _check_size(self, doc: SourceText, sentences: Sequence[ExtractedSentence] | None = None) -> None:
        """Refuse a document over the size limits before anything is stored (nothing half-written)."""
        limit = self.settings.max_document_chars
        if sentences is None and len(doc.text) > limit:
            raise InputTooLargeError(
                f"the text has {len(doc.text):,} characters; one document may have at most {limit:,} "
                "(setting CLAIMDESK_MAX_DOCUMENT_CHARS). Split it into parts, or raise the limit",
                source=doc.origin, line=doc.line)
        if sentences is not None and len(sentences) > self.settings.max_sentences:
            raise InputTooLargeError(
                f"the text has {len(sentences):,} sentences; one document may have at most "
                f"{self.settings.max_sentences:,} (setting CLAIMDESK_MAX_SENTENCES). Split it into parts, "
                "or raise the limit", source=doc.origin, line=doc.line)

    def ingest_documents(self, docs: Sequence[SourceText], *, allow_duplicate_text: bool = False,
                         actor: str | None = None) -> list[IngestResult]:
        """Store, embed and match documents in one transaction; a document seen before is not added again.

        A document whose text is already in the workspace under other details (title, source,
        date) is not added either unless ``allow_duplicate_text``: its result names the earlier
        document in ``duplicate_of``, so the caller can offer it instead of a second copy.

        Each text's vector is looked up (or embedded) once, while the detector scores it; a new
        document's claims are matched with those vectors and its result is built from what was
        written, without reading it back. The audit trail of each new claim records who ingested it
        (``actor``) and its closest earlier statement at that moment.
        """
        actor = " ".join((actor or "").split()) or "claimdesk"
        for doc in docs:
            self._check_size(doc)
        with self._vectors.remembering():
            prepared = []
            for doc in docs:
                sentences = self.extract(doc.text, default_speaker=doc.speaker)
                if not sentences:
                    raise EmptyInputError("no sentences found", source=doc.origin, line=doc.line)
                self._check_size(doc, sentences)
                key = content_hash("\x1f".join([doc.text, doc.title, doc.source or "", doc.url or "",
                                                str(doc.published or ""), doc.speaker or ""]))
                prepared.append((doc, sentences, key))
            # Stored before the transaction, so the matching below finds every claim's vector.
            embed_cached([s.text for _, sentences, _ in prepared for s in sentences if s.is_claim],
                         self.embedder, self._vectors)

            outcomes: list[_Ingested] = []
            documents = self.store.documents
            with self.store.transaction() as conn:
                for doc, sentences, key in prepared:
                    outcome = _Ingested(n_sentences=len(sentences), n_claims=sum(s.is_claim for s in sentences))
                    outcomes.append(outcome)
                    outcome.earlier_id = documents.document_id_by_hash(key, conn)
                    if outcome.earlier_id is None and not allow_duplicate_text:
                        outcome.earlier_id = documents.document_id_by_body(doc.text, conn)
                        outcome.duplicate = outcome.earlier_id is not None
                    if outcome.earlier_id is not None:
                        continue
                    rows = [{
                        "position": i, "start_offset": s.start, "end_offset": s.end, "text": s.text,
                        "text_hash": text_hash(s.text), "checkworthiness": float(s.checkworthiness),
                        "is_claim": bool(s.is_claim), "speaker": s.speaker,
                    } for i, s in enumerate(sentences)]
                    outcome.document = documents.add_document(
                        conn, content_hash=key, title=doc.title, origin=doc.origin, kind=doc.kind,
                        source=doc.source, url=doc.url, published=doc.published,
                        default_speaker=doc.speaker, body=doc.text, rows=rows)
                    outcome.texts = [s.text for s in sentences if s.is_claim]
                    # A new claim cannot be an earlier statement yet: nothing to exclude.
                    outcome.excluded = [None] * len(outcome.texts)
                    outcome.new_claim_ids = documents.claim_ids(conn, outcome.document.id)
                    self.store.audit.record(conn, AuditKind.INGESTED, actor, [
                        (cid, {"document_id": outcome.document.id, "origin": doc.origin})
                        for cid in outcome.new_claim_ids])

            # A document stored before (perhaps earlier in this batch) is matched as it is stored,
            # since its claims may have been promoted or dismissed; no claim matches its own statement.
            for outcome in outcomes:
                if outcome.earlier_id is not None:
                    outcome.document = documents.get_document(outcome.earlier_id)
                    stored = documents.list_claims(document_id=outcome.earlier_id)
                    outcome.texts = [c.text for c in stored]
                    outcome.excluded = [c.id for c in stored]
            texts = [t for outcome in outcomes for t in outcome.texts]
            vectors = embed_cached(texts, self.embedder, self._vectors)

        excluded = [e for outcome in outcomes for e in outcome.excluded]
        marks = self.store.match_cache.marks()  # read before matching: what the cached cards were ranked against
        matches = self._matches_for_vectors(vectors, texts, excluded, top_k=1) if texts else []
        results, at, matched, cached = [], 0, [], []
        key = self._matcher_key()
        for outcome in outcomes:
            found = matches[at:at + len(outcome.texts)]
            best = [m[0].tier for m in found if m]
            at += len(outcome.texts)
            for claim_id, m in zip(outcome.new_claim_ids, found):
                top = m[0] if m else None
                matched.append((claim_id, {"statement_id": top.statement.id, "similarity": round(top.similarity, 4),
                                           "tier": top.tier.value} if top else {"statement_id": None}))
                cached.append(_cached_match(claim_id, top, marks, key))
            results.append(IngestResult(
                document=outcome.document, created=outcome.earlier_id is None,
                n_sentences=outcome.n_sentences, n_claims=outcome.n_claims,
                n_same_claim=best.count(Tier.SAME_CLAIM), n_related=best.count(Tier.RELATED),
                duplicate_of=outcome.document if outcome.duplicate else None))
        if matched:
            with self.store.transaction() as conn:
                self.store.audit.record(conn, AuditKind.MATCHED, actor, matched)
            self.store.match_cache.put(cached)  # the export's cards, ready before the first export
        return results

    # -- the archive -------------------------------------------------------------------------

    def import_statements(self, data: bytes, origin: str, overrides: Mapping[str, Verdict] | None = None, *,
                          verdict_map: str | None = None,
                          progress: Callable[[int, int], None] | None = None) -> ImportResult:
        """Add an archive file's statements, all or nothing; rows already in the archive are skipped.

        ``verdict_map`` is the user's text ("half true=disputed, satire=unverified"), parsed and
        added to ``overrides``; an error names the bad pair. The whole file is read and checked
        before anything is written. Its texts are then embedded in chunks of
        :data:`IMPORT_CHUNK`, each chunk's vectors stored as soon as they are made, and
        ``progress(texts done, texts in all)`` called after each: an import stopped while
        embedding (the long part) writes no statement, and running it again embeds only what was
        not embedded yet. The statements themselves are written in one transaction at the end.
        """
        if verdict_map:
            overrides = {**(overrides or {}), **parse_verdict_map(verdict_map)}
        self._check_file_size(data, origin)
        parsed = read_statements(data, origin, overrides, max_statement_chars=self.settings.max_statement_chars)
        texts = list(dict.fromkeys(r["text"] for r in parsed.rows))
        if progress is not None:
            progress(0, len(texts))
        for start in range(0, len(texts), IMPORT_CHUNK):
            embed_cached(texts[start:start + IMPORT_CHUNK], self.embedder, self._vectors)
            if progress is not None:
                progress(min(start + IMPORT_CHUNK, len(texts)), len(texts))
        with self.store.transaction() as conn:
            added, skipped, updated = self.store.statements.add_statements(
                conn, origin=origin, content_hash=content_hash(data), rows=parsed.rows)
        self._sync_index(save=True)
        return ImportResult(origin=origin, added=added, skipped=skipped, updated=updated,
                            unmapped_ratings=parsed.unmapped)

    def archive_file_imported(self, data: bytes) -> bool:
        """Whether an archive file of exactly this content was imported before (a re-run can skip it)."""
        return self.store.statements.import_seen(content_hash(data))

    def load_demo_archive(self) -> ImportResult | None:
        """Import the bundled demo archive unless it is already in; None when it was."""
        data = demo_bytes(DEMO_ARCHIVE)
        if self.store.statements.import_seen(content_hash(data)):
            return None
        return self.import_statements(data, "claims/demo/archive.csv")

    def ingest_demo_article(self, actor: str | None = None) -> list[IngestResult]:
        """Ingest the bundled demo article (the seed article)."""
        return self.ingest_file(demo_bytes(DEMO_ARTICLE), "demo-article.txt",
                                source="Demo article", published=dt.date(2022, 3, 15), actor=actor)

    def search_archive(self, text: str | None = None, *, verdict: str | None = None, origin: str | None = None,
                       limit: int = 50, offset: int = 0) -> tuple[list[Statement], int]:
        """Browse the archive: statements containing ``text``, newest first, and how many match."""
        return self.store.statements.search_statements(text, verdict=verdict, origin=origin, limit=limit,
                                                       offset=offset)

    # -- matching ----------------------------------------------------------------------------

    def _tier(self, tier: str) -> Tier:
        return Tier(tier)

    def _lexical_index(self) -> LexicalIndex | None:
        """BM25 over every earlier statement (its text, its fact-check's title when the archive gave one,
        its speaker), None while there are none.

        Built in full once per workspace, then kept in step without a rebuild, by reads that cost what
        changed, not the archive's size: each call lists the ids above the index's highest (a verdict
        adds one) and adds their texts. A hole below that id (on PostgreSQL, a transaction that took a
        lower id may commit later) is watched for ``_lexical_recheck_s``: ids from the hole up are listed
        again, and those that appeared are added, those that vanished removed. As often, the statement
        count is compared with the index, and a difference (rows deleted by hand, a hole older than
        that) lists every id once and settles it. A statement's lexical text never changes.
        """
        import time

        statements = self.store.statements

        def texts(rows: Sequence[tuple[int, str, str | None, str | None]]) -> list[str]:
            return [statement_lexical_text(text, speaker, title) for _, text, speaker, title in rows]

        def settle(floor: int, now: float) -> None:
            """Make the index hold exactly the stored ids above ``floor``; note the lowest hole left."""
            stored = statements.statement_ids(after_id=floor)
            held = self._lexical.ids if floor < self._lexical_key else np.zeros(0, dtype=np.int64)
            held = held[held > floor]
            self._lexical.remove(np.setdiff1d(held, stored).tolist())
            missing = statements.lexical_rows(ids=np.setdiff1d(stored, held).tolist())
            if missing:
                self._lexical.add([r[0] for r in missing], texts(missing))
            top = max(self._lexical_key, int(stored[-1]) if len(stored) else 0)
            # Holes are watched from the open one while it is young, else only among the new ids.
            young = self._lexical_gap is not None and now - self._lexical_gap[1] < self._lexical_recheck_s
            watch = floor if young else self._lexical_key
            holes = np.setdiff1d(np.arange(watch + 1, top + 1, dtype=np.int64), stored)
            self._lexical_gap = (int(holes[0]), self._lexical_gap[1] if young else now) if len(holes) else None
            self._lexical_key = top

        with self._lock:
            now = time.monotonic()
            if self._lexical is None:
                if self._load_lexical():
                    self._lexical_checked = now - self._lexical_recheck_s  # compare the count at once
                else:
                    rows = statements.lexical_rows()
                    self._lexical = LexicalIndex([r[0] for r in rows], texts(rows))
                    self._lexical_builds += 1
                    self._lexical_key = rows[-1][0] if rows else 0
                    self._lexical_checked = now
                    self._save_lexical()
                    return self._lexical if self._lexical.count else None
            assert self._lexical is not None
            floor = self._lexical_key if self._lexical_gap is None else self._lexical_gap[0] - 1
            settle(floor, now)
            if now - self._lexical_checked >= self._lexical_recheck_s:
                self._lexical_checked = now
                if statements.statement_count() != self._lexical.count:
                    self._lexical_gap = None
                    settle(0, now)
            return self._lexical if self._lexical.count else None

    # A process closing with BM25 changed saves it again once this many statements (or 1 %) came or went since
    # the file: catching up a few is cheaper than writing the file (about 150 MB at a million statements).
    _LEXICAL_RESAVE = 1000

    def _lexical_drift(self) -> int:
        """Statements added (by id) or counted in or out since the BM25 index was last saved or loaded."""
        if self._lexical is None:
            return 0
        if self._lexical_saved is None:
            return max(1, self._lexical.count)
        key, count = self._lexical_saved
        return max(0, self._lexical_key - key) + abs(self._lexical.count - count)

    def _lexical_path(self) -> Path:
        return Path(self.settings.index_dir) / LEXICAL_FILE

    def _lexical_meta(self) -> dict[str, object]:
        """What a saved BM25 index is written with and must match to be used: the version of a statement's BM25
        text and the database (its URL, without a password). The tokenising is checked apart, on the file's
        own settings."""
        from sqlalchemy.engine import make_url

        return {"text": LEXICAL_TEXT_VERSION, "db": make_url(self.settings.db_url).render_as_string(hide_password=True)}

    def _load_lexical(self) -> bool:
        """Take the saved BM25 index when it was written for this database, as this process tokenises; it is
        then caught up like the one in memory (ids above its highest, then the count). Building it reads and
        tokenises every statement: 1.4 s at 19k statements, about 40 s at a million, paid by every new
        process that matches (a ``claimdesk export`` after a verdict re-ranks the claims near it)."""
        path = self._lexical_path()
        if not path.exists():
            return False
        try:
            lexical, meta = LexicalIndex.load(path)
        except IndexCacheError as exc:
            logger.warning("the saved BM25 index is not used (it is rebuilt from the database): %s", exc)
            return False
        tokens = LexicalSettings(stem=english_stemmer() is not None).to_dict()  # what a build here would use
        if any(meta.get(k) != v for k, v in self._lexical_meta().items()) or meta.get("settings") != tokens:
            logger.info("the saved BM25 index %s belongs to another database or version: rebuilt", path)
            return False
        self._lexical, self._lexical_key, self._lexical_gap = lexical, int(meta.get("key", 0)), None
        self._lexical_saved = (self._lexical_key, lexical.count)
        return True

    def _save_lexical(self) -> None:
        """Write the BM25 index beside the FAISS cache; a failed write is a warning (the next process builds it)."""
        if self._lexical is None:
            return
        try:
            Path(self.settings.index_dir).mkdir(parents=True, exist_ok=True)
            self._lexical.save(self._lexical_path(), {**self._lexical_meta(), "key": self._lexical_key})
        except (IndexCacheError, OSError) as exc:
            logger.warning("the BM25 index was not saved (the next process builds it again): %s", exc)
            return
        self._lexical_saved = (self._lexical_key, self._lexical.count)

    def warm_up(self) -> None:
        """Load what the first match of a session needs, so that no reviewer waits for it: the model, the
        FAISS cache caught up, the BM25 index over the archive (over a minute at a million statements),
        the check-worthiness detector, the verifier and the review queue; and for the first export, the
        review states and every claim's vector (read from the database once, 1.7 s at 100,000 claims).
        The app runs it in a background thread at start; every part is loaded once per workspace and only
        caught up afterwards."""
        self.index  # noqa: B018  (the FAISS cache)
        load = getattr(self.embedder, "load", None)
        if load is not None:
            load()  # the model, which the cache no longer needs loaded
        self.scorer  # noqa: B018
        self.verifier()
        if self.settings.lexical_weight > 0:
            self._lexical_index()
        self.review_queue("")
        self.store.export_lines.review_states()
        self._claim_vectors(self._embedder_name()).rows(list(self.store.export_lines.text_hashes().values()))


    def verifier(self) -> Verifier | None:
        """The same-claim verifier (``CLAIMDESK_VERIFIER``, default the shipped weights), loaded once per file.

        None when the shipped file is absent or was fitted on another embedding model's cosines: tiers
        then fall back to the cosine rule (``CLAIMDESK_SAME_CLAIM``). The same model on another
        backend (``all-MiniLM-L6-v2+onnx-int8``) counts as that model (:func:`index.embed.same_model`;
        measured in docs/BENCHMARKS.md, "Speed"). A verifier file named in the settings must exist.
        """
        from index.embed import same_model

        path = self.settings.verifier_path
        if path is None:
            path = Path(__file__).resolve().parent / "weights" / VERIFIER_FILE
            if not path.exists():
                return None
        verifier = load_verifier(path)
        if not same_model(verifier.provenance.get("embedder"), self.embedder):
            return None
        return verifier

    def matcher(self) -> Matcher[Statement]:
        """The one matcher (``index.match``) over this workspace's archive, as the review screen, the
        export and ``claimdesk bench`` use it: FAISS caught up, BM25 current, the verifier loaded."""
        index = self.index
        index.catch_up(self.store.statements)  # new statements at once; a full check once a minute
        model = self.embedder.name

        def matchable(ids: Sequence[int]) -> dict[int, Statement]:
            # A reviewed claim whose every verdict was undone stays in FAISS but is never shown.
            found = self.store.statements.get_statements(ids)
            return {i: st for i, st in found.items() if not (st.origin is Origin.REVIEW and st.verdict is None)}

        def stored_vectors(statements: Sequence[Statement]) -> dict[int, np.ndarray]:
            stored = self._vectors.get_embeddings(model, [text_hash(st.text) for st in statements])
            return {st.id: stored[text_hash(st.text)] for st in statements if text_hash(st.text) in stored}

        settings = MatchSettings.from_settings(self.settings)
        lexical = self._lexical_index() if settings.lexical_weight > 0 else None
        return Matcher(index, lexical, statements=matchable, stored_vectors=stored_vectors, settings=settings,
                       verifier=self.verifier())

    def rank(self, queries: Sequence[MatchQuery], top_k: int | None = None, *, vectors: np.ndarray | None = None,
             matcher: Matcher[Statement] | None = None) -> list[list[Candidate[Statement]]]:
        """The matcher's candidates for each query, in card order (what :meth:`match_text` shows).

        ``vectors`` are the queries' embeddings when the caller holds them; a query whose prepared
        text differs from its text (a post's links or handles removed) is embedded as prepared.
        ``matcher`` is :meth:`matcher` unless given (a benchmark's variant of it).
        """
        if not queries:
            return []
        prepared = [q.prepared().dense for q in queries]
        if vectors is None:
            vectors = embed_cached(prepared, self.embedder, self._vectors)
        else:
            changed = [i for i, q in enumerate(queries) if prepared[i] != q.text]
            if changed:
                vectors = np.array(vectors, dtype=np.float32, copy=True)
                vectors[changed] = embed_cached([prepared[i] for i in changed], self.embedder, self._vectors)
        return (matcher or self.matcher()).match(queries, vectors, top_k or self.settings.top_k)

    def _matches_for_vectors(self, vectors: np.ndarray, texts: Sequence[str], excluded: Sequence[int | None],
                             top_k: int, speakers: Sequence[str | None] | None = None) -> list[list[Match]]:
        """Matches for texts whose vectors the caller holds; ``excluded[i]`` is text i's own claim id, if any,
        and ``speakers[i]`` who said it, if known.

        Ranked by :class:`index.match.Matcher`: FAISS and BM25 candidates, z-score fused, ordered by
        the verifier's P(same claim); ``similarity`` on the card is the cosine of the two embeddings.
        """
        speakers = list(speakers) if speakers is not None else [None] * len(texts)
        queries = [MatchQuery(text, speaker=speaker,
                              exclude=None if own is None else (lambda st, own=own: st.claim_id == own))
                   for text, own, speaker in zip(texts, excluded, speakers)]
        found = self.rank(queries, top_k, vectors=vectors)
        return [[self._as_match(c) for c in candidates] for candidates in found]

    def _as_match(self, candidate: Candidate[Statement]) -> Match:
        return Match(candidate.statement, candidate.cosine, self._tier(candidate.tier), score=candidate.score,
                     probability=candidate.probability, reason=candidate.reason or None)

    def match_text(self, text: str, top_k: int | None = None) -> list[Match]:
        """The earlier statements closest to ``text``, best first."""
        if not text.strip():
            raise InvalidValueError("the text to match is empty")
        return [self._as_match(c) for c in self.rank([MatchQuery(text)], top_k)[0]]

    def match_claims(self, claim_ids: Sequence[int], top_k: int | None = None) -> dict[int, list[Match]]:
        """Matches for several stored claims, each with its speaker; a claim is never its own match."""
        if not claim_ids:
            return {}
        for claim_id in claim_ids:
            _check_id(claim_id, "claim")
        rows = {}
        for cid in dict.fromkeys(claim_ids):
            try:
                rows[cid] = self.store.documents.sentence(cid)
            except NotFoundError:
                raise NotFoundError(f"no claim with id {cid}") from None
        return self._match_claim_texts(claim_ids, [rows[cid].text for cid in claim_ids], top_k,
                                       speakers=[rows[cid].speaker for cid in claim_ids])

    def _match_claim_texts(self, claim_ids: Sequence[int], texts: Sequence[str], top_k: int | None,
                           speakers: Sequence[str | None] | None = None) -> dict[int, list[Match]]:
        """Matches for stored claims whose texts the caller already holds (their speakers looked up if not given)."""
        if not claim_ids:
            return {}
        if speakers is None:
            speakers = [self.store.documents.sentence(cid).speaker for cid in claim_ids]
        vectors = embed_cached(texts, self.embedder, self._vectors)
        found = self._matches_for_vectors(vectors, texts, list(claim_ids), top_k or self.settings.top_k, speakers)
        return dict(zip(claim_ids, found))

    def match_claim(self, claim_id: int, top_k: int | None = None) -> list[Match]:
        return self.match_claims([claim_id], top_k)[claim_id]

    # -- review ------------------------------------------------------------------------------

    def revision(self) -> tuple[int, ...]:
        """Changes whenever anything is written: a small cache key for the UI."""
        return self.store.revision()

    def list_documents(self) -> list[Document]:
        """Every document, newest first, with its sentence and claim counts (read again only after a change
        to documents or claims, not after a verdict)."""
        return self.store.queue.list_documents()

    def claim_speakers(self) -> list[str]:
        """The speakers of stored claims, for the queue's filter."""
        return self.store.queue.claim_speakers()

    def archive_origins(self) -> list[str]:
        """The archive files imported so far."""
        return self.store.statements.archive_origins()

    def document_progress(self) -> dict[int, Progress]:
        """Review progress of every document that has claims, from one query."""
        return self.store.documents.progress_by_document()

    def last_label(self, reviewer: str) -> ReviewEvent | None:
        """The reviewer's most recent label that still stands (what Undo takes back), if any."""
        return last_standing_label(self.store.reviews.events_by(reviewer.strip()))

    def undo_target(self, reviewer: str, current_claim_id: int | None = None) -> int | None:
        """The claim Undo takes back: the one on screen when the reviewer's verdict stands there,
        else their latest standing verdict anywhere (read from the log, so it survives a reload)."""
        reviewer = (reviewer or "").strip()
        if current_claim_id is not None:
            _check_id(current_claim_id, "claim")
            if any(e.reviewer == reviewer for e in standing_labels(self.history(current_claim_id))):
                return current_claim_id
        last = self.last_label(reviewer)
        return last.claim_id if last is not None else None

    def get_claim(self, claim_id: int) -> Claim:
        _check_id(claim_id, "claim")
        return self.store.documents.get_claim(claim_id, context=self.settings.context_sentences)

    def list_claims(self, **filters: object) -> list[Claim]:
        document_id = filters.get("document_id")
        if document_id is not None:
            _check_id(document_id, "document")  # type: ignore[arg-type]
        return self.store.documents.list_claims(**filters)  # type: ignore[arg-type]

    def review_queue(self, viewer: str, *, document_id: int | None = None, speaker: str | None = None,
                     min_score: float | None = None, status: str = "unreviewed") -> ReviewQueue:
        """The Review page's queue for ``viewer``: ids in order and counts, no claim built (see
        :class:`~claims.models.ReviewQueue`); ``status`` as in :meth:`list_claims`, plus ``all``.

        Kept in memory and caught up from the rows added since the last call
        (:class:`~claims.store.queue.QueueIndex`), so a verdict costs what it changed."""
        if document_id is not None:
            _check_id(document_id, "document")
        known = {"all", "unreviewed", "reviewed", *(s.value for s in ReviewStatus), *(v.value for v in Verdict)}
        if status not in known:
            raise InvalidValueError(f"unknown queue status {status!r}; choose one of {', '.join(sorted(known))}")
        return self.store.queue.review_queue((viewer or "").strip(), document_id=document_id, speaker=speaker,
                                             min_score=min_score, status=status)

    def desk_tallies(self) -> DeskTallies:
        """Every claim counted by document, speaker, final verdict and day, and each reviewer's standing
        verdicts (the Dashboard), from what the review queue and the export keep in memory: no claim is
        built, so the count costs a pass over small tuples, not a read of every claim."""
        places = self.store.queue.claim_places()
        states = self.store.export_lines.review_states()
        utc = dt.timezone.utc
        verdicts = {v.value: v for v in Verdict}

        def aware(at: dt.datetime) -> dt.datetime:
            return at.replace(tzinfo=utc) if at.tzinfo is None else at

        final: Counter[Verdict] = Counter()
        per_document: Counter[int] = Counter()
        by_document: Counter[tuple[int, Verdict | None]] = Counter()
        per_speaker: Counter[str | None] = Counter()
        by_speaker: Counter[tuple[str | None, Verdict | None]] = Counter()
        by_day: Counter[tuple[dt.date, Verdict]] = Counter()
        times: dict[str, list[dt.datetime]] = {}
        for claim_id, (document_id, speaker) in places.items():
            state = states.get(claim_id)
            verdict: Verdict | None = None
            if state is not None:
                current = state[CURRENT]
                if current is not None:
                    verdict = verdicts.get(current[VERDICT] or "")
                    if verdict is not None:
                        final[verdict] += 1
                        by_day[(aware(current[AT]).date(), verdict)] += 1
                for entry in state[BY_REVIEWER]:
                    times.setdefault(entry[REVIEWER], []).append(aware(entry[AT]))
            per_document[document_id] += 1
            by_document[(document_id, verdict)] += 1
            per_speaker[speaker] += 1
            by_speaker[(speaker, verdict)] += 1
        return DeskTallies(claims=len(places), final=dict(final), claims_per_document=dict(per_document),
                           by_document=dict(by_document), claims_per_speaker=dict(per_speaker),
                           by_speaker=dict(by_speaker), final_by_day=dict(by_day),
                           reviewer_times={name: tuple(at) for name, at in times.items()})

    def progress(self, document_id: int | None = None) -> Progress:
        return self.store.documents.progress(document_id)

    def label(self, claim_id: int, verdict: Verdict | str, reviewer: str, *, note: str | None = None,
              evidence: Iterable[str] = ()) -> ReviewEvent:
        """Record a user's verdict; with a final verdict the claim joins the archive of earlier statements."""
        _check_id(claim_id, "claim")
        verdict = verdict if isinstance(verdict, Verdict) else Verdict.parse(verdict)
        user = self.require_user(reviewer)
        urls = _check_urls(evidence)
        note = (note or "").strip() or None
        if note is not None and len(note) > self.settings.max_note_chars:
            raise InvalidValueError(f"the note has {len(note):,} characters; a note may have at most "
                                    f"{self.settings.max_note_chars:,} (setting CLAIMDESK_MAX_NOTE_CHARS): "
                                    "put long material in an evidence link")
        return self._append_verdict(claim_id, user.name, ReviewAction.LABEL, verdict, note, urls)

    def _append_verdict(self, claim_id: int, reviewer: str, action: ReviewAction, verdict: Verdict,
                        note: str | None, evidence: tuple[str, ...]) -> ReviewEvent:
        text = self.store.documents.sentence_texts([claim_id]).get(claim_id)
        if text is None:
            raise NotFoundError(f"no claim with id {claim_id}")
        # Embedded first, so the claim's earlier statement has its vector when the index syncs. Ingest
        # stored it already, so a verdict from the command line loads no model.
        if not self._vectors.get_embeddings(self._embedder_name(), [text_hash(text)]):
            embed_cached([text], self.embedder, self._vectors)
        with self.store.transaction() as conn:
            if not self.store.documents.claim_exists(conn, claim_id):
                raise NotFoundError(f"no claim with id {claim_id}")
            event = self.store.reviews.append_review(conn, claim_id=claim_id, reviewer=reviewer, action=action,
                                                     verdict=verdict, note=note, evidence=evidence)
        self._sync_index()
        return event

    def _sync_index(self, save: bool = False) -> None:
        """Bring the FAISS cache up to the database after a commit; a failed cache write is a warning
        (the database holds the truth and the next run repairs the cache), never a failed command."""
        if self._index is None and not self._holds_model():
            return  # nothing loaded in this process (a command-line verdict): the next opening catches up
        try:
            if save:
                self.index.sync(self.store.statements, save=True)
            else:
                self.index.catch_up(self.store.statements)
        except IndexCacheError as exc:
            logger.warning("the FAISS cache could not be brought up to date (it is rebuilt on the next run): %s",
                           exc)

    @staticmethod
    def cite_earlier(match: Match) -> tuple[str, tuple[str, ...]]:
        """The note and evidence that record a verdict taken over from a same-claim earlier statement:
        the statement quoted with its similarity, source and date; its link when it is a web address."""
        s = match.statement
        where = ", ".join(x for x in [s.source, s.date.isoformat() if s.date else None] if x)
        note = f"Same claim as an earlier check ({round(max(0.0, match.similarity) * 100)}% similar): “{s.text}”"
        if where:
            note += f" ({where})"
        link = safe_url(s.url) if s.url else None
        return note, ((link,) if link else ())

    def undo(self, claim_id: int, reviewer: str) -> ReviewEvent:
        """Take back the reviewer's latest standing label on a claim (recorded as an event too)."""
        _check_id(claim_id, "claim")
        reviewer = self.require_user(reviewer).name
        with self.store.transaction() as conn:
            if not self.store.documents.claim_exists(conn, claim_id):
                raise NotFoundError(f"no claim with id {claim_id}")
            events = self.store.reviews.review_events(claim_id, conn)
            if not [e for e in standing_labels(events) if e.reviewer == reviewer]:
                raise InvalidValueError(f"{reviewer or 'this reviewer'} has no verdict on claim {claim_id} to undo")
            event = self.store.reviews.append_review(conn, claim_id=claim_id, reviewer=reviewer,
                                                     action=ReviewAction.UNDO, verdict=None, note=None, evidence=())
        return event

    def mark_claim(self, sentence_id: int, is_claim: bool, reviewer: str) -> None:
        """Promote a sentence to a claim or dismiss a flagged one ("not a claim").

        The call is logged as detector feedback, which ``claimdesk train detector`` learns from. A
        dismissed claim that already has verdicts keeps them in the log.
        """
        _check_id(sentence_id, "sentence")
        reviewer = self.require_user(reviewer).name
        text = self.store.documents.sentence(sentence_id).text
        if is_claim:
            embed_cached([text], self.embedder, self._vectors)
        with self.store.transaction() as conn:
            self.store.reviews.record_feedback(conn, sentence_id, reviewer, is_claim)

    def document_sentences(self, document_id: int) -> list[SentenceRow]:
        """Every sentence of a document in order, claims and the rest (to promote one)."""
        _check_id(document_id, "document")
        self.store.documents.get_document(document_id)
        return self.store.documents.document_sentences(document_id)

    def history(self, claim_id: int) -> list[ReviewEvent]:
        """Every review event of a claim, oldest first."""
        _check_id(claim_id, "claim")
        return self.store.reviews.review_events(claim_id)

    def adjudicate(self, claim_id: int, verdict: Verdict | str, admin: str, *, reason: str) -> ReviewEvent:
        """An admin's final verdict on a claim, with the reason; it outranks every reviewer's verdict
        (a later adjudication replaces it) and the claim joins the archive with it."""
        _check_id(claim_id, "claim")
        user = self.require_user(admin)
        if not user.is_admin:
            raise PermissionDeniedError(f"only an admin may adjudicate; {user.name} is a {user.role.value}")
        verdict = verdict if isinstance(verdict, Verdict) else Verdict.parse(verdict)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidValueError("an adjudication needs a reason (--reason TEXT)")
        return self._append_verdict(claim_id, user.name, ReviewAction.ADJUDICATE, verdict, reason, ())

    def agreement(self, document_id: int | None = None) -> Agreement:
        """How far reviewers agree (Cohen's kappa for two, Krippendorff's alpha in general) over the
        claims with at least two reviewers' standing verdicts, of one document or all."""
        claims = self.list_claims(document_id=document_id)
        return agreement({c.id: {v.reviewer: v.verdict.value for v in c.reviewer_verdicts} for c in claims})

    def agreement_by_document(self) -> dict[int, Agreement]:
        """Agreement per document, for every document with claims (from one pass over the claims)."""
        by_doc: dict[int, dict[int, dict[str, str]]] = {}
        for c in self.list_claims():
            by_doc.setdefault(c.document_id, {})[c.id] = {v.reviewer: v.verdict.value for v in c.reviewer_verdicts}
        return {doc_id: agreement(verdicts) for doc_id, verdicts in by_doc.items()}

    def audit_trail(self, claim_id: int) -> list[AuditEvent]:
        """Everything that happened to a claim, oldest first: ingested, matched, each verdict, undo,
        adjudication and export, each with who and when."""
        _check_id(claim_id, "claim")
        self.store.documents.get_claim(claim_id, context=0)  # NotFoundError for an unknown id
        events = [AuditEvent(kind, actor, at, detail)
                  for _, kind, actor, at, detail in self.store.audit.for_claims([claim_id])]
        for e in self.store.reviews.review_events(claim_id):
            detail: dict[str, object] = {}
            if e.verdict is not None:
                detail["verdict"] = e.verdict.value
            if e.note:
                detail["reason" if e.action == ReviewAction.ADJUDICATE else "note"] = e.note
            if e.evidence:
                detail["evidence"] = list(e.evidence)
            events.append(AuditEvent(AuditKind(e.action.value), e.reviewer, e.created_at, detail))
        order = {AuditKind.INGESTED: 0, AuditKind.MATCHED: 1}
        return sorted(events, key=lambda e: (e.at, order.get(e.event, 2)))

    def document_contradictions(self, document_id: int) -> dict[int, list[Hint]]:
        """Claims of one document that deny each other: claim id -> its hints.

        No model is loaded: the claims' vectors stored at ingest (by this workspace's embedder) let
        the rule check that a denial and the claim it is linked to are about the same thing."""
        _check_id(document_id, "document")
        rows = self.store.documents.document_sentences(document_id)
        hashes = {r.id: text_hash(r.text) for r in rows}
        stored = self.store.embeddings.get_embeddings(self._embedder_name(), sorted(set(hashes.values())))
        vectors = {i: stored[h] for i, h in hashes.items() if h in stored}
        return denials_in_document([(r.id, r.text, r.speaker, r.is_claim) for r in rows], vectors)

    def contradictions(self, claim_id: int, matches: Sequence[Match] | None = None) -> list[Hint]:
        """Everything that says the opposite of a claim: a denial in its document, and among its
        earlier statements (``matches``, its cards, matched now when not given) one that negates it,
        one that states an incompatible number of the same thing, and same-claim checks whose
        verdicts disagree (:func:`claims.contradict.statement_hints`)."""
        claim = self.get_claim(claim_id)
        hints = list(self.document_contradictions(claim.document_id).get(claim_id, []))
        found = self.match_claim(claim_id) if matches is None else matches
        return hints + statement_hints(claim.text, found, related_threshold=self.settings.related_threshold)

    # -- "same claim?" answers on the cards, and thresholds from them ---------------------------

    def _card_depth(self) -> int:
        """How many cards an answer may be given on: as many as "show more" reveals, and every card
        the verifier scores (a card's tier and probability do not depend on how many are shown)."""
        return max(3 * self.settings.top_k, self.settings.verify_depth)

    def judge_match(self, claim_id: int, statement_id: int, same: bool, reviewer: str) -> MatchJudgement:
        """Record ``reviewer``'s answer to "same claim?" on the card of ``statement_id`` under ``claim_id``.

        The card is looked up as the matcher shows it now, and its tier, P(same claim) and cosine are
        stored with the answer: the answers measure the tiers reviewers saw. The log is append-only;
        answering again adds a row, and the latest answer per card and reviewer counts. Refused: an
        unknown claim or statement, a name that is not a user, a statement that is not among the
        claim's cards now.
        """
        _check_id(claim_id, "claim")
        _check_id(statement_id, "earlier statement")
        if not isinstance(same, bool):
            raise InvalidValueError(f"answer \"same claim?\" with yes or no, got {same!r}")
        user = self.require_user(reviewer)
        self.store.documents.get_claim(claim_id, context=0)  # NotFoundError for an unknown or dismissed claim
        card = next((m for m in self.match_claim(claim_id, self._card_depth()) if m.statement.id == statement_id),
                    None)
        if card is None:
            if not self.store.statements.get_statements([statement_id]):
                raise NotFoundError(f"no earlier statement with id {statement_id}")
            raise InvalidValueError(f"earlier statement #{statement_id} is not among the cards of claim #{claim_id} "
                                    f"now (its {self._card_depth()} closest): answer on a card the claim shows")
        with self.store.transaction() as conn:
            if not self.store.documents.claim_exists(conn, claim_id):
                raise NotFoundError(f"no claim with id {claim_id}")
            return self.store.judgements.record(conn, claim_id=claim_id, statement_id=statement_id,
                                                reviewer=user.name, same=same, tier=card.tier,
                                                probability=card.probability, cosine=card.similarity)

    def judgements(self, claim_id: int, reviewer: str | None = None) -> list[MatchJudgement]:
        """The answers that count on a claim's cards (each reviewer's latest per card), oldest first;
        only ``reviewer``'s when given. Reads stored rows only (no model)."""
        _check_id(claim_id, "claim")
        self.store.documents.get_claim(claim_id, context=0)
        name = None if reviewer is None else " ".join(reviewer.split())
        return self.store.judgements.latest(claim_ids=[claim_id], reviewer=name)

    def judgement_summary(self) -> JudgementSummary:
        """Precision per tier from the answers: of the cards shown as *same claim*, *related* and
        *distant*, how many were answered and how many answers said "same claim". Reads stored rows
        only (no model), counted in the database."""
        counts = self.store.judgements.tier_counts()
        return JudgementSummary(tiers=tuple(TierPrecision(tier, *counts.get(tier, (0, 0))) for tier in Tier),
                                reviewers=self.store.judgements.reviewer_count())

    def _verifier_file(self) -> Path | None:
        """The verifier file tiers would use (the setting's, else the shipped one if present), unread."""
        if self.settings.verifier_path is not None:
            return self.settings.verifier_path
        shipped = Path(__file__).resolve().parent / "weights" / VERIFIER_FILE
        return shipped if shipped.exists() else None

    def _same_claim_threshold_now(self, rule: str) -> float | None:
        """Where "same claim" begins now under ``rule``, from the settings and the verifier file alone."""
        if rule == "cosine":
            return self.settings.same_claim_threshold
        if self.settings.same_claim_probability is not None:
            return self.settings.same_claim_probability
        path = self._verifier_file()
        return load_verifier(path).threshold if path is not None else None

    def calibrate(self, *, target: float = DEFAULT_TARGET, min_answers: int = DEFAULT_MIN_ANSWERS,
                  rule: str | None = None) -> Calibration:
        """A "same claim" threshold proposed from the reviewers' answers (see :mod:`claims.calibration`).

        ``rule``: ``probability`` calibrates ``CLAIMDESK_SAME_CLAIM_P`` over the answers given on
        cards the verifier scored; ``cosine`` calibrates ``CLAIMDESK_SAME_CLAIM`` over every answer's
        cosine. By default the rule of the latest answer (the matcher reviewers see now), or, before
        any answer, the verifier's when a verifier file is present. Proposes the lowest threshold
        whose precision reaches ``target``; fewer than ``min_answers`` usable answers is refused with
        how many more are needed. Reads stored rows and the settings only: no model is loaded.
        """
        answers = self.store.judgements.latest()
        if rule is None:
            if answers:
                rule = "probability" if answers[-1].probability is not None else "cosine"
            else:
                rule = "probability" if self._verifier_file() is not None else "cosine"
        if rule not in RULES:
            raise InvalidValueError(f"unknown rule {rule!r}: use {' or '.join(RULES)}")
        if rule == "probability":
            scored = [(j.probability, j.same) for j in answers if j.probability is not None]
        else:
            scored = [(j.cosine, j.same) for j in answers]
        return calibrate_threshold(scored, rule=rule, target=target, min_answers=min_answers,  # type: ignore[arg-type]
                                   current=self._same_claim_threshold_now(rule), left_out=len(answers) - len(scored))

    def visible_claim(self, claim_id: int, viewer: str) -> Claim:
        """The claim as ``viewer`` may see it: with N >= 2 independent verdicts, the others' verdicts,
        notes and the final verdict stay hidden until the viewer has given theirs (or is an admin)."""
        return self._as_seen_by(self.get_claim(claim_id), viewer)

    def _as_seen_by(self, claim: Claim, viewer: str | None, is_admin: bool | None = None) -> Claim:
        """``claim`` with what ``viewer`` may not see yet blanked (blind review; see :meth:`visible_claim`)."""
        if viewer is None or self.settings.reviews_per_claim < 2 or claim.status is ReviewStatus.ADJUDICATED:
            return claim
        name = (viewer or "").strip()
        if is_admin is None:
            user = self.store.users.by_name(name)
            is_admin = user is not None and user.is_admin
        if is_admin or any(v.reviewer == name for v in claim.reviewer_verdicts):
            return claim
        return dataclasses.replace(claim, verdict=None, reviewer=None, reviewed_at=None, note=None, evidence=(),
                                   reviewer_verdicts=(), status=ReviewStatus.UNREVIEWED)

    # -- users and sessions ----------------------------------------------------------------------

    def add_user(self, name: str, role: Role | str, password: str) -> User:
        """A new user who can sign in and review (``admin`` also adjudicates and manages users)."""
        role = role if isinstance(role, Role) else Role.parse(role)
        name = clean_user_name(name)
        password_hash = hash_password(password)
        with self.store.transaction() as conn:
            return self.store.users.add(conn, name=name, role=role, password_hash=password_hash)

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password; their open sessions end."""
        user = self.require_user(name)
        password_hash = hash_password(password)
        with self.store.transaction() as conn:
            self.store.users.set_password(conn, user.name, password_hash)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        return self.store.users.all()

    def has_users(self) -> bool:
        """False on a new workspace: its first user is created as an admin."""
        return self.store.users.count() > 0

    def require_user(self, name: str | None) -> User:
        """The user called ``name``; an unknown name is refused (verdicts are signed by known users)."""
        cleaned = " ".join((name or "").split())
        if not cleaned:
            raise InvalidValueError("say who you are: a reviewer name is needed (--reviewer NAME)")
        user = self.store.users.by_name(cleaned)
        if user is None:
            raise PermissionDeniedError(f"{cleaned!r} is not a user of this workspace "
                                        "(an admin adds one with: claimdesk users add NAME --role reviewer)")
        return user

    def sign_in(self, name: str, password: str) -> tuple[User, str]:
        """Check a password; returns the user and a new session token (kept by the caller, ended by
        :meth:`sign_out`). A wrong name or password gets one message, not a hint which was wrong."""
        cleaned = " ".join((name or "").split())
        stored = self.store.users.password_hash(cleaned) if cleaned else None
        if stored is None or not verify_password(stored, password or ""):
            raise PermissionDeniedError("wrong name or password")
        user = self.store.users.by_name(cleaned)
        token = new_session_token()
        with self.store.transaction() as conn:
            self.store.users.open_session(conn, user, token_digest(token))  # type: ignore[arg-type]
        return user, token  # type: ignore[return-value]

    def session_user(self, token: str | None) -> User | None:
        """The signed-in user of a session token, or None when it ended, expired or never was."""
        if not token:
            return None
        return self.store.users.session_user(token_digest(token), dt.timedelta(hours=SESSION_HOURS))

    def sign_out(self, token: str | None) -> None:
        """End a session: its token no longer signs anyone in."""
        if token:
            self.store.users.end_session(token_digest(token))

    def sign_in_external(self, name: str, role: Role = Role.REVIEWER) -> User:
        """The user an identity provider (OIDC via ``st.login``) vouched for; created as a reviewer on
        first sign-in, with an unusable password (they never sign in with one here)."""
        cleaned = clean_user_name(name)
        user = self.store.users.by_name(cleaned)
        if user is not None:
            return user
        with self.store.transaction() as conn:
            return self.store.users.add(conn, name=cleaned, role=role, password_hash="!external")

    # -- export ------------------------------------------------------------------------------

    def export_rows(self, *, status: str | None = None, document_id: int | None = None,
                    verdict: str | None = None, reviewer: str | None = None,
                    since: dt.date | None = None, viewer: str | None = None,
                    limit: int | None = None) -> list[ExportRow]:
        """The export's rows, one per chosen claim, with its top match now (the Export page's preview,
        JSON Lines and ClaimReview; the CSV of :meth:`export` is written without them).

        ``status`` as in :meth:`list_claims`; ``verdict``: the final verdict; ``reviewer``: claims
        this user gave a verdict on; ``since``: claims with a verdict on or after that day (UTC);
        ``viewer``: the user who exports, under blind review (N >= 2) shown only what they may see;
        ``limit``: the first that many rows only (a preview).
        """
        records = self._export_records(status=status, document_id=document_id, verdict=verdict,
                                       reviewer=reviewer, since=since, viewer=viewer)
        if limit is not None:
            records = records[:max(0, limit)]
        return [self._export_row(cells, review) for cells, review in self._export_cell_records(records)]

    def _export_records(self, *, status: str | None = None, document_id: int | None = None,
                        verdict: str | None = None, reviewer: str | None = None, since: dt.date | None = None,
                        viewer: str | None = None) -> list[_ExportRecord]:
        """The chosen claims (see :meth:`export_rows`) in queue order, each as (claim id, the review
        the viewer may see or None, its top card or None, whether blind review hid a review).

        Set-based, because 100,000 claims cannot each cost a dozen objects, and caught up rather than
        read again: the review states and the statements cards show are kept between exports by
        :class:`~claims.store.exportlines.ExportLines`, which reads only what the review log's new
        rows name; the claims' match-cache rows are read in one query. No :class:`Claim` or
        :class:`Match` is built except for a claim whose cached card no longer holds, which is
        ranked again by the rule of :meth:`top_matches` (:meth:`_settle_match_cache`).
        """
        if document_id is not None:
            _check_id(document_id, "document")
        # the filters are checked in the order the export has always checked them, before anything is read
        statuses = {s.value for s in ReviewStatus}
        by_status = Verdict.parse(status) if status is not None and status not in statuses | {"reviewed"} else None
        wanted = Verdict.parse(verdict).value if verdict is not None else None
        name = self.require_user(reviewer).name if reviewer is not None else None
        blind_for: str | None = None
        if viewer is not None and self.settings.reviews_per_claim >= 2:
            user = self.store.users.by_name(viewer.strip())
            if user is None or not user.is_admin:  # an admin sees everything
                blind_for = viewer.strip()
        key = self._matcher_key()
        marks = self.store.match_cache.marks()  # read before the cache rows, as top_matches does
        lines = self.store.export_lines
        read = lines.read(key, self._embedder_name())
        states, shown = read.states, read.shown
        unreviewed, adjudicated, review_origin = self._UNREVIEWED, ReviewStatus.ADJUDICATED.value, Origin.REVIEW.value
        gone = (None, None, None, None)  # a cached statement no longer there
        records: list[_ExportRecord] = []
        usable: dict[int, tuple[int | None, int, int]] = {}
        with_rows: list[int] = []  # every claim whose cache row was read, chosen or not
        for claim_id, document, cache_current, cached_id, cosine, archive_mark, reviews_mark in read.rows:
            if cache_current is not None:
                with_rows.append(claim_id)
            if document_id is not None and document != document_id:
                continue
            review = states.get(claim_id)
            final = review[CURRENT] if review is not None else None
            if status is not None:
                if status == "reviewed" or status == "unreviewed":
                    if (final is None) is (status == "reviewed"):
                        continue
                elif status in statuses:
                    if (review[STATUS] if review is not None else unreviewed) != status:
                        continue
                elif final is None or final[VERDICT] != by_status.value:  # type: ignore[union-attr]
                    continue
            if wanted is not None and (final is None or final[VERDICT] != wanted):
                continue
            if name is not None and (review is None or all(e[REVIEWER] != name for e in review[BY_REVIEWER])):
                continue
            if since is not None and (review is None or not (
                    any(e[AT].date() >= since for e in review[BY_REVIEWER])
                    or (final is not None and final[AT].date() >= since))):
                continue
            hidden = (blind_for is not None and review is not None and review[STATUS] != adjudicated
                      and all(e[REVIEWER] != blind_for for e in review[BY_REVIEWER]))
            if hidden:
                review = None  # blind review: not seen until the viewer has given their own verdict
            # a cached card holds while its matcher key is current and its statement still shown (a card
            # that does not, or that a change since came near, is replaced below once ranked again)
            card: TopCard | None = None
            if cache_current:
                if cached_id is None:
                    usable[claim_id] = (None, archive_mark, reviews_mark)
                else:
                    top_text, top_verdict, top_source, top_origin = shown.get(cached_id, gone)
                    if top_origin is not None and not (top_origin == review_origin and not top_verdict):
                        usable[claim_id] = (cached_id, archive_mark, reviews_mark)
                        card = (top_text, float(cosine or 0.0), top_verdict or None, top_source)
            records.append((claim_id, review, card, hidden))

        def texts(ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
            return {cid: (row[2], row[3]) for cid, row in lines.claim_rows(ids).items()}

        ranked = self._settle_match_cache([r[0] for r in records], usable, marks, key,
                                          hashes=lines.text_hashes, texts=texts, among=with_rows)
        if ranked:
            for i, (claim_id, review, _, hidden) in enumerate(records):
                if claim_id in ranked:
                    top = ranked[claim_id]
                    card = None if top is None else (top.statement.text, top.similarity,
                                                     top.statement.verdict.value if top.statement.verdict else None,
                                                     top.statement.source)
                    records[i] = (claim_id, review, card, hidden)
        return records

    def _export_lines(self, records: Sequence[_ExportRecord]) -> list[str]:
        """The CSV line of each record (:func:`claims.export.verdict_csv_lines`): kept from an earlier
        export while the claim's review state and card are the ones it was written from, else written
        and kept (a line blind review hid a review from is written for this export alone)."""
        lines = self.store.export_lines
        out: list[str | None] = [None if hidden else lines.line(cid, review, card)
                                 for cid, review, card, hidden in records]
        todo = [i for i, line in enumerate(out) if line is None]
        if todo:
            rows = lines.claim_rows([records[i][0] for i in todo])
            model = self._embedder_name()
            cells = (self._export_cells(rows[records[i][0]], records[i][1], records[i][2], model) for i in todo)
            for i, line in zip(todo, verdict_csv_lines(cells)):
                claim_id, review, card, hidden = records[i]
                out[i] = line
                if not hidden:
                    lines.keep(claim_id, review, card, line)
        return out  # type: ignore[return-value]

    def _export_cell_records(self, records: Sequence[_ExportRecord]
                             ) -> list[tuple[tuple[Any, ...], ReviewReplay | None]]:
        """Each record's CSV values (:func:`claims.export.export_cells`) and the review shown."""
        rows = self.store.export_lines.claim_rows([r[0] for r in records])
        model = self._embedder_name()
        return [(self._export_cells(rows[cid], review, card, model), review) for cid, review, card, _ in records]

    _UNREVIEWED = ReviewStatus.UNREVIEWED.value

    @classmethod
    def _export_cells(cls, row: Any, review: ReviewReplay | None, card: TopCard | None, model: str) -> tuple[Any, ...]:
        """:func:`claims.export.export_cells` of a row of :meth:`ExportQuery.claim_rows`, the review
        shown (None: none) and the top card."""
        if review is None:
            return export_cells(row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8], row[4], "",
                                cls._UNREVIEWED, None, None, None, (), (), card, model)
        final = review[CURRENT]
        if final is None:
            return export_cells(row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8], row[4], "",
                                review[STATUS], None, None, None, (), review[BY_REVIEWER], card, model)
        return export_cells(row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8], row[4],
                            final[VERDICT], review[STATUS], final[REVIEWER], final[AT], final[NOTE],  # type: ignore[arg-type]
                            evidence_links(final[EVIDENCE]), review[BY_REVIEWER], card, model)

    @staticmethod
    def _export_row(cells: tuple[Any, ...], review: ReviewReplay | None) -> ExportRow:
        """An :class:`ExportRow` of :meth:`_export_records`' values, with the final verdict's evidence
        links and each reviewer's verdict as records (what JSON Lines and ClaimReview add to the CSV)."""
        final = review[CURRENT] if review is not None else None
        return ExportRow(*cells, evidence=evidence_links(final[EVIDENCE]) if final is not None else (),
                         reviews=reviewer_records((e[REVIEWER], e[VERDICT], e[AT], e[NOTE], evidence_links(e[EVIDENCE]))
                                                  for e in review[BY_REVIEWER]) if review is not None else ())

    # A statement added to the archive is taken not to change a claim's cached top card unless its
    # cosine to the claim comes within this margin of the "related" threshold.
    _CACHE_MARGIN = 0.05
    # An export advances the cache rows' marks once this many changed statements are looked at again ...
    _ADVANCE_AFTER = 32
    # ... or this many review events came since the oldest mark (see _settle_match_cache).
    _ADVANCE_LAG = 2048

    def _embedder_name(self) -> str:
        """The embedder's name (the key of its vectors), without loading the model when it is not loaded."""
        if self._embedder is not None:
            return self._embedder.name
        return embedder_name(self.settings.model_path, self.settings.embed_backend)

    def _matcher_key(self) -> str:
        """What a cached top card depends on besides the archive: the model, the match settings and the
        verifier file (its path, size and time)."""
        path = self.settings.verifier_path or Path(__file__).resolve().parent / "weights" / VERIFIER_FILE
        try:
            stat = Path(path).stat()
            verifier = f"{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            verifier = "none"
        key = "|".join((self._embedder_name(), repr(MatchSettings.from_settings(self.settings)), verifier))
        return hashlib.sha256(key.encode()).hexdigest()

    def top_matches(self, claims: Sequence[Claim]) -> dict[int, Match | None]:
        """Each claim's top card, as :meth:`match_claims` would rank it now, from the match cache
        where it still holds (``claims.store.matchcache``).

        A cached card is reused when it was ranked with the same matcher key, its statement is still
        shown, and no statement added or shown since (a new import, another claim's verdict, an
        undo) comes near the claim: a cosine within :attr:`_CACHE_MARGIN` of the "related" threshold
        or above (0.45 by default). Every other claim is
        matched again and its card stored (ingest stores each new claim's card as it matches it). So
        an export after one more verdict re-ranks only the claims near that verdict's claim, and
        loads no model when nothing needs re-ranking. Not reproduced: a claim whose top card is
        distant (under the "related" threshold) keeps it when another distant statement arrives; a
        statement that would win on BM25 alone at a cosine under the bound; BM25's statistics
        drifting as the archive grows. The export applies the same rule to its own read of the
        cache (:meth:`_export_records`).
        """
        if not claims:
            return {}
        key = self._matcher_key()
        marks = self.store.match_cache.marks()
        cached = self.store.match_cache.get([c.id for c in claims])
        usable = {cid: row for cid, row in cached.items() if row.matcher_key == key}
        shown = self.store.statements.get_statements(
            sorted({r.statement_id for r in usable.values() if r.statement_id is not None}))
        for cid, row in list(usable.items()):
            statement = shown.get(row.statement_id) if row.statement_id is not None else None
            if row.statement_id is not None and (
                    statement is None or (statement.origin is Origin.REVIEW and statement.verdict is None)):
                del usable[cid]
        by_id = {c.id: c for c in claims}
        ranked = self._settle_match_cache(
            list(by_id), {cid: (row.statement_id, row.archive_max_id, row.reviews_max_id) for cid, row in usable.items()},
            marks, key, hashes=lambda ids: {cid: text_hash(by_id[cid].text) for cid in ids},
            texts=lambda ids: {cid: (by_id[cid].text, by_id[cid].speaker) for cid in ids})
        out: dict[int, Match | None] = {}
        for cid, row in usable.items():
            if cid in ranked:
                continue
            if row.statement_id is None:
                out[cid] = None
            else:
                out[cid] = Match(shown[row.statement_id], float(row.cosine or 0.0), Tier(row.tier),
                                 score=row.score, probability=row.probability, reason=row.reason)
        out.update(ranked)
        return out

    def _settle_match_cache(self, claim_ids: Sequence[int], usable: Mapping[int, tuple[int | None, int, int]],
                            marks: tuple[int, int], key: str, *,
                            hashes: Callable[[Sequence[int]], Mapping[int, str]],
                            texts: Callable[[Sequence[int]], Mapping[int, tuple[str, str | None]]],
                            among: Sequence[int] | None = None) -> dict[int, Match | None]:
        """Bring the match cache of ``claim_ids`` up to ``marks``; returns the top card of each claim
        ranked again (None: nothing matched).

        ``usable``: by claim id, the cached row's statement id and marks, for the claims whose row
        has the current matcher ``key`` and a statement still shown. Such a row that no change since
        its marks comes near (:meth:`_near_changes`) is kept, and its marks are advanced so the next
        export need not look at the same changes again; every other claim is ranked by the one
        matcher and its row replaced. ``hashes`` gives claims' text hashes, ``texts`` their (text,
        speaker), each asked only for the claims it is needed for; ``among``: every claim whose cache
        row the caller read (see :meth:`~claims.store.matchcache.MatchCache.advance`).
        """
        checked = [cid for cid in claim_ids if cid in usable]
        stale, looked_at = self._near_changes(checked, usable, hashes)
        fresh_ids = [cid for cid in usable if cid not in stale]
        archive_max, reviews_max = marks
        behind = [cid for cid in fresh_ids if usable[cid][1] != archive_max or usable[cid][2] != reviews_max]
        # Checked against every change up to now: advanced, the next export need not look at these changes
        # again. Looking at a few changes again costs less than writing every row's marks (0.5 s at 100,000
        # claims), so an export advances only once the changes to look at, or the review events since the
        # oldest mark, pile up; a caller without ``among`` (a handful of claims) always advances.
        lag = reviews_max - min((usable[cid][2] for cid in checked), default=reviews_max)
        if behind and (among is None or looked_at >= self._ADVANCE_AFTER or lag >= self._ADVANCE_LAG):
            self.store.match_cache.advance(behind, archive_max, reviews_max, among=among)
        todo_ids = [cid for cid in claim_ids if cid not in usable or cid in stale]
        said = texts(todo_ids) if todo_ids else {}
        todo = [(cid, *said[cid]) for cid in todo_ids if cid in said]
        out: dict[int, Match | None] = {}
        if todo:
            found = self._match_claim_texts([cid for cid, _, _ in todo], [text for _, text, _ in todo], top_k=1,
                                            speakers=[speaker for _, _, speaker in todo])
            rows = []
            for cid, _, _ in todo:
                top = (found.get(cid) or [None])[0]
                out[cid] = top
                rows.append(_cached_match(cid, top, marks, key))
            self.store.match_cache.put(rows)
        return out

    def _near_changes(self, claims: Sequence[int], rows: Mapping[int, tuple[int | None, int, int]],
                      hashes_of: Callable[[Sequence[int]], Mapping[int, str]]) -> tuple[set[int], int]:
        """The claims of ``rows`` (by id, the cached statement id and marks) whose top card a statement
        added or shown since may have changed, and how many such statements were looked at;
        ``hashes_of`` gives claims' text hashes."""
        if not claims:
            return set(), 0
        after_id = min(rows[cid][1] for cid in claims)
        after_review = min(rows[cid][2] for cid in claims)
        changed = self.store.match_cache.changed_statements(after_id, after_review)
        if not changed:
            return set(), 0
        model = self._embedder_name()
        statement_vectors = self._vectors.get_embeddings(model, sorted({h for *_, h in changed}))
        changed = [ch for ch in changed if ch[3] in statement_vectors]  # not yet embedded: not yet matchable
        hashes = dict(hashes_of(claims))
        memo = self._claim_vectors(model)
        at, data = memo.rows([hashes.get(cid, "") for cid in claims])
        stale: set[int] = {cid for cid, row in zip(claims, at.tolist()) if row < 0}
        if not changed:
            return stale, 0
        s_ids = np.array([ch[0] for ch in changed], dtype=np.int64)
        s_claim = np.array([-1 if ch[1] is None else ch[1] for ch in changed], dtype=np.int64)
        s_mark = np.array([ch[2] for ch in changed], dtype=np.int64)
        s_vec = np.stack([statement_vectors[ch[3]] for ch in changed]).astype(np.float32)

        def is_new(col: np.ndarray, claim_id: int) -> np.ndarray:
            _, archive_max_id, reviews_max_id = rows[claim_id]
            return (s_claim[col] != claim_id) & ((s_ids[col] > archive_max_id) | (s_mark[col] > reviews_max_id))

        # a claim that matched nothing before takes any statement now matchable (all such claims at once)
        empty = [cid for cid in claims if cid not in stale and rows[cid][0] is None]
        if empty:
            ids = np.array(empty, dtype=np.int64)[:, None]
            marks = np.array([rows[cid][1:] for cid in empty], dtype=np.int64)
            new_any = ((s_claim[None, :] != ids) & ((s_ids[None, :] > marks[:, :1]) | (s_mark[None, :] > marks[:, 1:]))
                       ).any(axis=1)
            stale.update(np.asarray(empty)[new_any].tolist())
        bound = self.settings.related_threshold - self._CACHE_MARGIN
        known = np.array([i for i, cid in enumerate(claims) if cid not in stale], dtype=np.int64)
        step = max(1, (8 << 20) // len(changed))  # claims per block: a block's similarities stay near 32 MB
        for start in range(0, len(known), step):
            part = known[start:start + step]
            sims = data[at[part]] @ s_vec.T
            near_rows, near_cols = np.nonzero(sims >= bound)
            for r in np.unique(near_rows):
                claim_id = claims[int(part[r])]
                if is_new(near_cols[near_rows == r], claim_id).any():
                    stale.add(claim_id)
        return stale, len(changed)

    def _claim_vectors(self, model: str) -> VectorMemo:
        """The claims' vectors of ``model`` kept in memory (:class:`~index.embed.VectorMemo`)."""
        with self._lock:
            memo = self._claim_memo
            if memo is None or memo.model != model:
                memo = self._claim_memo = VectorMemo(self.store.embeddings, model)
            return memo

    def export_csv(self, fp: TextIO, *, status: str | None = None, document_id: int | None = None) -> int:
        """Write the verdict CSV to ``fp``; returns the number of claims written."""
        records = self._export_records(status=status, document_id=document_id)
        return write_verdict_lines(self._export_lines(records), fp)

    def write_export(self, rows: Sequence[ExportRow], fp: TextIO, fmt: str = "csv", *, bom: bool = False,
                     include_unverified: bool = False) -> int:
        """Write already chosen rows as the verdict CSV (``csv``; ``bom`` for Excel), JSON Lines
        (``jsonl``) or ClaimReview JSON-LD (``claimreview``: final supported/disputed verdicts, and
        unverified ones with ``include_unverified``); returns how many claims were written."""
        if fmt == "csv":
            return export_verdicts_csv(rows, fp, bom=bom)
        if fmt == "jsonl":
            return export_jsonl(rows, fp)
        if fmt == "claimreview":
            return export_claimreview_json(rows, fp, include_unverified=include_unverified,
                                           review_url=self.settings.review_url)
        raise InvalidValueError(f"unknown export format {fmt!r}: use {', '.join(EXPORT_FORMATS)}")

    def _write_records(self, records: Sequence[_ExportRecord], fp: TextIO,
                       fmt: str, *, bom: bool, include_unverified: bool) -> int:
        """Write :meth:`_export_records` in ``fmt``: the CSV from its lines (:meth:`_export_lines`),
        the JSON formats through :class:`ExportRow` objects (:meth:`write_export`)."""
        if fmt == "csv":
            return write_verdict_lines(self._export_lines(records), fp, bom=bom)
        if fmt not in EXPORT_FORMATS:
            raise InvalidValueError(f"unknown export format {fmt!r}: use {', '.join(EXPORT_FORMATS)}")
        return self.write_export([self._export_row(cells, review) for cells, review in self._export_cell_records(records)],
                                 fp, fmt, bom=bom, include_unverified=include_unverified)

    def record_export(self, claim_ids: Sequence[int], fmt: str, actor: str | None) -> None:
        """Note in each exported claim's audit trail who exported it, when, and in which format
        (``claim_ids``: those the file holds, :attr:`claims.export.ExportFile.claim_ids`)."""
        self._record_exported(claim_ids, fmt, actor)

    def export_text(self, fmt: str = "csv", *, bom: bool = False, include_unverified: bool = False,
                    **filters: Any) -> ExportFile:
        """The claims chosen by ``filters`` (see :meth:`export_rows`) written in ``fmt``, with the ids of
        the claims the text holds; nothing recorded (:meth:`record_export` does, when it is handed out).
        The CSV comes from the lines kept between exports, so it costs what changed since the last."""
        records = self._export_records(**filters)
        buffer = io.StringIO(newline="")
        if fmt == "claimreview":
            cells = self._export_cell_records(records)
            kept = [row for row in (self._export_row(c, review) for c, review in cells)
                    if in_claim_review(row.verdict, include_unverified)]
            self.write_export(kept, buffer, fmt, include_unverified=include_unverified)
            return ExportFile(text=buffer.getvalue(), claim_ids=tuple(r.claim_id for r in kept), chosen=len(records))
        self._write_records(records, buffer, fmt, bom=bom, include_unverified=include_unverified)
        return ExportFile(text=buffer.getvalue(), claim_ids=tuple(r[0] for r in records), chosen=len(records))

    _MAX_HISTORY = 100_000  # exports listed at most: a LIMIT every database takes

    def export_history(self, limit: int = 50) -> list[ExportRecord]:
        """The latest ``limit`` exports, newest first: who handed out a file, when, in which format, of
        how many claims (each claim's own trail lists the exports that held it)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= self._MAX_HISTORY:
            raise InvalidValueError(f"limit must be a whole number from 1 to {self._MAX_HISTORY:,}, got {limit!r}")
        return self.store.audit.recent_exports(limit)

    def _record_exported(self, claim_ids: Sequence[int], fmt: str, actor: str | None) -> None:
        """Note an export in the claims' audit trails: one row for the whole file
        (:meth:`claims.store.audit.Audit.record_export`)."""
        with self.store.transaction() as conn:
            self.store.audit.record_export(conn, claim_ids, " ".join((actor or "").split()) or "claimdesk", fmt)

    def export(self, fp: TextIO, fmt: str = "csv", *, actor: str | None = None, bom: bool = False,
               include_unverified: bool = False, **filters: Any) -> int:
        """Write the claims chosen by ``filters`` (see :meth:`export_rows`) in ``fmt`` to ``fp`` and
        record the export in their audit trails; returns how many claims were written."""
        records = self._export_records(**filters)
        count = self._write_records(records, fp, fmt, bom=bom, include_unverified=include_unverified)
        self._record_exported([r[0] for r in records], fmt, actor)
        return count

    def export_file(self, path: str | Path, fmt: str = "csv", *, actor: str | None = None, bom: bool = False,
                    include_unverified: bool = False, **filters: Any) -> int:
        """Write the export to ``path`` all or nothing (a temporary file renamed into place)."""
        target = Path(path)
        if not str(path).strip():
            raise InvalidValueError("the output file name is empty")
        if target.exists() and not target.is_file():
            raise InvalidValueError(f"{path}: not a regular file (a folder or a device); give a file name")
        if not target.parent.is_dir():
            raise InvalidValueError(f"{path}: the folder {str(target.parent)!r} does not exist")
        buffer = io.StringIO()
        records = self._export_records(**filters)
        count = self._write_records(records, buffer, fmt, bom=bom, include_unverified=include_unverified)
        atomic_write_text(path, buffer.getvalue(), newline="")
        self._record_exported([r[0] for r in records], fmt, actor)
        return count

    # -- the workspace as a whole ---------------------------------------------------------------

    def status(self) -> WorkspaceStatus:
        """Where the workspace lives and what it holds (for ``claimdesk status``)."""
        counts = self.store.count_rows()
        return WorkspaceStatus(database=self.store.safe_url, index_dir=str(self.settings.index_dir),
                               documents=counts.get("documents", 0), sentences=counts.get("sentences", 0),
                               statements=counts.get("statements", 0), review_events=counts.get("reviews", 0),
                               progress=self.progress())

    # -- reading for the dashboard and the speaker page ---------------------------------------

    MAX_SPEAKER_STATEMENTS = 1000
    """The most archive statements :meth:`speaker_statements` returns at once."""

    def statement_speakers(self) -> list[str]:
        """The speakers of imported archive statements, sorted regardless of case (a reviewed claim's
        speaker is among :meth:`claim_speakers`)."""
        import sqlalchemy as sa  # the store's query language; only this section reads tables directly

        from claims.store.schema import statements

        query = (sa.select(statements.c.speaker).distinct()
                 .where(statements.c.origin == Origin.ARCHIVE.value, statements.c.speaker.is_not(None)))
        with self.store.engine.connect() as conn:
            names = {row[0] for row in conn.execute(query) if row[0].strip()}
        return sorted(names, key=lambda name: (name.casefold(), name))

    def _speaker_spellings(self, speaker: str) -> list[str]:
        """How ``speaker`` is spelt among archive statements: spacing and case aside (done here rather
        than in SQL, whose ``lower`` folds only ASCII in SQLite)."""
        wanted = " ".join((speaker or "").split()).casefold()
        if not wanted:
            raise InvalidValueError("say which speaker: the name is empty")
        return [name for name in self.statement_speakers() if " ".join(name.split()).casefold() == wanted]

    def speaker_statements(self, speaker: str, *, limit: int = 200) -> tuple[list[Statement], int]:
        """The imported archive statements of ``speaker`` (spacing and case aside), latest stated first
        and undated last, at most ``limit`` (1 to :attr:`MAX_SPEAKER_STATEMENTS`); and how many there
        are in all. The speaker's reviewed claims are not repeated here: :meth:`list_claims` has them."""
        import sqlalchemy as sa

        from claims.store.schema import statements

        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= self.MAX_SPEAKER_STATEMENTS:
            raise InvalidValueError(f"limit must be a whole number from 1 to {self.MAX_SPEAKER_STATEMENTS}, "
                                    f"got {limit!r}")
        spellings = self._speaker_spellings(speaker)
        if not spellings:
            return [], 0
        chosen = sa.and_(statements.c.origin == Origin.ARCHIVE.value, statements.c.speaker.in_(spellings))
        with self.store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(statements).where(chosen)).scalar_one()
            ids = list(conn.execute(
                sa.select(statements.c.id).where(chosen)
                .order_by(statements.c.stated_on.is_(None), statements.c.stated_on.desc(), statements.c.id.desc())
                .limit(limit)).scalars())
        found = self.store.statements.get_statements(ids)
        return [found[i] for i in ids if i in found], int(total)

    def speaker_verdict_counts(self, speaker: str) -> list[tuple[dt.date | None, Verdict | None, int]]:
        """How many imported archive statements of ``speaker`` (spacing and case aside) carry each verdict
        on each day they were stated, as (day or None, verdict or None, count), undated last: the
        speaker's record over time, counted in the database however long it is."""
        import sqlalchemy as sa

        from claims.store.schema import statements

        spellings = self._speaker_spellings(speaker)
        if not spellings:
            return []
        query = (sa.select(statements.c.stated_on, statements.c.verdict, sa.func.count())
                 .where(statements.c.origin == Origin.ARCHIVE.value, statements.c.speaker.in_(spellings))
                 .group_by(statements.c.stated_on, statements.c.verdict))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        counts = [(day, Verdict(verdict) if verdict else None, int(n)) for day, verdict, n in rows]
        return sorted(counts, key=lambda c: (c[0] is None, c[0] or dt.date.min, c[1].value if c[1] else ""))

    # -- backups ---------------------------------------------------------------------------------

    def backup(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Copy the workspace database to ``path`` while it is in use (SQLite's online backup API);
        an existing file only with ``overwrite``. PostgreSQL is refused with a pointer to ``pg_dump``;
        the FAISS cache needs no backup (it is rebuilt from the database). Returns the backup's path."""
        return self.store.backup(path, overwrite=overwrite)
