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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from claims import contradict  # noqa: E402

ARTICLES = REPO.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims_article_text.jsonl.gz"
LABELS = REPO / "benchmarks" / "data" / "contradiction_labels.tsv"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="PolitiFact articles drawn (default 200)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the 'before' rule")
    parser.add_argument("--cache", type=Path, help="pickle of the extraction, outside the repository")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not every hint")
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
    if not args.quiet:
        print("\n\n".join(shown))
    summary = {f"{rule} {split}": score.as_row() for (rule, split), score in sorted(totals.items())}
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
