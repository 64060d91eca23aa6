"""The workspace: the one object the CLI and the UI talk to.

It ties the database (:class:`~claims.store.Store`), the embedder and the FAISS cache together
and runs the pipeline of one article: read → segment → detect → attribute → store → embed →
match; then review → archive → export. Backends are injected, so tests can hand it a SQLite
file in a temporary folder and the real model, and the UI can share one instance across
sessions (every method is thread-safe).
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TextIO
from urllib.parse import urlparse

import numpy as np

from claims.archive import parse_verdict_map, read_statements
from claims.errors import EmptyInputError, InputTooLargeError, InvalidValueError, NotFoundError
from claims.export import ExportRow, export_claimreview_json, export_row, export_verdicts_csv
from claims.detector import build_scorer
from claims.extract import Scorer, extract
from claims.models import (
    Claim,
    Document,
    ExtractedSentence,
    ImportResult,
    IngestResult,
    Match,
    Origin,
    Progress,
    ReviewAction,
    ReviewEvent,
    SentenceRow,
    SourceText,
    Statement,
    Tier,
    Verdict,
)
from claims.readers import DOCUMENT_FORMATS, content_hash, pasted_document, read_documents
from claims.review import last_standing_label, standing_labels
from claims.safety import safe_url
from claims.settings import Settings
from claims.store import Store
from index.atomic import atomic_write_text
from index.embed import EmbeddingCache, Embedder, TextEmbedder, embed_cached, text_hash
from index.fusion import weighted_score_fusion
from index.lexical import LexicalIndex
from index.vectors import SyncReport, VectorIndex

__all__ = ["Workspace", "WorkspaceStatus", "DetectorStatus", "DEMO_ARCHIVE", "DEMO_ARTICLE", "DOCUMENT_FORMATS", "demo_bytes"]

DEMO_ARCHIVE = "archive.csv"
DEMO_ARTICLE = "article.txt"


# Ids are 64-bit integers in both databases; a larger number cannot name anything.
_MAX_ID = 2**63 - 1


def _check_id(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= _MAX_ID:
        raise NotFoundError(f"no {what} with id {value}")


@dataclass(frozen=True)
class DetectorStatus:
    """Whether the trained detector flags claims (``description``: its held-out quality) or the
    heuristic stands in (``description``: why)."""

    trained: bool
    description: str


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
    cleaned = []
    for url in urls:
        url = url.strip()
        if not url:
            continue
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidValueError(f"evidence {url!r} is not a web address (http:// or https://)")
        cleaned.append(url)
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
        self._lexical_key: tuple[int, int] | None = None
        self._lock = threading.RLock()

    # -- backends, loaded on first use -------------------------------------------------------

    @property
    def store(self) -> Store:
        """The database, opened on first use (``extract`` never opens it)."""
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.db_url)
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
                self._embedder = Embedder(self.settings.model_path, batch_size=self.settings.batch_size)
            return self._embedder

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
        return self.embedder.name

    def _embed_missing_statements(self) -> None:
        # After a model change (or rows written by another tool) some statements lack vectors.
        missing = self.store.statements.texts_without_vectors(self.embedder.name)
        if missing:
            embed_cached(missing, self.embedder, self._vectors)

    def rebuild_index(self) -> SyncReport:
        """Rebuild the FAISS cache from the vectors in the database."""
        with self._lock:
            index = self.index
            self._embed_missing_statements()
            return index.rebuild(self.store.statements)

    def close(self) -> None:
        """Save the index if it changed and release database connections."""
        if self._index is not None:
            self._index.save()
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
                    allow_duplicate_text: bool = False) -> IngestResult:
        """Ingest pasted text as one document (see :meth:`ingest_documents`)."""
        doc = pasted_document(text, title=title, source=source, url=url, published=published, speaker=speaker)
        return self.ingest_documents([doc], allow_duplicate_text=allow_duplicate_text)[0]

    def ingest_file(self, data: bytes, origin: str, *, source: str | None = None, url: str | None = None,
                    published: dt.date | None = None, allow_duplicate_text: bool = False) -> list[IngestResult]:
        """Ingest every document of one file, all or nothing (see :meth:`ingest_documents`)."""
        if len(data) > 4 * self.settings.max_document_chars and not origin.lower().endswith((".csv", ".jsonl")):
            # Refused before decoding: a UTF-8 character takes at most four bytes.
            raise InputTooLargeError(
                f"the file has {len(data):,} bytes; one document may have at most "
                f"{self.settings.max_document_chars:,} characters (setting CLAIMDESK_MAX_DOCUMENT_CHARS)",
                source=origin)
        docs = read_documents(data, origin, source=source, url=url, published=published)
        return self.ingest_documents(docs, allow_duplicate_text=allow_duplicate_text)

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

    def ingest_documents(self, docs: Sequence[SourceText], *,
                         allow_duplicate_text: bool = False) -> list[IngestResult]:
        """Store, embed and match documents in one transaction; a document seen before is not added again.

        A document whose text is already in the workspace under other details (title, source,
        date) is not added either unless ``allow_duplicate_text``: its result names the earlier
        document in ``duplicate_of``, so the caller can offer it instead of a second copy.

        Each text's vector is looked up (or embedded) once, while the detector scores it; a new
        document's claims are matched with those vectors and its result is built from what was
        written, without reading it back.
        """
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
        matches = self._matches_for_vectors(vectors, texts, excluded, top_k=1) if texts else []
        results, at = [], 0
        for outcome in outcomes:
            best = [m[0].tier for m in matches[at:at + len(outcome.texts)] if m]
            at += len(outcome.texts)
            results.append(IngestResult(
                document=outcome.document, created=outcome.earlier_id is None,
                n_sentences=outcome.n_sentences, n_claims=outcome.n_claims,
                n_same_claim=best.count(Tier.SAME_CLAIM), n_related=best.count(Tier.RELATED),
                duplicate_of=outcome.document if outcome.duplicate else None))
        return results

    # -- the archive -------------------------------------------------------------------------

    def import_statements(self, data: bytes, origin: str, overrides: Mapping[str, Verdict] | None = None, *,
                          verdict_map: str | None = None) -> ImportResult:
        """Add an archive file's statements, all or nothing; rows already in the archive are skipped.

        ``verdict_map`` is the user's text ("half true=disputed, satire=unverified"), parsed and
        added to ``overrides``; an error names the bad pair.
        """
        if verdict_map:
            overrides = {**(overrides or {}), **parse_verdict_map(verdict_map)}
        parsed = read_statements(data, origin, overrides)
        embed_cached([r["text"] for r in parsed.rows], self.embedder, self._vectors)
        with self.store.transaction() as conn:
            added, skipped, updated = self.store.statements.add_statements(
                conn, origin=origin, content_hash=content_hash(data), rows=parsed.rows)
        self.index.sync(self.store.statements)
        return ImportResult(origin=origin, added=added, skipped=skipped, updated=updated,
                            unmapped_ratings=parsed.unmapped)

    def load_demo_archive(self) -> ImportResult | None:
        """Import the bundled demo archive unless it is already in; None when it was."""
        data = demo_bytes(DEMO_ARCHIVE)
        if self.store.statements.import_seen(content_hash(data)):
            return None
        return self.import_statements(data, "claims/demo/archive.csv")

    def ingest_demo_article(self) -> list[IngestResult]:
        """Ingest the bundled demo article (the seed article)."""
        return self.ingest_file(demo_bytes(DEMO_ARTICLE), "demo-article.txt",
                                source="Demo article", published=dt.date(2022, 3, 15))

    def search_archive(self, text: str | None = None, *, verdict: str | None = None, origin: str | None = None,
                       limit: int = 50, offset: int = 0) -> tuple[list[Statement], int]:
        """Browse the archive: statements containing ``text``, newest first, and how many match."""
        return self.store.statements.search_statements(text, verdict=verdict, origin=origin, limit=limit,
                                                       offset=offset)

    # -- matching ----------------------------------------------------------------------------

    def _tier(self, similarity: float) -> Tier:
        if similarity >= self.settings.same_claim_threshold:
            return Tier.SAME_CLAIM
        if similarity >= self.settings.related_threshold:
            return Tier.RELATED
        return Tier.DISTANT

    def _lexical_index(self) -> LexicalIndex | None:
        """BM25 over every earlier statement (text and speaker), rebuilt when statements change."""
        with self._lock:
            key = self.store.statements.statement_stats()
            if self._lexical_key != key:
                ids, texts = self.store.statements.statement_texts()
                self._lexical = LexicalIndex(ids, texts) if ids else None
                self._lexical_key = key
            return self._lexical

    def _matches_for_vectors(self, vectors: np.ndarray, texts: Sequence[str], excluded: Sequence[int | None],
                             top_k: int) -> list[list[Match]]:
        """Hybrid retrieval: dense (FAISS) and BM25 candidates, z-score fused, filtered, cut to ``top_k``.

        The ranking is the fused score; the similarity shown, and the tier, are the cosine of the
        two embeddings, so the thresholds keep one meaning whatever found the candidate.
        """
        index = self.index
        index.sync(self.store.statements, save=False)
        depth = max(self.settings.candidate_depth, top_k + 8)
        dense = index.search(vectors, depth)
        weight = self.settings.lexical_weight
        lexical = self._lexical_index() if weight > 0 else None
        lexical_hits = lexical.search(texts, depth) if lexical is not None else [[] for _ in texts]
        rankings = []
        for dense_q, lexical_q in zip(dense, lexical_hits):
            if lexical_q and dense_q:
                rankings.append(weighted_score_fusion([dense_q, lexical_q], [1.0, weight], normalise="zscore"))
            else:
                rankings.append(dense_q or lexical_q)
        statements = self.store.statements.get_statements(sorted({sid for r in rankings for sid, _ in r}))
        results: list[list[Match]] = []
        for query_pos, ranking in enumerate(rankings):
            chosen = []
            for sid, fused in ranking:
                st = statements.get(sid)
                if st is None or (st.origin is Origin.REVIEW and st.verdict is None):
                    continue
                if excluded[query_pos] is not None and st.claim_id == excluded[query_pos]:
                    continue
                chosen.append((st, fused))
                if len(chosen) == top_k:
                    break
            cosine = dict(dense[query_pos])
            missing = [st for st, _ in chosen if st.id not in cosine]
            if missing:
                stored = self._vectors.get_embeddings(self.embedder.name, [text_hash(st.text) for st in missing])
                for st in missing:
                    vector = stored.get(text_hash(st.text))
                    cosine[st.id] = float(vector @ vectors[query_pos]) if vector is not None else 0.0
            matches = []
            for st, fused in chosen:
                similarity = max(-1.0, min(1.0, cosine[st.id]))
                matches.append(Match(st, similarity, self._tier(similarity), score=float(fused)))
            # Fusion picks the candidates; they are shown, suggested and exported in the order of the
            # similarity on their cards, so the first card, the suggestion and the CSV's top match agree.
            matches.sort(key=lambda m: (-m.similarity, -m.score))
            results.append(matches)
        return results

    def match_text(self, text: str, top_k: int | None = None) -> list[Match]:
        """The earlier statements closest to ``text``, best first."""
        if not text.strip():
            raise InvalidValueError("the text to match is empty")
        vector = embed_cached([text], self.embedder, self._vectors)
        return self._matches_for_vectors(vector, [text], [None], top_k or self.settings.top_k)[0]

    def match_claims(self, claim_ids: Sequence[int], top_k: int | None = None) -> dict[int, list[Match]]:
        """Matches for several stored claims; a claim is never its own match."""
        if not claim_ids:
            return {}
        for claim_id in claim_ids:
            _check_id(claim_id, "claim")
        found = self.store.documents.sentence_texts(claim_ids)
        missing = [cid for cid in claim_ids if cid not in found]
        if missing:
            raise NotFoundError(f"no claim with id {missing[0]}")
        return self._match_claim_texts(claim_ids, [found[cid] for cid in claim_ids], top_k)

    def _match_claim_texts(self, claim_ids: Sequence[int], texts: Sequence[str],
                           top_k: int | None) -> dict[int, list[Match]]:
        """Matches for stored claims whose texts the caller already holds."""
        if not claim_ids:
            return {}
        vectors = embed_cached(texts, self.embedder, self._vectors)
        found = self._matches_for_vectors(vectors, texts, list(claim_ids), top_k or self.settings.top_k)
        return dict(zip(claim_ids, found))

    def match_claim(self, claim_id: int, top_k: int | None = None) -> list[Match]:
        return self.match_claims([claim_id], top_k)[claim_id]

    # -- review ------------------------------------------------------------------------------

    def revision(self) -> tuple[int, ...]:
        """Changes whenever anything is written: a small cache key for the UI."""
        return self.store.revision()

    def list_documents(self) -> list[Document]:
        """Every document, newest first, with its sentence and claim counts."""
        return self.store.documents.list_documents()

    def claim_speakers(self) -> list[str]:
        """The speakers of stored claims, for the queue's filter."""
        return self.store.documents.claim_speakers()

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

    def progress(self, document_id: int | None = None) -> Progress:
        return self.store.documents.progress(document_id)

    def label(self, claim_id: int, verdict: Verdict | str, reviewer: str, *, note: str | None = None,
              evidence: Iterable[str] = ()) -> ReviewEvent:
        """Record a reviewer's verdict; the claim joins the archive of earlier statements at once."""
        _check_id(claim_id, "claim")
        verdict = verdict if isinstance(verdict, Verdict) else Verdict.parse(verdict)
        reviewer = (reviewer or "").strip()
        if not reviewer:
            raise InvalidValueError("a reviewer name is needed to record a verdict")
        urls = _check_urls(evidence)
        note = (note or "").strip() or None
        text = self.store.documents.sentence_texts([claim_id]).get(claim_id)
        if text is None:
            raise NotFoundError(f"no claim with id {claim_id}")
        # Embedded first, so the claim's earlier statement has its vector when the index syncs.
        embed_cached([text], self.embedder, self._vectors)
        with self.store.transaction() as conn:
            if not self.store.documents.claim_exists(conn, claim_id):
                raise NotFoundError(f"no claim with id {claim_id}")
            event = self.store.reviews.append_review(conn, claim_id=claim_id, reviewer=reviewer,
                                                     action=ReviewAction.LABEL, verdict=verdict, note=note,
                                                     evidence=urls)
        self.index.sync(self.store.statements, save=False)
        return event

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
        reviewer = (reviewer or "").strip()
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
        reviewer = (reviewer or "").strip()
        if not reviewer:
            raise InvalidValueError("a reviewer name is needed to promote or dismiss a sentence")
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

    # -- export ------------------------------------------------------------------------------

    def export_rows(self, *, status: str | None = None, document_id: int | None = None) -> list[ExportRow]:
        """The verdict CSV's rows: one per claim, with its top match now."""
        claims = self.store.documents.list_claims(status=status, document_id=document_id)
        matches = self._match_claim_texts([c.id for c in claims], [c.text for c in claims], top_k=1)
        return [export_row(c, (matches.get(c.id) or [None])[0], self.model_name) for c in claims]

    def export_csv(self, fp: TextIO, *, status: str | None = None, document_id: int | None = None) -> int:
        """Write the verdict CSV to ``fp``; returns the number of claims written."""
        return export_verdicts_csv(self.export_rows(status=status, document_id=document_id), fp)

    @staticmethod
    def write_export(rows: Sequence[ExportRow], fp: TextIO, fmt: str = "csv") -> int:
        """Write already chosen rows as the verdict CSV (``"csv"``) or ClaimReview JSON-LD
        (``"claimreview"``); returns how many claims were written."""
        writers = {"csv": export_verdicts_csv, "claimreview": export_claimreview_json}
        if fmt not in writers:
            raise InvalidValueError(f"unknown export format {fmt!r}: use csv or claimreview")
        return writers[fmt](rows, fp)

    def export(self, fp: TextIO, fmt: str = "csv", *, status: str | None = None,
               document_id: int | None = None) -> int:
        """Write the chosen claims in ``fmt`` to ``fp``; returns how many claims were written."""
        return self.write_export(self.export_rows(status=status, document_id=document_id), fp, fmt)

    def export_file(self, path: str | Path, fmt: str = "csv", *, status: str | None = None,
                    document_id: int | None = None) -> int:
        """Write the export to ``path`` all or nothing (a temporary file renamed into place)."""
        buffer = io.StringIO()
        count = self.export(buffer, fmt, status=status, document_id=document_id)
        atomic_write_text(path, buffer.getvalue(), newline="")
        return count

    # -- the workspace as a whole ---------------------------------------------------------------

    def status(self) -> WorkspaceStatus:
        """Where the workspace lives and what it holds (for ``claimdesk status``)."""
        counts = self.store.count_rows()
        return WorkspaceStatus(database=self.store.safe_url, index_dir=str(self.settings.index_dir),
                               documents=counts.get("documents", 0), sentences=counts.get("sentences", 0),
                               statements=counts.get("statements", 0), review_events=counts.get("reviews", 0),
                               progress=self.progress())
