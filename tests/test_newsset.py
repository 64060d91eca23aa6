"""Tests for lab.newsset: sampling news sentences, the labels file, rebuilding the labelled set."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from claims.errors import BadRecordError, EmptyInputError, InputError, MissingColumnError
from lab.checkworthiness import read_checkworthiness_file
from lab.newsset import (
    LABELS_FILE,
    build_set,
    read_articles,
    read_labels,
    sample_sentences,
    split_of,
    text_digest,
    write_sample,
)

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims_article_text.jsonl.gz"

BODIES = [
    "The bill passed the Senate 52-48 in March. Critics said it was a disgrace. "
    "It would cut taxes by $1.5 trillion over ten years. What happens next?",
    "The governor signed the order on Monday. We reached out to her office. "
    "Unemployment in the state fell to 3.1 percent, the lowest since 1976.",
    "Officials said 40 people died in the flood. The river crested at 9 meters. "
    "Residents were told to stay home. We rate this claim Mostly True.",
    '"We cut the budget by 4 percent,"\tthe mayor said at a "town hall"\nmeeting.  Crime fell 12 percent in 2019.',
]


def write_articles(tmp_path: Path, count: int = 12, name: str = "articles.jsonl.gz") -> Path:
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as fp:
        for k in range(count):
            fp.write(json.dumps({"vclaim_id": f"vclaim-pol-{k:05d}", "text": BODIES[k % len(BODIES)]}) + "\n")
    return path


def labelled(tmp_path: Path, articles: Path, *, per_article: int = 2) -> Path:
    """A labels file for a sample: Yes when the sentence holds a digit (enough for plumbing)."""
    sample = tmp_path / "sample.tsv"
    sentences = sample_sentences(read_articles(articles), n_articles=12, per_article=per_article, seed=7)
    write_sample(sentences, sample)
    rows = list(csv.reader(sample.open(encoding="utf-8"), delimiter="\t"))
    labels = tmp_path / "labels.tsv"
    with labels.open("w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, delimiter="\t", lineterminator="\n")
        writer.writerow(rows[0][:5])
        for row in rows[1:]:
            writer.writerow(row[:4] + ["Yes" if any(c.isdigit() for c in row[5]) else "No"])
    return labels


def test_read_articles_reads_jsonl_gz_and_plain(tmp_path: Path) -> None:
    articles = read_articles(write_articles(tmp_path))
    assert len(articles) == 12 and articles["vclaim-pol-00001"] == BODIES[1] and "\t" in articles["vclaim-pol-00003"]
    plain = tmp_path / "a.jsonl"
    plain.write_text(json.dumps({"vclaim_id": "x", "text": "One. Two."}) + "\n\n", encoding="utf-8")
    assert read_articles(plain) == {"x": "One. Two."}


def test_read_articles_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"vclaim_id": "x", "text": "t"}) + "\n{\"text\": \"no id\"}\n", encoding="utf-8")
    with pytest.raises(BadRecordError) as info:
        read_articles(bad)
    assert info.value.line == 2 and "bad.jsonl" in str(info.value)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        read_articles(empty)
    with pytest.raises(InputError, match="no such file"):
        read_articles(tmp_path / "missing.jsonl.gz")


def test_sample_is_deterministic_and_uses_the_product_splitter(tmp_path: Path) -> None:
    articles = read_articles(write_articles(tmp_path))
    first = sample_sentences(articles, n_articles=5, per_article=2, seed=3)
    assert first == sample_sentences(articles, n_articles=5, per_article=2, seed=3)
    assert first != sample_sentences(articles, n_articles=5, per_article=2, seed=4)
    assert len(first) == 10 and len({s.article_id for s in first}) == 5
    for s in first:
        assert articles[s.article_id][s.start:s.end] == s.text and len(s.text.split()) >= 4
    # sentences come in document order within an article
    for a, b in zip(first, first[1:]):
        if a.article_id == b.article_id:
            assert a.start < b.start


def test_split_is_by_article_and_stable() -> None:
    ids = [f"vclaim-pol-{k:05d}" for k in range(400)]
    dev = [i for i in ids if split_of(i) == "dev"]
    assert 60 < len(dev) < 140  # about one in four
    # pinned: the shipped labels were split this way, and must stay so
    assert [split_of(i) for i in ("vclaim-pol-15103", "vclaim-pol-03126", "vclaim-pol-12788", "vclaim-pol-00469")] \
        == ["train", "dev", "dev", "train"]


def test_labels_round_trip_into_checkworthiness_files(tmp_path: Path) -> None:
    articles_path = write_articles(tmp_path)
    labels = labelled(tmp_path, articles_path)
    sentences = read_labels(labels, read_articles(articles_path))
    assert len(sentences) == 24 and {s.label for s in sentences} == {True, False}
    assert any('"' in s.text and "\t" in s.text for s in sentences)  # quotes and a tab survive the round trip
    paths = build_set(labels, articles_path, tmp_path / "out")
    train = read_checkworthiness_file(paths["train"])
    dev = read_checkworthiness_file(paths["dev"])
    assert len(train) + len(dev) == 24
    train_articles = {r.sentence_id.split(":")[0] for r in train}
    dev_articles = {r.sentence_id.split(":")[0] for r in dev}
    assert not train_articles & dev_articles
    assert all(split_of(a) == "dev" for a in dev_articles)
    by_id = {s.sentence_id: s for s in sentences}
    for row in train + dev:
        assert row.label == by_id[row.sentence_id].label
        assert row.text == " ".join(by_id[row.sentence_id].text.split())  # one line, single spaces
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_labels_file_may_have_a_bom(tmp_path: Path) -> None:
    articles_path = write_articles(tmp_path)
    labels = labelled(tmp_path, articles_path)
    labels.write_bytes(b"\xef\xbb\xbf" + labels.read_bytes())
    assert len(read_labels(labels, read_articles(articles_path))) == 24
    from lab.newsset import labelled_articles
    assert len(labelled_articles(labels)) == 12


def test_a_sentence_labelled_twice_is_refused(tmp_path: Path) -> None:
    articles_path = write_articles(tmp_path)
    labels = labelled(tmp_path, articles_path)
    lines = labels.read_text(encoding="utf-8").splitlines(keepends=True)
    labels.write_text("".join(lines + [lines[2]]), encoding="utf-8")
    with pytest.raises(BadRecordError, match="labelled twice \\(first on line 3\\)") as info:
        read_labels(labels, read_articles(articles_path))
    assert info.value.line == len(lines) + 1


def test_labels_file_not_utf8_names_the_line(tmp_path: Path) -> None:
    from claims.errors import EncodingError
    from lab.newsset import labelled_articles

    path = tmp_path / "labels.tsv"
    path.write_bytes(b"article_id\tstart\tend\tsha1\tlabel\nvclaim-pol-00000\t0\t5\tab\xff\tYes\n")
    with pytest.raises(EncodingError) as info:
        read_labels(path, {})
    assert info.value.line == 2
    other = tmp_path / "other.tsv"
    other.write_text("id\tlabel\n1\tYes\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match="article_id"):
        labelled_articles(other)  # not silently "no articles to leave out"


@pytest.mark.parametrize("edit, message", [
    (lambda row: row.__setitem__(0, "vclaim-pol-99999"), "is not in the article texts"),
    (lambda row: row.__setitem__(3, "000000000000"), "differs from the one labelled"),
    (lambda row: row.__setitem__(2, "99999"), "fall outside"),
    (lambda row: row.__setitem__(1, "x"), "must be integers"),
    (lambda row: row.__setitem__(4, "Maybe"), "neither Yes nor No"),
])
def test_a_bad_label_row_names_its_line_and_writes_nothing(tmp_path: Path, edit, message) -> None:
    articles_path = write_articles(tmp_path)
    labels = labelled(tmp_path, articles_path)
    rows = list(csv.reader(labels.open(encoding="utf-8"), delimiter="\t"))
    edit(rows[3])
    with labels.open("w", encoding="utf-8", newline="") as fp:
        csv.writer(fp, delimiter="\t", lineterminator="\n").writerows(rows)
    with pytest.raises(BadRecordError, match=message) as info:
        build_set(labels, articles_path, tmp_path / "out")
    assert info.value.line == 4 and "labels.tsv" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_labels_file_needs_its_columns(tmp_path: Path) -> None:
    articles = read_articles(write_articles(tmp_path))
    path = tmp_path / "labels.tsv"
    path.write_text("article_id\tlabel\nvclaim-pol-00000\tYes\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match="start, end, sha1"):
        read_labels(path, articles)
    path.write_text("", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        read_labels(path, articles)


def test_text_digest_is_short_and_exact() -> None:
    assert len(text_digest("The bill passed.")) == 12
    assert text_digest("The bill passed.") != text_digest("The bill passed!")


@pytest.mark.skipif(not ARTICLES.exists(), reason="../shared/bench (CLEF 2021 debates) is not on this machine")
def test_shipped_labels_match_the_article_texts(tmp_path: Path) -> None:
    paths = build_set(LABELS_FILE, ARTICLES, tmp_path)
    train = read_checkworthiness_file(paths["train"])
    dev = read_checkworthiness_file(paths["dev"])
    assert (len(train), len(dev)) == (2632, 777)  # rounds 1 and 2 (random) and 3 (quotations, train only)
    for rows in (train, dev):
        share = sum(r.label for r in rows) / len(rows)
        assert 0.4 < share < 0.8  # both classes are well represented in both splits
    assert not {r.sentence_id.split(":")[0] for r in train} & {r.sentence_id.split(":")[0] for r in dev}
    # the shipped file records the split each row falls in, and it agrees with split_of
    rows = list(csv.DictReader(LABELS_FILE.open(encoding="utf-8"), delimiter="\t"))
    assert all(row["split"] == split_of(row["article_id"]) for row in rows)
    assert {row["round"] for row in rows} == {"1", "2", "3"}
    assert all(row["split"] == "train" for row in rows if row["round"] == "3")  # dev stays a random sample


def test_is_attributed_quote() -> None:
    from lab.newsset import is_attributed_quote

    assert is_attributed_quote('"We will not allow any country to do that," he stressed.')
    assert is_attributed_quote('The senator said: "Taxes went up 40 percent last year."')
    assert not is_attributed_quote("Taxes went up 40 percent last year, the senator said.")  # no quotation
    assert not is_attributed_quote('The law bans "ghost guns" in the state.')  # a quoted term, nobody speaks


def test_sample_can_target_one_split_and_quotations() -> None:
    quoted = ('The mayor spoke on Monday. "We cut crime by 12 percent in two years," the mayor said. '
              'The council met later. "We will keep going," she added.')
    articles = {f"vclaim-pol-{k:05d}": quoted for k in range(40)}
    train_only = sample_sentences(articles, n_articles=40, per_article=4, seed=1, split="train")
    assert train_only and all(split_of(s.article_id) == "train" for s in train_only)
    quotes = sample_sentences(articles, n_articles=40, per_article=4, seed=1, split="dev", quotes_only=True)
    assert quotes and all(split_of(s.article_id) == "dev" for s in quotes)
    assert {s.text for s in quotes} == {'"We cut crime by 12 percent in two years," the mayor said.',
                                        '"We will keep going," she added.'}
