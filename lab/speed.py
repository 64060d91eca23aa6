"""``claimdesk bench speed``: how fast the product's own code is, measured side by side in one run.

Each figure times claimdesk's code (``Embedder``, ``VectorIndex``, ``Workspace``), not a
re-implementation of it:

- **encode**: the same sentences (CLEF tweets and fact-checks from ``../shared/bench``) through
  plain ``SentenceTransformer.encode`` (fp32, its default batch of 32) and through claimdesk's
  :class:`index.embed.Embedder` on the configured backend; rounds alternate between the two, the
  medians are compared (``encode_ratio``). With ``--quality``, MAP@5 on the CLEF 2020 tweets dev
  set for both backends, dense-only (FAISS cosine top 5) and through the product's matcher.
- **search**: a :class:`index.vectors.VectorIndex` of ``search_n`` synthetic unit vectors (each a
  real MiniLM vector of a fact-check plus noise shaped like the real vectors' covariance,
  renormalised), queried one at a time with real vectors of other fact-checks; recall@10 against
  exact search. For a graph index, ``efSearch`` rises until recall@10 reaches 0.99 (``search_ef``).
- **import**: ``Workspace.import_statements`` of the CLEF 2021 debates fact-checks, in a child
  process whose peak resident memory is ``peak_rss_mb``.
- **seed ingest, click, export** in that workspace (the imported archive): ``seed_ingest_s`` is
  ``Workspace.ingest_text`` of the demo article, warm; ``click_ms`` a verdict and every read the
  Review page makes for the next claim (:func:`page_click`: queue, filters, the claim, its matches,
  contradictions, audit trail, answers, the document's sentences), server side;
  ``export_measured_s`` the CSV export of every claim there (``export_measured_n``, a few dozen).
  ``export_100k_s`` stays None: an export's cost is mostly fixed (reads, the file, the audit record), so
  a linear extrapolation from a few dozen claims overstated it about 250-fold (469 s against 1.85 s
  measured). The 100,000-verdict figure is ``benchmarks/bench_export.py`` (``export_100k_from``), whose
  workspace takes about 15 minutes to build.
- **lexical**: :class:`index.lexical.LexicalIndex` over ``lexical_n`` synthetic short texts (words drawn
  with the frequencies of the CLEF fact-checks' words, plus 400,000 rare tokens), built once; then
  ``lexical_add_ms``, adding one statement (what a verdict costs it), and ``lexical_query_ms``, one BM25
  search (k = 100, the matcher's depth) for real claim texts, medians; ``lexical_mb`` is the build's growth
  of resident memory.
- **first page**: seconds from ``streamlit run app.py`` answering ``/_stcore/health`` to the sign-in
  form shown in headless Chromium (None without ``/usr/bin/chromium`` or Playwright).

``--quick`` uses small sizes (the keys ``*_n`` say which) and skips the quality runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SPEED_KEYS", "SpeedSizes", "FULL", "QUICK", "bench_speed"]

SPEED_KEYS = ("encode_plain_per_s", "encode_claimdesk_per_s", "encode_ratio", "search_n", "search_p50_ms",
              "search_p99_ms", "search_recall_at_10", "index_mb", "seed_ingest_s", "click_ms", "export_100k_s",
              "first_page_s", "import_per_s", "peak_rss_mb")
"""The keys every run reports (more follow them: sizes, the backend, the index kind, quality)."""

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
RECALL_TARGET = 0.99
EF_LADDER = (32, 48, 64, 96, 128, 192, 256, 384, 512)


@dataclass(frozen=True)
class SpeedSizes:
    """How much each part of the benchmark measures."""

    encode_n: int
    encode_rounds: int
    search_n: int
    search_queries: int
    import_n: int
    ingests: int
    clicks: int
    quality: bool
    lexical_n: int = 1_000_000


FULL = SpeedSizes(encode_n=2000, encode_rounds=3, search_n=1_000_000, search_queries=500, import_n=19_250,
                  ingests=3, clicks=15, quality=True)
QUICK = SpeedSizes(encode_n=200, encode_rounds=2, search_n=20_000, search_queries=100, import_n=400,
                   ingests=1, clicks=3, quality=False, lexical_n=20_000)


# -- data --------------------------------------------------------------------------------------


def bench_texts(bench_dir: Path, n: int) -> list[str]:
    """``n`` distinct texts: CLEF 2020 tweets, then its fact-checks (claim and title), as the product embeds them."""
    from lab.bench import read_queries, read_vclaims

    folder = Path(bench_dir) / "clef2020-t2-en-tweets"
    texts: list[str] = []
    for name in ("train_queries.tsv", "dev_queries.tsv"):
        texts.extend(q.text for q in read_queries(folder / name))
    texts.extend(f"{c.text} {c.title}".strip() for c in read_vclaims(folder / "vclaims.tsv"))
    unique = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
    # Interleave tweets and fact-checks so a prefix has both lengths.
    tweets, checks = unique[:995], unique[995:]
    mixed = [t for pair in zip(tweets, checks) for t in pair] + tweets[len(checks):] + checks[len(tweets):]
    return mixed[:n]


def archive_jsonl(bench_dir: Path, n: int) -> bytes:
    """The first ``n`` CLEF 2021 debates fact-checks as an archive file (text, title, speaker, date, rating)."""
    from lab.bench import read_vclaims

    rows = []
    seen = set()
    for claim in read_vclaims(Path(bench_dir) / "clef2021-t2b-en-debates" / "vclaims.tsv"):
        key = (" ".join(claim.text.split()), claim.speaker, claim.date)
        if key in seen:
            continue
        seen.add(key)
        row = {"text": claim.text, "title": claim.title, "speaker": claim.speaker or None}
        if claim.extra.get("truth_label"):
            row["rating"] = claim.extra["truth_label"]
        rows.append(json.dumps({k: v for k, v in row.items() if v}, ensure_ascii=False))
        if len(rows) == n:
            break
    return ("\n".join(rows) + "\n").encode("utf-8")


# -- encode ------------------------------------------------------------------------------------


def measure_encode(texts: Sequence[str], embedder: Any, rounds: int) -> dict[str, Any]:
    """Sentences per second of plain sentence-transformers fp32 and of ``embedder``, alternating rounds."""
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(embedder.path), device="cpu", local_files_only=True)
    plain.encode(list(texts[:32]), normalize_embeddings=True, show_progress_bar=False)
    embedder.encode(list(texts[:32]))
    plain_s, ours_s = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        reference = plain.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        plain_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        ours = embedder.encode(list(texts))
        ours_s.append(time.perf_counter() - started)
    cosine = np.sum(np.asarray(reference, dtype=np.float32) * ours, axis=1)
    plain_rate = len(texts) / statistics.median(plain_s)
    ours_rate = len(texts) / statistics.median(ours_s)
    return {"encode_n": len(texts), "encode_plain_per_s": round(plain_rate, 1),
            "encode_claimdesk_per_s": round(ours_rate, 1), "encode_ratio": round(ours_rate / plain_rate, 2),
            "encode_cosine_min": round(float(cosine.min()), 4), "encode_cosine_mean": round(float(cosine.mean()), 4),
            "_vectors": ours}


def measure_quality(bench_dir: Path, embedders: dict[str, Any]) -> dict[str, Any]:
    """MAP@5 on the CLEF 2020 tweets dev set for each embedder: dense only, and the product's matcher."""
    from lab.bench import run_retrieval_benchmark

    folder = Path(bench_dir) / "clef2020-t2-en-tweets"
    out: dict[str, Any] = {"quality_set": "clef2020-t2-en-tweets dev (197 tweets, 10,375 fact-checks)"}
    shipped_verifier = REPO / "claims" / "weights" / "verifier.json"
    for label, embedder in embedders.items():
        runs = {"dense": {}, "product": {}}
        if embedder.name != getattr(embedder, "base_name", embedder.name) and shipped_verifier.exists():
            # The workspace loads the shipped verifier only for the exact model name it was fitted
            # on; this run shows what the backend's vectors give with it.
            runs["product_with_verifier"] = {"verifier": shipped_verifier}
        for run, extra in runs.items():
            result = run_retrieval_benchmark(folder / "vclaims.tsv", folder / "dev_queries.tsv",
                                             folder / "dev_qrels.tsv", embedder=embedder,
                                             method=run.split("_")[0], **extra)
            out[f"map5_{run}_{label}"] = round(float(result["map@5"]), 4)
    return out


# -- search ------------------------------------------------------------------------------------


class ArraySource:
    """A VectorSource over arrays in memory (ids 1..n), for the search benchmark."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def statement_stats(self) -> tuple[int, int]:
        return len(self.vectors), len(self.vectors)

    def count_statements_upto(self, max_id: int) -> int:
        return min(max_id, len(self.vectors))

    def statement_vectors(self, model: str, after_id: int = 0, batch: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(after_id, len(self.vectors), batch):
            chunk = self.vectors[start:start + batch]
            yield np.arange(start + 1, start + 1 + len(chunk), dtype=np.int64), chunk


def synthetic_vectors(anchors: np.ndarray, n: int, *, noise: float = 1.0, seed: int = 7) -> np.ndarray:
    """``n`` unit vectors near the real ones: a random anchor plus Gaussian noise of the anchors' covariance."""
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(np.cov(anchors.T) + 1e-6 * np.eye(anchors.shape[1])).astype(np.float32)
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        x = anchors[rng.integers(0, len(anchors), m)] + noise * (rng.standard_normal((m, anchors.shape[1]),
                                                                                     dtype=np.float32) @ chol.T)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start:start + m] = x
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each query's ``k`` nearest rows (ids 1..n, as :class:`ArraySource` numbers them) and their cosines,
    best first, by brute force in blocks (a million vectors never become one score matrix)."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(vectors), 131072):
        scores = queries @ vectors[start:start + 131072].T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if scores.shape[1] > k else np.tile(
            np.arange(scores.shape[1]), (len(queries), 1))
        s = np.take_along_axis(scores, top, axis=1)
        all_s = np.concatenate([best_s, s], axis=1)
        all_i = np.concatenate([best_i, top + start + 1], axis=1)
        keep = np.argsort(-all_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(all_s, keep, axis=1), np.take_along_axis(all_i, keep, axis=1)
    return best_i, best_s


def search_ladder(index: Any, queries: np.ndarray, exact: Sequence[np.ndarray]) -> dict[str, Any]:
    """Single queries (k = 10) against the product's ``index`` (a ``VectorIndex``), scored against
    ``exact`` (each query's true top 10 ids). A graph index is searched with rising ``ef_search``
    (:data:`EF_LADDER`) until recall@10 reaches :data:`RECALL_TARGET`; a flat one once. Returns the
    last ``ef`` tried (None for flat), the ladder [ef, recall, p50 ms], that ``recall`` and its ``times``."""

    def run(ef: int) -> tuple[float, list[float]]:
        index.ef_search = ef
        found, times = [], []
        for q in queries:
            t = time.perf_counter()
            hits = index.search(q, 10)[0]
            times.append(time.perf_counter() - t)
            found.append({i for i, _ in hits})
        recall = float(np.mean([len(f & set(np.asarray(e).tolist())) / 10 for f, e in zip(found, exact)]))
        return recall, times

    ef = None
    ladder = []
    if index.kind == "hnsw":
        for ef in EF_LADDER:
            recall, times = run(ef)
            ladder.append([ef, round(recall, 4), round(float(np.median(times)) * 1000, 3)])
            if recall >= RECALL_TARGET:
                break
    else:
        recall, times = run(index.ef_search)
    return {"ef": ef, "ladder": ladder, "recall": recall, "times": times}


def measure_search(anchors: np.ndarray, queries: np.ndarray, n: int, folder: Path, *,
                   hnsw_threshold: int | None = None) -> dict[str, Any]:
    """Build the product's index over ``n`` synthetic vectors and time single queries (k = 10).

    The index kind is the product's choice for ``n`` (``hnsw_threshold``: another threshold, for tests).
    """
    from index.vectors import VectorIndex

    vectors = synthetic_vectors(anchors, n)
    options = {} if hnsw_threshold is None else {"hnsw_threshold": hnsw_threshold}
    index = VectorIndex(folder, "synthetic", vectors.shape[1], **options)
    started = time.perf_counter()
    index.sync(ArraySource(vectors), save=False)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.save()
    save_s = time.perf_counter() - started
    exact = exact_top(vectors, queries, 10)[0]
    del vectors

    found = search_ladder(index, queries, exact)
    ef, ladder, recall, times = found["ef"], found["ladder"], found["recall"], found["times"]
    ms = np.array(times) * 1000
    return {"search_n": n, "search_kind": index.kind, "search_ef": ef, "search_ladder": ladder,
            "search_queries": len(queries),
            "search_p50_ms": round(float(np.percentile(ms, 50)), 3), "search_p99_ms": round(float(np.percentile(ms, 99)), 3),
            "search_recall_at_10": round(recall, 4), "search_build_s": round(build_s, 1),
            "index_save_s": round(save_s, 1), "index_mb": round(index.index_path.stat().st_size / 2**20, 1)}


# -- lexical: BM25 at archive scale ----------------------------------------------------------------


def _rss_mb() -> float:
    """This process's resident memory now (``VmRSS``), in MiB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def synthetic_statements(words: Sequence[str], n: int, *, seed: int = 5) -> list[str]:
    """``n`` short texts (8 to 30 words) drawn with the frequencies of ``words`` (a real text's tokens, repeats
    kept), one word in five replaced by one of 400,000 rare tokens (names, numbers), so the vocabulary is an
    archive's size (a few hundred thousand terms) rather than the sample's."""
    rng = np.random.default_rng(seed)
    vocabulary, counts = np.unique(np.asarray(words, dtype=object).astype(str), return_counts=True)
    cumulative = np.cumsum(counts / counts.sum())
    texts = []
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        lengths = rng.integers(8, 31, m)
        picks = np.minimum(np.searchsorted(cumulative, rng.random(int(lengths.sum()))), len(vocabulary) - 1)
        chosen = vocabulary[picks].astype(object)
        rare = rng.random(len(chosen)) < 1 / 5
        chosen[rare] = [f"x{v:x}" for v in rng.integers(0, 400_000, int(rare.sum())).tolist()]
        ends = np.cumsum(lengths)
        texts.extend(" ".join(chosen[e - k:e]) for e, k in zip(ends, lengths))
    return texts


def measure_lexical(words: Sequence[str], queries: Sequence[str], n: int, *, adds: int = 50) -> dict[str, Any]:
    """Build the product's BM25 index over ``n`` synthetic texts; time adding one text and one search (k = 100)."""
    import gc

    from index.lexical import LexicalIndex

    texts = synthetic_statements(words, n + adds)
    extra = texts[n:]
    del texts[n:]
    gc.collect()
    before = _rss_mb()
    started = time.perf_counter()
    lexical = LexicalIndex(np.arange(1, n + 1), texts)
    build_s = time.perf_counter() - started
    del texts
    gc.collect()
    grown = _rss_mb() - before
    for query in queries[:5]:  # warm-up
        lexical.search([query], 100)
    add_ms, query_ms = [], []
    for i, (text, query) in enumerate(zip(extra, queries)):
        started = time.perf_counter()
        lexical.add([n + 1 + i], [text])
        add_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        lexical.search([query], 100)
        query_ms.append((time.perf_counter() - started) * 1000)
    for query in queries[len(extra):]:
        started = time.perf_counter()
        lexical.search([query], 100)
        query_ms.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    lexical.remove([1])
    remove_ms = (time.perf_counter() - started) * 1000
    return {"lexical_n": n, "lexical_build_s": round(build_s, 1), "lexical_add_ms": round(statistics.median(add_ms), 3),
            "lexical_query_ms": round(statistics.median(query_ms), 2),
            "lexical_query_p99_ms": round(float(np.percentile(query_ms, 99)), 2),
            "lexical_remove_ms": round(remove_ms, 3), "lexical_queries": len(query_ms),
            "lexical_mb": round(grown, 1), "lexical_arrays_mb": round(lexical.memory_bytes() / 2**20, 1)}


# -- the workspace: import, ingest, click, export ------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` belongs to the process image, unlike ``ru_maxrss``,
    which Linux carries over from the parent across fork and exec."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


IMPORT_TIMEOUT_S = 3600.0


def _import_child(folder: str, backend: str, models_dir: str, archive: str) -> dict[str, Any]:
    """In a fresh process: import the archive file into the workspace in ``folder``; seconds and peak RSS."""
    from claims.settings import load_settings
    from claims.workspace import Workspace
    from index.embed import Embedder

    settings = load_settings({"data_dir": folder, "embed_backend": backend}, environ={})
    embedder = Embedder(settings.model_path, batch_size=settings.batch_size, backend=backend,
                        models_dir=Path(models_dir))
    ws = Workspace(settings, embedder=embedder)
    data = Path(archive).read_bytes()
    started = time.perf_counter()
    result = ws.import_statements(data, "archive.jsonl")
    seconds = time.perf_counter() - started
    ws.close()
    return {"seconds": seconds, "added": result.added, "peak_rss_mb": _peak_rss_mb()}


def measure_import(folder: Path, backend: str, models_dir: Path, data: bytes) -> dict[str, Any]:
    """``Workspace.import_statements`` in a child process: statements per second and its peak memory.

    The child is a plain ``python -c`` (not multiprocessing's spawn, which re-runs whatever module is
    ``__main__`` in the parent: under pytest after AppTest that is the Streamlit app), and the archive
    reaches it as a file.
    """
    archive = Path(folder).parent / f"{Path(folder).name}-archive.jsonl"
    archive.write_bytes(data)
    code = ("import json, sys; from lab.speed import _import_child; "
            "print(json.dumps(_import_child(*sys.argv[1:5])))")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder), backend, str(models_dir), str(archive)],
                              cwd=REPO, capture_output=True, text=True, timeout=IMPORT_TIMEOUT_S)
    finally:
        archive.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"the import process failed (exit {done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"import_n": result["added"], "import_per_s": round(result["added"] / result["seconds"], 1),
            "import_s": round(result["seconds"], 1), "peak_rss_mb": round(result["peak_rss_mb"], 1)}


def page_click(ws: Any, current: int, following: int, reviewer: str) -> dict[str, float]:
    """One verdict click as the Review page makes it, each read timed (ms): ``current`` gets a verdict,
    then every read the page makes for ``following``, the next claim, runs again (the verdict changed
    the revision, so every cached read misses). ``contradictions`` gets the cards ``match_claim``
    returned, as the page passes them. The click is the sum of the values."""
    steps: dict[str, float] = {}

    def timed(name: str, call: Any) -> Any:
        started = time.perf_counter()
        out = call()
        steps[name] = (time.perf_counter() - started) * 1000
        return out

    timed("label", lambda: ws.label(current, "disputed", reviewer))
    timed("filters", lambda: (ws.list_documents(), ws.claim_speakers()))
    queue = timed("review_queue", lambda: ws.review_queue(reviewer))
    if current in queue.unreviewed:
        raise AssertionError(f"claim {current} is still in {reviewer}'s queue after their verdict")
    claim = timed("visible_claim", lambda: ws.visible_claim(following, reviewer))
    found = timed("match_claim", lambda: ws.match_claim(following))
    timed("contradictions", lambda: ws.contradictions(following, found))
    timed("audit_trail", lambda: ws.audit_trail(following))
    timed("judgements", lambda: ws.judgements(following))
    timed("document_sentences", lambda: ws.document_sentences(claim.document_id))
    return steps


def measure_workspace(folder: Path, embedder: Any, sizes: SpeedSizes) -> dict[str, Any]:
    """Seed ingest (warm), verdict clicks and the export, in the workspace the import filled."""
    from claims.settings import load_settings
    from claims.workspace import DEMO_ARTICLE, Workspace, demo_bytes

    settings = load_settings({"data_dir": str(folder), "embed_backend": embedder.backend}, environ={})
    ws = Workspace(settings, embedder=embedder)
    try:
        article = demo_bytes(DEMO_ARTICLE).decode("utf-8")
        reviewer = "bench"
        if hasattr(ws, "has_users") and not ws.has_users():
            ws.add_user(reviewer, "admin", "bench-password-1234")
        ws.ingest_text(article, title="warm-up", allow_duplicate_text=True)  # loads detector, index, BM25
        ingest_s, claim_ids = [], []
        for i in range(sizes.ingests):
            started = time.perf_counter()
            result = ws.ingest_text(article, title=f"seed {i}", allow_duplicate_text=True)
            ingest_s.append(time.perf_counter() - started)
            claim_ids.extend(c.id for c in getattr(result, "claims", ()) or ())
        if not claim_ids:
            claim_ids = [c.id for c in ws.list_claims()]
        clicks = [sum(page_click(ws, current, following, reviewer).values()) / 1000
                  for current, following in zip(claim_ids, claim_ids[1:sizes.clicks + 1])]
        n_claims = len(ws.list_claims())
        started = time.perf_counter()
        ws.export(io.StringIO(), "csv", actor=reviewer)
        export_s = time.perf_counter() - started
        archive_n = ws.store.statements.statement_stats()[0]
    finally:
        ws.close()
    return {"seed_ingest_s": round(statistics.median(ingest_s), 3),
            "click_ms": round(statistics.median(clicks) * 1000, 1) if clicks else None,
            "click_archive_n": archive_n, "export_measured_n": n_claims, "export_measured_s": round(export_s, 3),
            "export_100k_s": None,
            "export_100k_from": "benchmarks/bench_export.py --claims 100000 (docs/BENCHMARKS.md)"}


# -- the app's first page ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _streamlit(folder: Path, backend: str, log: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    env.update(CLAIMDESK_DATA=str(folder), CLAIMDESK_EMBED_BACKEND=backend, HF_HUB_OFFLINE="1")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
               str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with open(log, "wb") as fp:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=fp, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def measure_first_page(folder: Path, backend: str) -> dict[str, Any]:
    """Seconds from the server's health answer to the sign-in form in headless Chromium (None without one)."""
    if not CHROMIUM.exists():
        return {"first_page_s": None, "first_page_note": f"{CHROMIUM} is absent"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"first_page_s": None, "first_page_note": "playwright is not installed"}
    with tempfile.TemporaryDirectory() as tmp, _streamlit(folder, backend, Path(tmp) / "streamlit.log") as base:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                return {"first_page_s": None, "first_page_note": "streamlit did not answer within 180 s"}
            time.sleep(0.05)
        healthy = time.perf_counter()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            launched = time.perf_counter()
            page = browser.new_page()
            page.goto(base)
            page.get_by_role("button", name="Create admin and sign in").or_(
                page.get_by_role("button", name="Sign in", exact=True)).first.wait_for(timeout=180_000)
            shown = time.perf_counter()
            browser.close()
    return {"first_page_s": round(shown - healthy, 2), "first_page_browser_start_s": round(launched - healthy, 2)}


# -- the whole run -----------------------------------------------------------------------------


def bench_speed(*, quick: bool = False, bench_dir: str | Path = REPO.parent / "shared" / "bench",
                backend: str | None = None, models_dir: str | Path | None = None,
                quality: bool | None = None, work_dir: str | Path | None = None, settings: Any = None,
                progress: Any = None) -> dict[str, Any]:
    """Run every measurement and return one flat dict (:data:`SPEED_KEYS` first).

    ``settings`` (default: from the environment) give the model, the backend (unless ``backend``)
    and the data folder whose ``models`` holds the ONNX export (unless ``models_dir``); the
    workspaces measured are temporary (in ``work_dir`` when given).
    """
    from claims.settings import load_settings
    from index.embed import Embedder

    sizes = QUICK if quick else FULL
    settings = settings or load_settings()
    backend = backend or settings.embed_backend
    models_dir = Path(models_dir) if models_dir else settings.data_dir / "models"
    say = progress or (lambda message: None)
    out: dict[str, Any] = {"mode": "quick" if quick else "full", "backend": backend, "cpus": os.cpu_count()}
    own_tmp = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="claimdesk-speed-")) if own_tmp else Path(work_dir)
    try:
        started = time.perf_counter()
        embedder = Embedder(settings.model_path, batch_size=settings.batch_size, backend=backend,
                            models_dir=models_dir)
        out["model_load_s"] = round(time.perf_counter() - started, 2)
        out["embedder"] = embedder.name
        say(f"encode: {sizes.encode_n} sentences, plain fp32 vs {embedder.name}")
        texts = bench_texts(Path(bench_dir), sizes.encode_n + 200)
        encoded = measure_encode(texts[:sizes.encode_n], embedder, sizes.encode_rounds)
        vectors = encoded.pop("_vectors")
        out.update(encoded)
        if quality if quality is not None else sizes.quality:
            say("quality: MAP@5 on the CLEF 2020 tweets dev set, torch fp32 vs " + embedder.name)
            torch_embedder = Embedder(settings.model_path, batch_size=settings.batch_size)
            out.update(measure_quality(Path(bench_dir), {"torch": torch_embedder, "claimdesk": embedder}))
        say("import: CLEF 2021 debates fact-checks through Workspace.import_statements (child process)")
        workspace_dir = work / "workspace"
        workspace_dir.mkdir(parents=True, exist_ok=True)
        # The app started on this workspace finds the export made above instead of making its own.
        (workspace_dir / "models").symlink_to(models_dir.absolute(), target_is_directory=True)
        out.update(measure_import(workspace_dir, backend, models_dir, archive_jsonl(Path(bench_dir), sizes.import_n)))
        say("workspace: seed ingest, clicks, export")
        out.update(measure_workspace(workspace_dir, embedder, sizes))
        say("first page: streamlit + headless Chromium")
        out.update(measure_first_page(workspace_dir, backend))
        say(f"search: {sizes.search_n:,} synthetic vectors")
        queries = bench_texts(Path(bench_dir), sizes.encode_n + sizes.search_queries)[sizes.encode_n:]
        out.update(measure_search(vectors, embedder.encode(queries), sizes.search_n, work / "search-index"))
        out["search_data"] = ("synthetic: real MiniLM vectors of fact-checks plus Gaussian noise of their "
                              "covariance, renormalised; queries are real vectors of other texts")
        say(f"lexical: BM25 over {sizes.lexical_n:,} synthetic short texts, one add and one search")
        words = " ".join(bench_texts(Path(bench_dir), sizes.encode_n + 200)).split()
        out.update(measure_lexical(words, queries, sizes.lexical_n))
    finally:
        if own_tmp:
            shutil.rmtree(work, ignore_errors=True)
    first = {key: out.get(key) for key in SPEED_KEYS}
    return {**first, **{k: v for k, v in out.items() if k not in first}}
