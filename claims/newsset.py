"""A news-domain check-worthiness set: sentences of PolitiFact articles, labelled by the project.

The crowd-labelled check-worthiness data (ClaimBuster / CheckThat!) is debate speech. News prose
reports events and attributes them ("…, a US official said"), which debate speech rarely does,
and a detector trained on debates alone under-flags it. This module holds the two halves of a
small in-domain set that fixes that without copying research data into the repository:

* :func:`sample_sentences` draws sentences (deterministically, by seed) from the PolitiFact article
  texts of the CLEF 2021 debates data set, for annotation;
* the labels live in the repository as offsets into those articles plus a digest of the sentence
  text and the label (:data:`LABELS_FILE`, format in :func:`read_labels`); :func:`build_set`
  reads them against the article texts in ``../shared`` and writes the labelled sentences as
  check-worthiness files (``Sentence_id<TAB>Text<TAB>class_label``), one for training and one for
  evaluation, split by article so that no article is in both.

The annotation guideline is ``docs/ANNOTATION.md``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claims.errors import BadRecordError, EmptyInputError, InputError, MissingColumnError
from claims.segment import segment

__all__ = [
    "LABELS_FILE",
    "NewsSentence",
    "read_articles",
    "split_of",
    "text_digest",
    "sample_sentences",
    "write_sample",
    "read_labels",
    "labelled_articles",
    "build_set",
]

LABELS_FILE = Path(__file__).resolve().parent / "weights" / "news_labels.tsv"
LABEL_COLUMNS = ("article_id", "start", "end", "sha1", "label")
DEV_SHARE = 4            # one article in four (by digest of its id) is held out for evaluation
MIN_WORDS = 4
MAX_CHARS = 400


@dataclass(frozen=True)
class NewsSentence:
    """A sentence of an article: where it is, its text and, once labelled, its label."""

    article_id: str
    start: int
    end: int
    text: str
    label: bool | None = None

    @property
    def sentence_id(self) -> str:
        return f"{self.article_id}:{self.start}"

    @property
    def split(self) -> str:
        return split_of(self.article_id)


def split_of(article_id: str) -> str:
    """``"dev"`` for one article in :data:`DEV_SHARE` (fixed by a digest of the id), else ``"train"``."""
    return "dev" if int(hashlib.sha1(article_id.encode("utf-8")).hexdigest(), 16) % DEV_SHARE == 0 else "train"


def text_digest(text: str) -> str:
    """The first 12 hex digits of the SHA-1 of a sentence: enough to notice a changed text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def read_articles(path: str | Path) -> dict[str, str]:
    """Article texts by id from ``vclaims_article_text.jsonl[.gz]`` (``{"vclaim_id", "text"}`` per line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", source=str(path))
    opener = gzip.open if path.suffix == ".gz" else open
    articles: dict[str, str] = {}
    with opener(path, "rt", encoding="utf-8") as fp:
        for line_no, line in enumerate(fp, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                articles[str(record["vclaim_id"])] = str(record["text"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise BadRecordError(f"not an article record ({exc})", source=str(path), line=line_no) from None
    if not articles:
        raise EmptyInputError("no articles", source=str(path))
    return articles


def sample_sentences(articles: Mapping[str, str], *, n_articles: int, per_article: int,
                     seed: int, exclude: Iterable[str] = ()) -> list[NewsSentence]:
    """Up to ``per_article`` sentences from each of ``n_articles`` articles drawn with ``seed``.

    Articles in ``exclude`` (ids, e.g. those of an earlier round of labels) are not drawn.

    Sentences come from the product's own splitter (:func:`claims.segment.segment`), so the
    set is labelled in the units the product scores; fragments under four words and run-ons
    over 400 characters are left out. The draw is deterministic for a given collection and seed.
    """
    rng = random.Random(seed)
    skip = set(exclude)
    pool_ids = sorted(a for a in articles if a not in skip)
    chosen = rng.sample(pool_ids, min(n_articles, len(pool_ids)))
    out: list[NewsSentence] = []
    for article_id in chosen:
        text = articles[article_id]
        pool = [s for s in segment(text)
                if len(s.text.split()) >= MIN_WORDS and len(s.text) <= MAX_CHARS]
        picked = sorted(rng.sample(range(len(pool)), min(per_article, len(pool))))
        out.extend(NewsSentence(article_id, pool[i].start, pool[i].end, pool[i].text) for i in picked)
    return out


def write_sample(sentences: Iterable[NewsSentence], path: str | Path) -> int:
    """Write sentences for annotation: the label columns with ``label`` empty, plus the text."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, delimiter="\t", lineterminator="\n")
        writer.writerow((*LABEL_COLUMNS, "text"))
        for s in sentences:
            writer.writerow((s.article_id, s.start, s.end, text_digest(s.text), "", " ".join(s.text.split())))
            rows += 1
    return rows


def read_labels(path: str | Path, articles: Mapping[str, str]) -> list[NewsSentence]:
    """The labelled sentences of a labels file, their text taken from ``articles``.

    The file is tab-separated with a header ``article_id start end sha1 label`` (``label`` is
    ``Yes`` or ``No``; further columns are ignored). A row whose article is missing, whose offsets
    fall outside it or whose text no longer has the recorded digest is an error naming the line:
    the set is only meaningful over the exact texts it was labelled on.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", source=str(path))
    with open(path, encoding="utf-8", newline="") as fp:
        reader = csv.reader(fp, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise EmptyInputError("the file is empty", source=str(path))
        missing = [c for c in LABEL_COLUMNS if c not in header]
        if missing:
            raise MissingColumnError(f"missing column(s) {', '.join(missing)}", source=str(path), line=1)
        at = {c: header.index(c) for c in LABEL_COLUMNS}
        out: list[NewsSentence] = []
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < len(header):
                raise BadRecordError(f"expected {len(header)} fields, found {len(record)}", source=str(path), line=line)
            article_id = record[at["article_id"]]
            if article_id not in articles:
                raise BadRecordError(f"article {article_id!r} is not in the article texts", source=str(path), line=line)
            try:
                start, end = int(record[at["start"]]), int(record[at["end"]])
            except ValueError:
                raise BadRecordError("start and end must be integers", source=str(path), line=line) from None
            body = articles[article_id]
            if not 0 <= start < end <= len(body):
                raise BadRecordError(f"offsets {start}:{end} fall outside article {article_id}",
                                     source=str(path), line=line)
            text = body[start:end]
            if text_digest(text) != record[at["sha1"]]:
                raise BadRecordError(f"the text at {article_id}:{start}:{end} differs from the one labelled",
                                     source=str(path), line=line)
            label = record[at["label"]].strip()
            if label not in ("Yes", "No"):
                raise BadRecordError(f"label {label!r} is neither Yes nor No", source=str(path), line=line)
            out.append(NewsSentence(article_id, start, end, text, label == "Yes"))
    if not out:
        raise EmptyInputError("no labelled sentences", source=str(path))
    return out


def labelled_articles(path: str | Path) -> set[str]:
    """The article ids a labels file already covers (to draw a further round from other articles)."""
    with open(path, encoding="utf-8", newline="") as fp:
        return {row["article_id"] for row in csv.DictReader(fp, delimiter="\t") if row.get("article_id")}


def _write_checkworthiness(sentences: Sequence[NewsSentence], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(("Sentence_id", "Text", "class_label"))
    for s in sentences:
        writer.writerow((s.sentence_id, " ".join(s.text.split()), "Yes" if s.label else "No"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)


def build_set(labels_path: str | Path, articles_path: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Write ``news_train.tsv`` and ``news_dev.tsv`` (check-worthiness format) into ``out_dir``.

    Returns the two paths by split name. Nothing is written unless every label row checks out.
    """
    sentences = read_labels(labels_path, read_articles(articles_path))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split in ("train", "dev"):
        path = out / f"news_{split}.tsv"
        _write_checkworthiness([s for s in sentences if s.split == split], path)
        paths[split] = path
    return paths
