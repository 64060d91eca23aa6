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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claims.errors import BadRecordError, EmptyInputError, InputError, MissingColumnError
from claims.readers import read_utf8_file
from claims.segment import segment
from claims.speakers import attribute_sentence
from index.atomic import atomic_write_text
from lab import DATA_DIR

__all__ = [
    "LABELS_FILE",
    "NewsSentence",
    "read_articles",
    "split_of",
    "text_digest",
    "is_attributed_quote",
    "sample_sentences",
    "write_sample",
    "read_labels",
    "labelled_articles",
    "build_set",
]

LABELS_FILE = DATA_DIR / "news_labels.tsv"
LABEL_COLUMNS = ("article_id", "start", "end", "sha1", "label")
DEV_SHARE = 4            # one article in four (by digest of its id) is held out for evaluation
MIN_WORDS = 4
MAX_CHARS = 400
_QUOTATION = re.compile(r"“[^“”]{12,}”|\"[^\"]{12,}\"")  # a quotation of a few words at least


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


def is_attributed_quote(text: str) -> bool:
    """Whether a sentence quotes someone and says who: ``"…," X said``, ``X said: "…"``."""
    return bool(_QUOTATION.search(text)) and attribute_sentence(text) is not None


def sample_sentences(articles: Mapping[str, str], *, n_articles: int, per_article: int,
                     seed: int, exclude: Iterable[str] = (), split: str | None = None,
                     quotes_only: bool = False) -> list[NewsSentence]:
    """Up to ``per_article`` sentences from each of ``n_articles`` articles drawn with ``seed``.

    Articles in ``exclude`` (ids, e.g. those of an earlier round of labels) are not drawn;
    ``split`` draws only from the articles of that split (:func:`split_of`), and
    ``quotes_only`` only attributed quotations (:func:`is_attributed_quote`): a round aimed at
    a hard case must go to training only, or the dev set stops being a random sample.

    Sentences come from the product's own splitter (:func:`claims.segment.segment`), so the
    set is labelled in the units the product scores; fragments under four words and run-ons
    over 400 characters are left out. The draw is deterministic for a given collection and seed.
    """
    rng = random.Random(seed)
    skip = set(exclude)
    pool_ids = sorted(a for a in articles if a not in skip and (split is None or split_of(a) == split))
    chosen = rng.sample(pool_ids, min(n_articles, len(pool_ids)))
    out: list[NewsSentence] = []
    for article_id in chosen:
        text = articles[article_id]
        pool = [s for s in segment(text)
                if len(s.text.split()) >= MIN_WORDS and len(s.text) <= MAX_CHARS
                and (not quotes_only or is_attributed_quote(s.text))]
        picked = sorted(rng.sample(range(len(pool)), min(per_article, len(pool))))
        out.extend(NewsSentence(article_id, pool[i].start, pool[i].end, pool[i].text) for i in picked)
    return out


def write_sample(sentences: Iterable[NewsSentence], path: str | Path) -> int:
    """Write sentences for annotation: the label columns with ``label`` empty, plus the text.

    The file appears whole or not at all (written aside, then renamed).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow((*LABEL_COLUMNS, "text"))
    rows = 0
    for s in sentences:
        writer.writerow((s.article_id, s.start, s.end, text_digest(s.text), "", " ".join(s.text.split())))
        rows += 1
    atomic_write_text(Path(path), buffer.getvalue())
    return rows


def _read_table(path: str | Path, required: Sequence[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, record) rows of a tab-separated UTF-8 file (a BOM is allowed).

    InputError subclasses name the file and line: absent, not UTF-8, malformed, empty, or
    missing one of the ``required`` columns.
    """
    reader = csv.reader(io.StringIO(read_utf8_file(path), newline=""), delimiter="\t")
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise EmptyInputError("the file is empty", source=str(path))
        missing = [c for c in required if c not in header]
        if missing:
            raise MissingColumnError(f"missing column(s) {', '.join(missing)}", source=str(path), line=1)
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BadRecordError(f"malformed row: {exc}", source=str(path), line=reader.line_num) from None
    return header, rows


def read_labels(path: str | Path, articles: Mapping[str, str]) -> list[NewsSentence]:
    """The labelled sentences of a labels file, their text taken from ``articles``.

    The file is tab-separated with a header ``article_id start end sha1 label`` (``label`` is
    ``Yes`` or ``No``; further columns are ignored). A row whose article is missing, whose offsets
    fall outside it, whose text no longer has the recorded digest, or that labels a sentence an
    earlier row already labelled is an error naming the line: the set is only meaningful over the
    exact texts it was labelled on, each once.
    """
    source = str(path)
    header, rows = _read_table(path, LABEL_COLUMNS)
    at = {c: header.index(c) for c in LABEL_COLUMNS}
    out: list[NewsSentence] = []
    seen: dict[tuple[str, int, int], int] = {}
    for line, record in rows:
        if len(record) < len(header):
            raise BadRecordError(f"expected {len(header)} fields, found {len(record)}", source=source, line=line)
        article_id = record[at["article_id"]].strip()
        if article_id not in articles:
            raise BadRecordError(f"article {article_id!r} is not in the article texts", source=source, line=line)
        try:
            start, end = int(record[at["start"]]), int(record[at["end"]])
        except ValueError:
            raise BadRecordError("start and end must be integers", source=source, line=line) from None
        body = articles[article_id]
        if not 0 <= start < end <= len(body):
            raise BadRecordError(f"offsets {start}:{end} fall outside article {article_id}", source=source, line=line)
        text = body[start:end]
        if text_digest(text) != record[at["sha1"]].strip():
            raise BadRecordError(f"the text at {article_id}:{start}:{end} differs from the one labelled",
                                 source=source, line=line)
        label = record[at["label"]].strip()
        if label not in ("Yes", "No"):
            raise BadRecordError(f"label {label!r} is neither Yes nor No", source=source, line=line)
        key = (article_id, start, end)
        if key in seen:
            raise BadRecordError(f"{article_id}:{start}:{end} is labelled twice (first on line {seen[key]})",
                                 source=source, line=line)
        seen[key] = line
        out.append(NewsSentence(article_id, start, end, text, label == "Yes"))
    if not out:
        raise EmptyInputError("no labelled sentences", source=source)
    return out


def labelled_articles(path: str | Path) -> set[str]:
    """The article ids a labels or sample file covers (to draw a further round from other articles)."""
    header, rows = _read_table(path, ("article_id",))
    column = header.index("article_id")
    return {record[column].strip() for _, record in rows if len(record) > column and record[column].strip()}


def _checkworthiness_text(sentences: Sequence[NewsSentence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(("Sentence_id", "Text", "class_label"))
    for s in sentences:
        writer.writerow((s.sentence_id, " ".join(s.text.split()), "Yes" if s.label else "No"))
    return buffer.getvalue()


def build_set(labels_path: str | Path, articles_path: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Write ``news_train.tsv`` and ``news_dev.tsv`` (check-worthiness format) into ``out_dir``.

    Returns the two paths by split name. Nothing is written unless every label row checks out;
    both files are written aside first and then renamed, so a failure leaves the old pair.
    """
    sentences = read_labels(labels_path, read_articles(articles_path))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {split: out / f"news_{split}.tsv" for split in ("train", "dev")}
    staged = {}
    try:
        for split, path in paths.items():
            staged[split] = path.with_name(path.name + ".tmp")
            staged[split].write_text(_checkworthiness_text([s for s in sentences if s.split == split]),
                                     encoding="utf-8")
        for split, path in paths.items():
            staged[split].replace(path)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    return paths
