"""Contradiction hints inside a document, scored against labelled denials, before and after, dev and held-out.

What is measured is what the product shows: the product's own extraction (``Workspace.extract_file``:
segmenter, trained detector, speakers), the claims' embeddings (what an ingest stores) and
``claims.contradict.denials_in_document``, the rule behind ``Workspace.document_contradictions``
(``claimdesk claims --json`` and the Review page). The *before* column is the same function as it was
at ``--baseline`` (a git revision, read with ``git show``), run in the same process on the same sentences.

The documents: the seed article (``claims/demo/article.txt``, reported on its own: the rule was written
against it) and ``--n`` PolitiFact articles drawn with ``random.Random(--seed)`` from
``../shared/bench/clef2021-t2b-en-debates/vclaims_article_text.jsonl.gz``, split by the SHA-1 of the
article id (even: dev, odd: held-out), a rule fixed before any result was seen. Choices were made on dev;
held-out is only reported.

The labels (``benchmarks/data/contradiction_labels.tsv``; guideline in docs/ANNOTATION.md) cover every
sentence that any cue the rule has used could call a denial: is it a denial of something asserted in
the same document, and which sentences are what it denies (offsets and a SHA-1 prefix of each, no
text). A hint is right when its denial is a denial and its other side is one of those targets.

The claim-vs-statement kinds (``claims.contradict.statement_hints``, what ``Workspace.contradictions``
adds on the Review page: a flipped negation, opposite numbers, opposite verdicts) need an archive
matched claim by claim. The seed article is ingested, as a new user ingests it, into a throw-away
workspace holding the demo archive, and ``Workspace.contradictions`` is asked for each of its claims.
Each PolitiFact article's claims (the same extraction) are matched by ``Workspace.rank`` (the one
matcher, with each claim's speaker and stored vector) against the CLEF 2021 2B fact-checks
(``vclaims.tsv``, ~19k) imported through the product by ``lab.bench.open_archive`` (the workspace
``claimdesk bench retrieval`` and ``bench tiers`` use, kept under ``.claimdesk/bench-workspaces``),
and ``statement_hints`` reads the cards as ``Workspace.contradictions`` reads them. The article's own
fact-check stays in the archive (a fact-checker ingesting a story meets the checks of what it
quotes); hints on it are counted apart (``own``). The same rule between two claims of one document
(:func:`document_number_pairs`, every pair of claims with its stored vectors' cosine) is scored the
same way; it is measured here only, not shipped (its precision did not hold). Each hint is judged against
``benchmarks/data/contradiction_statement_labels.tsv`` (guideline in its header); an unlabelled hint
counts as wrong. ``--sweep`` prints the opposite-numbers thresholds' grid on dev (how they were chosen).

    .venv/bin/python benchmarks/bench_contradictions.py --cache /tmp/contra-cache.pkl > hints.txt
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.util
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from claims import contradict  # noqa: E402

ARTICLES = REPO.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims_article_text.jsonl.gz"
VCLAIMS = ARTICLES.parent / "vclaims.tsv"
LABELS = REPO / "benchmarks" / "data" / "contradiction_labels.tsv"
PAIR_LABELS = REPO / "benchmarks" / "data" / "contradiction_statement_labels.tsv"
PAIR_COLUMNS = ("article_id", "split", "start", "end", "sha1", "kind", "other", "other_sha1", "right", "note")
DOCUMENT_NUMBERS = "opposite_numbers_in_document"
"""The kind under which opposite numbers between two claims of one document are scored."""
KINDS = ("negation", "opposite_numbers", "opposite_verdicts", DOCUMENT_NUMBERS)
SWEEP_SHARED = (0.3, 0.4, 0.5, 0.6)
SWEEP_COSINE = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
BASELINE = "7fab0177d249668b4b5af60c8bb49cba1c5cfb35"  # the rule before targets were linked by content
SEED_ID = "seed"


def split_of(article_id: str) -> str:
    """``dev`` or ``held-out``, by the parity of the SHA-1 of the article id (the seed article is its own)."""
    if article_id == SEED_ID:
        return "seed"
    return "dev" if int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def text_digest(text: str) -> str:
    """The first 12 hex digits of the SHA-1 of a sentence: enough to check that offsets still hold."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class DenialLabel:
    """One labelled sentence: whether it denies something asserted in its document, and what."""

    is_denial: bool
    targets: frozenset[tuple[int, int]]


Span = tuple[int, int]
Labels = dict[tuple[str, Span], DenialLabel]


def read_labels(path: Path) -> tuple[Labels, dict[tuple[str, Span], str]]:
    """The labels by (article id, (start, end)) and the digest each span must have."""
    labels: Labels = {}
    digests: dict[tuple[str, Span], str] = {}
    with path.open(encoding="utf-8", newline="") as fp:
        rows = csv.DictReader((line for line in fp if not line.startswith("#")), delimiter="\t")
        for row in rows:
            key = (row["article_id"], (int(row["start"]), int(row["end"])))
            if key in labels:
                raise ValueError(f"{path}: {key} is labelled twice")
            targets = set()
            for item in filter(None, row["targets"].split(";")):
                span, digest = item.split(":")
                start, end = (int(x) for x in span.split("-"))
                targets.add((start, end))
                digests[(row["article_id"], (start, end))] = digest
            labels[key] = DenialLabel(row["denial"] == "yes", frozenset(targets))
            digests[key] = row["sha1"]
    return labels, digests


@dataclass
class Score:
    """Hints of one rule on one split, judged against the labels."""

    documents: int = 0
    claims: int = 0
    hints: int = 0
    right: int = 0
    unlabelled: int = 0
    denials: int = 0
    """labelled denials whose target is a claim of the document: what a perfect rule would hint"""
    found: int = 0
    """of those, how many got a hint pointing at one of their targets"""

    def add(self, other: Score) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_row(self) -> dict[str, object]:
        wrong = self.hints - self.right
        return {"documents": self.documents, "claims": self.claims, "hints": self.hints, "right": self.right,
                "precision": round(self.right / self.hints, 3) if self.hints else None,
                "false_per_100_claims": round(100 * wrong / self.claims, 3) if self.claims else None,
                "recall": round(self.found / self.denials, 3) if self.denials else None,
                "unlabelled": self.unlabelled}


def score_document(article_id: str, spans: Sequence[Span], is_claim: Sequence[bool],
                   pairs: Iterable[tuple[int, int]], labels: Mapping[tuple[str, Span], DenialLabel]) -> Score:
    """Judge one document's hint pairs ``(denial index, other index)`` against ``labels``.

    A hint is right when its denial sentence is labelled a denial and its other side is one of the
    targets; a hint on an unlabelled sentence counts as wrong and is counted in ``unlabelled`` too.
    """
    score = Score(documents=1, claims=sum(is_claim))
    claim_spans = {spans[i] for i, c in enumerate(is_claim) if c}
    hinted: dict[int, set[Span]] = {}
    for d, a in pairs:
        score.hints += 1
        label = labels.get((article_id, spans[d]))
        if label is None:
            score.unlabelled += 1
        elif label.is_denial and spans[a] in label.targets:
            score.right += 1
        hinted.setdefault(d, set()).add(spans[a])
    for (doc, span), label in labels.items():
        if doc != article_id or not label.is_denial or not (label.targets & claim_spans):
            continue
        score.denials += 1
        d = spans.index(span) if span in spans else None
        if d is not None and hinted.get(d, set()) & label.targets:
            score.found += 1
    return score


def hint_pairs(hints: Mapping[int, Sequence[contradict.Hint]]) -> set[tuple[int, int]]:
    """The distinct (denial, other) index pairs of a document's denial hints. The side a hint is on
    reads from its reason, in every version of the rule: the denied claim's hint says "denied as …",
    the denial's says "this denies it …" (a pair is on both claims when the denial is a claim too)."""
    pairs = set()
    for i, hs in hints.items():
        for h in hs:
            if h.kind == "denial" and h.other_claim_id is not None:
                pairs.add((h.other_claim_id, i) if h.reason.startswith("denied") else (i, h.other_claim_id))
    return pairs


def load_baseline(revision: str) -> Callable[..., dict[int, list[contradict.Hint]]]:
    """``denials_in_document`` as it was at ``revision`` (read with ``git show``, imported from a temp file)."""
    source = subprocess.run(["git", "show", f"{revision}:claims/contradict.py"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "contradict_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("contradict_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.denials_in_document


def documents(n: int, seed: int) -> list[tuple[str, str]]:
    """The seed article and ``n`` PolitiFact articles, as (id, text)."""
    from claims.workspace import demo_bytes

    with gzip.open(ARTICLES, "rt", encoding="utf-8") as fp:
        articles = [json.loads(line) for line in fp]
    sample = random.Random(seed).sample(articles, n)
    return [(SEED_ID, demo_bytes("article.txt").decode("utf-8"))] + [(a["vclaim_id"], a["text"]) for a in sample]


def extract_all(docs: Sequence[tuple[str, str]], cache: Path | None) -> list[dict]:
    """Each document's sentences (start, end, text, speaker, is_claim) and its claims' vectors, by the
    product's extraction and model; kept in ``cache`` (a pickle outside the repository) when given."""
    if cache is not None and cache.exists():
        with cache.open("rb") as fp:
            stored = pickle.load(fp)
        if [d["id"] for d in stored] == [doc_id for doc_id, _ in docs]:
            return stored
    from claims.settings import load_settings
    from claims.workspace import Workspace

    ws = Workspace(load_settings({"data_dir": "/nonexistent-no-database"}, environ={}))
    out = []
    for doc_id, text in docs:
        sentences, _ = ws.extract_file(text.encode("utf-8"), f"{doc_id}.txt")
        claims = [i for i, s in enumerate(sentences) if s.is_claim]
        vectors = ws.embedder.encode([sentences[i].text for i in claims])
        out.append({"id": doc_id,
                    "sentences": [(s.start, s.end, s.text, s.speaker, s.is_claim) for s in sentences],
                    "vectors": {i: vectors[k] for k, i in enumerate(claims)}})
    if cache is not None:
        with cache.open("wb") as fp:
            pickle.dump(out, fp)
    return out


# -- the claim-vs-statement kinds, against an archive -------------------------------------------------


@dataclass(frozen=True)
class PairHint:
    """One hint between a claim and the other side (an earlier statement, or a claim of the same
    document), keyed as the labels key it: the claim's offsets, the kind and the other side's name
    (``demo:<row>`` of the demo archive, a PolitiFact ``vclaim_id``, or ``start-end`` in the document)."""

    article_id: str
    start: int
    end: int
    claim: str
    kind: str
    other: str
    other_text: str
    reason: str
    cosine: float | None
    own: bool = False
    """the other side is the article's own fact-check"""

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        return (self.article_id, self.start, self.end, self.kind, self.other)


PairLabels = dict[tuple[str, int, int, str, str], bool]


def read_pair_labels(path: Path) -> tuple[PairLabels, dict[tuple[str, int, int, str, str], tuple[str, str]]]:
    """The hint labels by key, and the digests of the claim and the other side each key must have."""
    labels: PairLabels = {}
    digests = {}
    if not path.exists():
        return labels, digests
    with path.open(encoding="utf-8", newline="") as fp:
        for row in csv.DictReader((line for line in fp if not line.startswith("#")), delimiter="\t"):
            key = (row["article_id"], int(row["start"]), int(row["end"]), row["kind"], row["other"])
            if key in labels:
                raise ValueError(f"{path}: {key} is labelled twice")
            if row["right"] not in ("yes", "no"):
                raise ValueError(f"{path}: {key}: right must be yes or no, not {row['right']!r}")
            labels[key] = row["right"] == "yes"
            digests[key] = (row["sha1"], row["other_sha1"])
    return labels, digests


@dataclass
class PairScore:
    """Hints of one kind on one split, judged against the labels."""

    claims: int = 0
    hints: int = 0
    right: int = 0
    unlabelled: int = 0
    own: int = 0

    def as_row(self) -> dict[str, object]:
        per_100 = 100 / self.claims if self.claims else None
        return {"claims": self.claims, "hints": self.hints, "right": self.right,
                "precision": round(self.right / self.hints, 3) if self.hints else None,
                "hints_per_100_claims": round(per_100 * self.hints, 3) if per_100 else None,
                "false_per_100_claims": round(per_100 * (self.hints - self.right), 3) if per_100 else None,
                "unlabelled": self.unlabelled, "on_own_fact_check": self.own}


def judge_pairs(hints: Iterable[PairHint], labels: PairLabels) -> tuple[int, int, int]:
    """(hints, right, unlabelled): a hint is right when its label says so; an unlabelled one is wrong."""
    n = right = unlabelled = 0
    for hint in hints:
        n += 1
        label = labels.get(hint.key)
        if label is None:
            unlabelled += 1
        right += bool(label)
    return n, right, unlabelled


def _as_match(candidate):
    """A card as ``Workspace._as_match`` makes it from the matcher's candidate."""
    from claims.models import Match, Tier

    return Match(candidate.statement, candidate.cosine, Tier(candidate.tier), score=candidate.score,
                 probability=candidate.probability, reason=candidate.reason or None)


def demo_names() -> dict[str, str]:
    """The demo archive's statements: text (spaces normalised) -> ``demo:<row>`` (1-based data row)."""
    from claims.workspace import DEMO_ARCHIVE, demo_bytes

    reader = csv.DictReader(demo_bytes(DEMO_ARCHIVE).decode("utf-8").splitlines())
    return {" ".join(r["text"].split()): f"demo:{row}" for row, r in enumerate(reader, 1)}


def seed_pair_hints(embedder) -> tuple[list[PairHint], int]:
    """The seed article's hints of every kind but the denial, and its number of claims, from the
    product itself: the demo archive loaded and the seed article ingested into a throw-away workspace,
    ``Workspace.contradictions`` asked for each claim."""
    from claims.settings import load_settings
    from claims.workspace import Workspace

    names = demo_names()
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(load_settings({"db_url": f"sqlite:///{folder}/seed.db", "index_dir": f"{folder}/index"},
                                     environ={}), embedder=embedder)
        try:
            ws.load_demo_archive()
            document = ws.ingest_demo_article()[0].document
            sentences = ws.document_sentences(document.id)
            claims = [s for s in sentences if s.is_claim]
            found = []
            for claim in claims:
                cards = {m.statement.id: m.similarity for m in ws.match_claim(claim.id)}
                for hint in ws.contradictions(claim.id):
                    if hint.other_statement_id is None:
                        continue  # a denial inside the document: scored by the first part
                    found.append(PairHint(SEED_ID, claim.start, claim.end, claim.text, hint.kind,
                                          names.get(" ".join(hint.other_text.split()),
                                                    f"statement:{hint.other_statement_id}"),
                                          hint.other_text, hint.reason, cards.get(hint.other_statement_id)))
            rows = [(s.start, s.end, s.text, s.speaker, s.is_claim) for s in sentences]
            stored = dict(zip([s.id for s in claims], embedder.encode([s.text for s in claims]))) if claims else {}
            vectors = {i: stored[s.id] for i, s in enumerate(sentences) if s.id in stored}
            found += document_number_pairs(SEED_ID, rows, vectors)
        finally:
            ws.close()
    return found, len(claims)


def archive_pair_hints(extracted: Sequence[dict], embedder, *, min_shared: float | None = None,
                       min_cosine: float | None = None, cards: dict | None = None) -> list[PairHint]:
    """The PolitiFact articles' hints against the CLEF 2021 2B archive (and between their own claims).

    ``cards`` (filled on the first call, passed back for later ones) keeps each claim's cards, so a
    sweep over the opposite-numbers thresholds ranks once."""
    from claims.contradict import NUMBERS_MIN_COSINE, NUMBERS_MIN_SHARED, statement_hints
    from index.match import MatchQuery
    from lab.bench import collection_name, open_archive, read_vclaims

    shared = NUMBERS_MIN_SHARED if min_shared is None else min_shared
    cosine = NUMBERS_MIN_COSINE if min_cosine is None else min_cosine
    cards = {} if cards is None else cards
    if not cards:
        archive = open_archive(read_vclaims(VCLAIMS), embedder=embedder, name=collection_name(VCLAIMS))
        try:
            ws = archive.workspace
            cards["related"] = ws.settings.related_threshold
            cards["own"] = {doc["id"]: archive.statement_of.get(doc["id"]) for doc in extracted}
            for doc in extracted:
                claims = [i for i, s in enumerate(doc["sentences"]) if s[4]]
                if not claims:
                    continue
                queries = [MatchQuery(doc["sentences"][i][2], speaker=doc["sentences"][i][3]) for i in claims]
                vectors = np.stack([doc["vectors"][i] for i in claims])
                found = ws.rank(queries, vectors=vectors)
                for i, candidates in zip(claims, found):
                    cards[(doc["id"], i)] = [(_as_match(c), archive.vclaim_of.get(c.statement.id,
                                                                                 f"statement:{c.statement.id}"))
                                             for c in candidates]
        finally:
            archive.workspace.close()
    out = []
    for doc in extracted:
        if doc["id"] == SEED_ID:
            continue
        sentences = doc["sentences"]
        for i, s in enumerate(sentences):
            if not s[4]:
                continue
            shown = cards.get((doc["id"], i), [])
            name_of = {m.statement.id: name for m, name in shown}
            cosine_of = {m.statement.id: m.similarity for m, _ in shown}
            for hint in statement_hints(s[2], [m for m, _ in shown], related_threshold=cards["related"],
                                        min_shared=shared, min_cosine=cosine,
                                        kinds=("negation", "opposite_numbers", "opposite_verdicts")):
                name = name_of[hint.other_statement_id]
                out.append(PairHint(doc["id"], s[0], s[1], s[2], hint.kind, name, hint.other_text, hint.reason,
                                    cosine_of[hint.other_statement_id],
                                    own=hint.other_statement_id == cards["own"].get(doc["id"])))
        out += document_number_pairs(doc["id"], sentences, doc["vectors"], min_shared=shared, min_cosine=cosine)
    return out


def document_number_pairs(article_id: str, sentences: Sequence[tuple], vectors: Mapping[int, np.ndarray], *,
                          min_shared: float | None = None, min_cosine: float | None = None) -> list[PairHint]:
    """Opposite numbers between two claims of one document (``sentences``: start, end, text, speaker,
    is_claim; ``vectors`` by sentence index): ``claims.contradict.opposite_numbers`` on every pair of
    claims, with the cosine of their vectors, each pair once (from its first claim)."""
    from claims.contradict import NUMBERS_MIN_COSINE, NUMBERS_MIN_SHARED, opposite_numbers, quantities

    shared = NUMBERS_MIN_SHARED if min_shared is None else min_shared
    least = NUMBERS_MIN_COSINE if min_cosine is None else min_cosine
    claims = [i for i, s in enumerate(sentences) if s[4] and quantities(s[2])]
    out = []
    for k, i in enumerate(claims):
        for j in claims[k + 1:]:
            cosine = None
            if i in vectors and j in vectors:
                a, b = vectors[i], vectors[j]
                cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
            why = opposite_numbers(sentences[i][2], sentences[j][2], cosine=cosine, min_shared=shared,
                                   min_cosine=least)
            if why is not None:
                out.append(PairHint(article_id, sentences[i][0], sentences[i][1], sentences[i][2], DOCUMENT_NUMBERS,
                                    f"{sentences[j][0]}-{sentences[j][1]}", sentences[j][2], why, cosine))
    return out


def check_pair_digests(hints: Iterable[PairHint], digests: Mapping) -> None:
    """Stop when a labelled hint's claim or other side no longer reads as it did when it was labelled."""
    for hint in hints:
        want = digests.get(hint.key)
        if want is not None and want != (text_digest(hint.claim), text_digest(hint.other_text)):
            raise SystemExit(f"{hint.key}: the texts no longer match the label's digests")


def score_pairs(hints: Sequence[PairHint], claims: Mapping[str, int], labels: PairLabels) -> dict[str, dict]:
    """Per kind and split: claims, hints, right, precision, hints and false hints per 100 claims."""
    rows = {}
    for kind in KINDS:
        for split, n_claims in claims.items():
            mine = [h for h in hints if h.kind == kind and split_of(h.article_id) == split]
            n, right, unlabelled = judge_pairs(mine, labels)
            score = PairScore(n_claims, n, right, unlabelled, sum(h.own for h in mine))
            rows[f"{kind} {split}"] = score.as_row()
    return rows


def sweep(extracted: Sequence[dict], embedder, labels: PairLabels, claims: int, cards: dict) -> list[dict]:
    """The opposite-numbers hints (against the archive and in documents) on dev over a grid of thresholds."""
    out = []
    dev = [d for d in extracted if split_of(d["id"]) == "dev"]
    for shared in SWEEP_SHARED:
        for cosine in SWEEP_COSINE:
            hints = [h for h in archive_pair_hints(dev, embedder, min_shared=shared, min_cosine=cosine, cards=cards)
                     if h.kind in ("opposite_numbers", DOCUMENT_NUMBERS)]
            n, right, unlabelled = judge_pairs(hints, labels)
            out.append({"min_shared": shared, "min_cosine": cosine, "hints": n, "right": right,
                        "unlabelled": unlabelled, "precision": round(right / n, 3) if n else None,
                        "false_per_100_claims": round(100 * (n - right) / claims, 3)})
    return out


def write_todo(hints: Sequence[PairHint], labels: PairLabels, path: Path) -> int:
    """Write the hints that have no label yet, in the labels' columns (``right`` empty), to ``path``."""
    todo = [h for h in hints if h.key not in labels]
    with path.open("w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, delimiter="\t", lineterminator="\n")
        writer.writerow(PAIR_COLUMNS + ("claim", "other_text", "reason", "cosine"))
        for h in sorted(set(todo), key=lambda h: h.key):
            writer.writerow([h.article_id, split_of(h.article_id), h.start, h.end, text_digest(h.claim), h.kind,
                             h.other, text_digest(h.other_text), "", "", h.claim, h.other_text, h.reason,
                             "" if h.cosine is None else round(h.cosine, 3)])
    return len(set(todo))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="PolitiFact articles drawn (default 200)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the 'before' rule")
    parser.add_argument("--cache", type=Path, help="pickle of the extraction, outside the repository")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not every hint")
    parser.add_argument("--pair-labels", type=Path, default=PAIR_LABELS)
    parser.add_argument("--denials-only", action="store_true",
                        help="skip the claim-vs-statement kinds (no archive is imported or matched)")
    parser.add_argument("--sweep", action="store_true", help="print the opposite-numbers threshold grid on dev")
    parser.add_argument("--todo", type=Path, help="write the hints without a label (at the loosest grid point) here")
    args = parser.parse_args()

    labels, digests = read_labels(args.labels)
    before = load_baseline(args.baseline)
    started = time.perf_counter()
    extracted = extract_all(documents(args.n, args.seed), args.cache)
    totals: dict[tuple[str, str], Score] = {}
    shown = []
    for doc in extracted:
        doc_id, sentences = doc["id"], doc["sentences"]
        spans = [(s[0], s[1]) for s in sentences]
        for span, sentence in zip(spans, sentences):
            want = digests.get((doc_id, span))
            if want is not None and want != text_digest(sentence[2]):
                raise SystemExit(f"{doc_id} {span}: the sentence no longer matches its label's digest")
        rows = [(i, s[2], s[3], s[4]) for i, s in enumerate(sentences)]
        is_claim = [s[4] for s in sentences]
        vectors = {i: v for i, v in doc["vectors"].items()}
        for rule, hints in (("before", before(rows)), ("after", contradict.denials_in_document(rows, vectors))):
            pairs = hint_pairs(hints)
            score = score_document(doc_id, spans, is_claim, pairs, labels)
            totals.setdefault((rule, split_of(doc_id)), Score()).add(score)
            for d, a in sorted(pairs):
                label = labels.get((doc_id, spans[d]))
                verdict = ("UNLABELLED" if label is None else
                           "right" if label.is_denial and spans[a] in label.targets else "wrong")
                shown.append(f"[{rule} {split_of(doc_id)} {doc_id}] {verdict}\n   denial: {rows[d][1]}\n"
                             f"   other:  {rows[a][1]}")
    summary: dict[str, object] = {f"{rule} {split}": score.as_row() for (rule, split), score in sorted(totals.items())}
    if not args.denials_only:
        summary.update(run_pairs(extracted, args, shown))
    if not args.quiet:
        print("\n\n".join(shown))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, indent=1))


def run_pairs(extracted: Sequence[dict], args: argparse.Namespace, shown: list[str]) -> dict[str, object]:
    """The claim-vs-statement kinds (and opposite numbers inside a document): scored, and swept or
    written out for labelling when asked; each hint is appended to ``shown``."""
    from claims.settings import load_settings
    from claims.workspace import Workspace

    embedder = Workspace(load_settings({"data_dir": "/nonexistent-no-database"}, environ={})).embedder
    labels, digests = read_pair_labels(args.pair_labels)
    seed_hints, seed_claims = seed_pair_hints(embedder)
    cards: dict = {}
    hints = seed_hints + archive_pair_hints(extracted, embedder, cards=cards)
    check_pair_digests(hints, digests)
    claims = {"seed": seed_claims}
    for doc in extracted:
        if doc["id"] != SEED_ID:
            split = split_of(doc["id"])
            claims[split] = claims.get(split, 0) + sum(s[4] for s in doc["sentences"])
    for h in hints:
        label = labels.get(h.key)
        verdict = "UNLABELLED" if label is None else "right" if label else "wrong"
        cosine = "" if h.cosine is None else f" cos {h.cosine:.3f}"
        shown.append(f"[{h.kind} {split_of(h.article_id)} {h.article_id}{' own' if h.own else ''}] {verdict}"
                     f"{cosine}: {h.reason}\n   claim: {h.claim}\n   other: {h.other_text}")
    out: dict[str, object] = {"pairs": score_pairs(hints, claims, labels)}
    if args.todo:
        loose = seed_hints + archive_pair_hints(extracted, embedder, min_shared=min(SWEEP_SHARED),
                                                min_cosine=min(SWEEP_COSINE), cards=cards)
        check_pair_digests(loose, digests)
        out["todo"] = write_todo(hints + loose, labels, args.todo)
    if args.sweep:
        out["sweep_dev"] = sweep(extracted, embedder, labels, claims.get("dev", 0), cards)
    return out


if __name__ == "__main__":
    main()
