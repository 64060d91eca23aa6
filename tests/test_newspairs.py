"""The news-style "same claim" pairs (lab/newspairs.py): the label file, the draw, the scorer, the runner."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from claims.errors import BadRecordError, EmptyInputError, InvalidValueError, MissingColumnError
from index.verify import VERIFIER_FILE, load_verifier
from lab import newspairs
from lab.newspairs import (
    PAIR_COLUMNS,
    Card,
    PairLabel,
    PairOutcome,
    PairQuery,
    boilerplate_spans,
    draw_order,
    merge_labels,
    pair_outcomes,
    pair_split,
    pair_table,
    read_pair_labels,
    rebuild_pairs,
    run_news_tiers,
    sample_queries,
    write_pair_labels,
)
from lab.newsset import split_of, text_digest

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "clef2021-t2b-en-debates"

ARTICLE_A = ("The senator said unemployment fell to 3.5 percent in 2019. "
             "Critics called the speech dull and long. "
             "The governor signed the budget bill on Monday.")
ARTICLE_B = "Wind farms produced 10 percent of the state's power last year. Officials praised the turbines warmly."


def label(query="a1", start=0, end=10, qsha="0" * 12, split="dev", stratum="random", candidate="v1",
          csha="1" * 12, same=True) -> PairLabel:
    return PairLabel(query, start, end, qsha, split, stratum, candidate, csha, same)


def write_rows(path: Path, rows: list[list[object]], header=PAIR_COLUMNS) -> Path:
    path.write_text("\n".join("\t".join(str(c) for c in row) for row in [list(header), *rows]) + "\n",
                    encoding="utf-8")
    return path


# -- the label file ---------------------------------------------------------------------------------


def test_label_file_round_trip(tmp_path):
    pairs = [label(query="a9", split="train", candidate="v7"), label(candidate="v2", same=False), label(),
             label(query="a0", split="heldout", stratum="cited"),
             label(query="seed", split="seed", stratum="seed", candidate="demo:3", same=False)]
    path = tmp_path / "pairs.tsv"
    assert write_pair_labels(pairs, path) == 5
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(PAIR_COLUMNS)
    # dev, heldout, seed, then train: a file written before the train split keeps its order
    assert [line.split("\t")[6] for line in lines[1:]] == ["v1", "v2", "v1", "demo:3", "v7"]
    back = read_pair_labels(path)
    assert [(p.key, p.candidate, p.same, p.split) for p in back] == [
        ("a1:0", "v1", True, "dev"), ("a1:0", "v2", False, "dev"), ("a0:0", "v1", True, "heldout"),
        ("seed:0", "demo:3", False, "seed"), ("a9:0", "v7", True, "train")]
    assert back[0].line == 2


@pytest.mark.parametrize("row, message", [
    (["a1", "x", 10, "0" * 12, "dev", "random", "v1", "1" * 12, "same"], "integers"),
    (["a1", 10, 5, "0" * 12, "dev", "random", "v1", "1" * 12, "same"], "not a span"),
    (["a1", 0, 10, "0" * 11, "dev", "random", "v1", "1" * 12, "same"], "12 lower-case hex"),
    (["a1", 0, 10, "0" * 12, "dev", "random", "v1", "ABCDEF012345", "same"], "12 lower-case hex"),
    (["a1", 0, 10, "0" * 12, "test", "random", "v1", "1" * 12, "same"], "unknown split"),
    (["a1", 0, 10, "0" * 12, "dev", "keyword", "v1", "1" * 12, "same"], "unknown split or stratum"),
    (["seed", 0, 10, "0" * 12, "dev", "random", "demo:1", "1" * 12, "same"], "seed"),
    (["a1", 0, 10, "0" * 12, "seed", "seed", "v1", "1" * 12, "same"], "seed"),
    (["a1", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12, "yes"], "neither 'same' nor 'different'"),
    (["a1", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12, ""], "neither 'same' nor 'different'"),
    (["a1", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12], "expected 9 fields"),
])
def test_label_file_refuses_a_bad_row(tmp_path, row, message):
    good = ["a0", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12, "different"]
    path = write_rows(tmp_path / "pairs.tsv", [good, row])
    with pytest.raises(BadRecordError, match=message) as info:
        read_pair_labels(path)
    assert info.value.line == 3


def test_label_file_refuses_a_pair_labelled_twice_and_two_digests(tmp_path):
    row = ["a1", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12, "same"]
    twice = write_rows(tmp_path / "twice.tsv", [row, row[:-1] + ["different"]])
    with pytest.raises(BadRecordError, match="labelled twice .first on line 2") as info:
        read_pair_labels(twice)
    assert info.value.line == 3
    query = write_rows(tmp_path / "query.tsv", [row, ["a1", 0, 10, "2" * 12, "dev", "random", "v2", "1" * 12, "same"]])
    with pytest.raises(BadRecordError, match="query a1:0 differs from line 2"):
        read_pair_labels(query)
    candidate = write_rows(tmp_path / "cand.tsv", [row, ["a2", 0, 10, "0" * 12, "dev", "random", "v1", "3" * 12,
                                                         "same"]])
    with pytest.raises(BadRecordError, match="candidate v1 has another digest on line 2"):
        read_pair_labels(candidate)


def test_label_file_refuses_missing_columns_and_no_rows(tmp_path):
    with pytest.raises(MissingColumnError, match="label"):
        read_pair_labels(write_rows(tmp_path / "cols.tsv", [], header=PAIR_COLUMNS[:-1]))
    with pytest.raises(EmptyInputError):
        read_pair_labels(write_rows(tmp_path / "empty.tsv", []))


def test_shipped_label_file_reads_and_holds_no_text():
    labels = read_pair_labels()
    assert len(labels) >= 300
    queries = {p.key for p in labels if p.split != "seed"}
    assert len(queries) >= 150
    assert {p.split for p in labels} == {"train", "dev", "heldout", "seed"}
    assert all(p.split == pair_split(p.query) for p in labels if p.split in ("dev", "heldout"))
    # train queries come from the dev side, never from an article a dev query uses
    train = {p.query for p in labels if p.split == "train"}
    assert train and all(pair_split(a) == "dev" for a in train)
    assert not train & {p.query for p in labels if p.split == "dev"}
    header = newspairs.PAIRS_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert header.split("\t") == list(PAIR_COLUMNS)  # offsets, ids, digests and labels only


# -- rebuilding the texts -------------------------------------------------------------------------------


def _labels_for(tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    articles = {"a1": ARTICLE_A, "a2": ARTICLE_B}
    vclaims = {"v1": "Unemployment fell to 3.5 percent in 2019, the senator said.",
               "v2": "The governor vetoed the budget bill."}
    first = ARTICLE_A.index("The senator")
    end = ARTICLE_A.index(" Critics")
    pairs = [PairLabel("a1", first, end, text_digest(ARTICLE_A[first:end]), pair_split("a1"), "random", v,
                       text_digest(vclaims[v]), v == "v1") for v in ("v1", "v2")]
    path = tmp_path / "pairs.tsv"
    write_pair_labels(pairs, path)
    return path, articles, vclaims


def test_rebuild_gives_the_texts_and_the_speaker(tmp_path):
    path, articles, vclaims = _labels_for(tmp_path)
    rebuilt = rebuild_pairs(read_pair_labels(path), articles, vclaims)
    assert [q.text for q in rebuilt.queries] == ["The senator said unemployment fell to 3.5 percent in 2019."]
    assert rebuilt.labels == {("a1:0", "v1"): True, ("a1:0", "v2"): False}
    assert rebuilt.candidate_texts == vclaims
    assert rebuilt.same_candidates("a1:0") == {"v1"}


@pytest.mark.parametrize("change, message", [
    (lambda a, v: a.update(a1=ARTICLE_A.replace("3.5", "4.5")), "differs from the one labelled"),
    (lambda a, v: a.pop("a1"), "not in the article texts"),
    (lambda a, v: a.update(a1=ARTICLE_A[:20]), "fall outside"),
    (lambda a, v: v.update(v2="The governor signed the budget bill."), "candidate v2 differs"),
    (lambda a, v: v.pop("v1"), "not in the archive"),
])
def test_rebuild_refuses_changed_or_missing_texts(tmp_path, change, message):
    path, articles, vclaims = _labels_for(tmp_path)
    change(articles, vclaims)
    with pytest.raises(BadRecordError, match=message) as info:
        rebuild_pairs(read_pair_labels(path), articles, vclaims, source=str(path))
    assert info.value.line in (2, 3)


def test_merge_adds_labelled_rows_once(tmp_path):
    todo = tmp_path / "todo.tsv"
    text, cand = "A sentence with a claim in it.", "A claim in it."
    row = ["a1", 0, 30, text_digest(text), pair_split("a1"), "random", "v1", text_digest(cand)]
    write_rows(todo, [row + ["same", "seen", 1, "0.9", text, cand],
                      row[:6] + ["v2", text_digest("Other.")] + ["", "seen", 2, "0.1", text, "Other."]],
               header=newspairs.TODO_COLUMNS)
    labels = tmp_path / "pairs.tsv"
    assert merge_labels(todo, labels) == (1, 1)
    with pytest.raises(BadRecordError, match="already labelled"):
        merge_labels(todo, labels)
    wrong = write_rows(tmp_path / "wrong.tsv", [row + ["same", "seen", 1, "0.9", text + "!", cand]],
                       header=newspairs.TODO_COLUMNS)
    with pytest.raises(BadRecordError, match="does not match the text shown"):
        merge_labels(wrong, tmp_path / "other.tsv")


# -- the draw ---------------------------------------------------------------------------------------


def _articles(n: int = 90) -> dict[str, str]:
    out = {}
    for i in range(n):
        out[f"vclaim-pol-{i:05d}"] = (f"Officials said {i} bridges were closed in 2019 after the storm. "
                                      f"The mayor said the city spent {i * 3} million dollars on repairs. "
                                      "It was a sad day for everyone here in town.\n"
                                      "Featured Fact-check\n\nSomeone\n\nstated on January 10, 2021 in a story\n"
                                      "\"The featured claim says 45 things happened in the capital city.\"\n"
                                      "By A Writer • January 11, 2021\n")
    return out


def _claims_of(_article_id: str, text: str) -> list[tuple[int, int, str]]:
    from claims.segment import segment

    return [(s.start, s.end, s.text) for s in segment(text) if any(ch.isdigit() for ch in s.text)]


def _nearest(article_id: str, texts):
    number = int(article_id[-5:])
    return [0.9 if number % 3 == 0 and "mayor" in t else 0.5 for t in texts]


def test_the_draw_is_deterministic_and_follows_the_rule():
    articles = _articles()
    drawn = sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=3)
    shuffled = dict(random.Random(5).sample(sorted(articles.items()), len(articles)))
    assert sample_queries(shuffled, claims_of=_claims_of, nearest_other=_nearest, per_stratum=3) == drawn
    assert sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=3, seed=7) != drawn
    for split in ("dev", "heldout"):
        part = [q for q in drawn if q.split == split]
        assert [q.stratum for q in part] == ["random"] * 3 + ["cited"] * 3
        assert all(pair_split(q.query) == split for q in part)
        assert len({q.query for q in part}) == 6  # one query per article
        order = draw_order([a for a in articles if pair_split(a) == split], salt=split)
        assert [q.query for q in part[:3]] == order[:3]
    for q in drawn:
        assert articles[q.query][q.start:q.end] == q.text
        assert "featured claim" not in q.text  # the crawl's box is never a query
        if q.stratum == "cited":
            assert "mayor" in q.text and int(q.query[-5:]) % 3 == 0


def test_a_train_draw_takes_dev_side_articles_that_dev_does_not_use():
    articles = _articles(200)
    dev = sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=3, splits=["dev"])
    used = {q.query for q in dev}
    train = sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=4, splits=["train"],
                           exclude=used)
    assert [q.stratum for q in train] == ["random"] * 4 + ["cited"] * 4
    assert all(q.split == "train" and pair_split(q.query) == "dev" for q in train)
    assert not used & {q.query for q in train}  # a train query never shares an article with a dev one
    assert train == sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=4,
                                   splits=["train"], exclude=used)
    # its own order (salt "train"), not the dev order continued
    side = [a for a in articles if pair_split(a) == "dev" and a not in used]
    assert [q.query for q in train[:4]] == draw_order(side, salt="train")[:4]
    with pytest.raises(InvalidValueError, match="use train, dev or heldout"):
        sample_queries(articles, claims_of=_claims_of, nearest_other=_nearest, per_stratum=1, splits=["test"])


def test_split_rule_and_boilerplate():
    ids = [f"vclaim-pol-{i:05d}" for i in range(400)]
    held = [i for i in ids if pair_split(i) == "heldout"]
    assert held == [i for i in ids if split_of(i) == "dev"]
    assert 0.15 < len(held) / len(ids) < 0.35
    text = _articles(1)["vclaim-pol-00000"]
    (start, end), = boilerplate_spans(text)
    assert text[start:].startswith("Featured Fact-check") and text[start:end].endswith("2021\n")
    with pytest.raises(InvalidValueError):
        sample_queries({}, claims_of=_claims_of, nearest_other=_nearest, per_stratum=0)


# -- the scorer -------------------------------------------------------------------------------------


def outcome(top_same, top, same, has_same, unseen_same, unseen, split="dev") -> PairOutcome:
    return PairOutcome("q", split, "random", top_same, top, same, has_same, has_same, unseen_same, unseen)


def test_pair_table_by_hand():
    outcomes = [
        outcome(True, 0.95, 0.95, True, False, 0.85),    # right call; new claim wrongly called same at <= 0.85
        outcome(False, 0.90, 0.40, True, False, 0.20),   # wrong top card called same at <= 0.90; same card at 0.40
        outcome(False, 0.82, None, False, False, 0.82),  # nothing same: one ranking, counted once
        outcome(None, 0.99, None, True, False, 0.10),    # top card unlabelled: a wrong call; its same card not shown
    ]
    rows = {r["threshold"]: r for r in pair_table(outcomes, [0.3, 0.8, 0.84, 0.92, 0.999])}
    # at 0.3: four first cards and one open-world first card called, one of them labelled same
    assert rows[0.3] == {"threshold": 0.3, "precision": 0.2, "recall": round(2 / 3, 4),
                         "false_same_rate": 0.5, "same_calls": 5, "right_calls": 1, "unlabelled_calls": 1,
                         "n_with_same": 3}
    assert (rows[0.8]["precision"], rows[0.8]["recall"], rows[0.8]["false_same_rate"]) == (0.2, round(1 / 3, 4), 0.5)
    assert (rows[0.84]["same_calls"], rows[0.84]["false_same_rate"]) == (4, 0.25)
    assert (rows[0.92]["precision"], rows[0.92]["recall"], rows[0.92]["false_same_rate"]) == (0.5, round(1 / 3, 4), 0)
    assert rows[0.999]["precision"] is None and rows[0.999]["recall"] == 0


def test_pair_outcomes_read_the_labels():
    queries = [PairQuery("a1", 0, 9, "x", "dev", "cited"), PairQuery("a2", 0, 9, "y", "heldout", "random")]
    labels = {("a1:0", "v1"): False, ("a1:0", "v2"): True, ("a1:0", "v3"): False, ("a2:0", "v4"): False}
    seen = [[Card("v1", 0.9), Card("v2", 0.8), Card("v3", 0.1)], [Card("v4", 0.7)]]
    unseen = [[Card("v1", 0.9)], [Card("v4", 0.7)]]
    first, second = pair_outcomes(queries, seen, unseen, labels)
    assert (first.top_same, first.top_score, first.same_score, first.has_same, first.removed) == \
        (False, 0.9, 0.8, True, True)
    assert (second.top_same, second.same_score, second.has_same, second.removed, second.unseen_top_same) == \
        (False, None, False, False, False)
    with pytest.raises(InvalidValueError):
        pair_outcomes(queries, seen, unseen[:1], labels)


# -- the runner, on a tiny archive with the hash embedder --------------------------------------------


def _tiny(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two articles (one per split), a five-claim archive, and labels for each query's cards."""
    dev_id = next(f"vclaim-pol-{i:05d}" for i in range(100) if pair_split(f"vclaim-pol-{i:05d}") == "dev")
    held_id = next(f"vclaim-pol-{i:05d}" for i in range(100) if pair_split(f"vclaim-pol-{i:05d}") == "heldout")
    articles = {dev_id: ARTICLE_A, held_id: ARTICLE_B}
    path = tmp_path / "articles.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fp:
        for vid, text in articles.items():
            fp.write(json.dumps({"vclaim_id": vid, "text": text}) + "\n")
    claims = {dev_id: "The senator said unemployment fell to 3.5 percent in 2019.",
              held_id: "Wind farms produced 10 percent of the state's power last year.",
              "vclaim-pol-90001": "Unemployment rose to 9 percent in 2009.",
              "vclaim-pol-90002": "The governor signed the budget bill.",
              "vclaim-pol-90003": "Solar panels produced most of the power in Texas."}
    vclaims = tmp_path / "vclaims.tsv"
    vclaims.write_text("vclaim_id\tvclaim\ttitle\tspeaker\tdate\ttruth_label\n" + "".join(
        f"{vid}\t{text}\tTitle {vid}\t\t\tfalse\n" for vid, text in claims.items()), encoding="utf-8")
    rows = []
    for vid, sentence_of, text in ((dev_id, "The senator", ARTICLE_A), (held_id, "Wind farms", ARTICLE_B)):
        start = text.index(sentence_of)
        end = text.index(". ", start) + 1
        for candidate in claims:
            rows.append(PairLabel(vid, start, end, text_digest(text[start:end]), pair_split(vid),
                                  "random", candidate, text_digest(claims[candidate]), candidate == vid))
    labels = tmp_path / "pairs.tsv"
    write_pair_labels(rows, labels)
    return labels, path, vclaims


def test_runner_ranks_through_the_product_and_scores_both_halves(tmp_path, fake_embedder):
    labels, articles, vclaims = _tiny(tmp_path)
    result = run_news_tiers(labels, articles, vclaims, embedder=fake_embedder, workspace=tmp_path / "ws", seed=False,
                            threshold=0.5)
    assert set(newspairs.NEWS_TIERS_JSON_KEYS) <= set(result)
    assert result["decided_on"] == "cosine"  # the shipped verifier belongs to another embedding model
    assert (result["split"], result["n_queries"], result["n_pairs"]) == ("heldout", 1, 5)
    assert result["splits"]["dev"]["n_queries"] == 1
    for outcome_row in result["outcomes"]:
        # Each query's own fact-check is its labelled "same" card: shown first against the whole archive,
        # gone from the open-world half, whose first card then is a different one.
        assert outcome_row["top_same"] is True and outcome_row["removed"] is True
        assert outcome_row["unseen_top_same"] is False
        assert outcome_row["unseen_top_score"] < outcome_row["top_score"]
    assert result["recall"] == 1.0 and result["precision"] == 1.0 and result["false_same_rate"] == 0.0
    dev, held = result["splits"]["dev"], result["splits"]["heldout"]
    assert result["splits"]["drop"] == {key: round(held[key] - dev[key], 4)
                                        for key in ("precision", "recall", "false_same_rate")}
    at = [r for r in result["by_threshold"] if r["threshold"] == 0.3][0]
    assert at["same_calls"] >= 1


def _with_a_train_query(tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """:func:`_tiny` plus a third article, on the dev side, whose query is labelled for training."""
    labels, articles, vclaims = _tiny(tmp_path)
    used = {p.query for p in read_pair_labels(labels)}
    train_id = next(f"vclaim-pol-{i:05d}" for i in range(100)
                    if pair_split(f"vclaim-pol-{i:05d}") == "dev" and f"vclaim-pol-{i:05d}" not in used)
    text = "The governor signed the budget bill on Monday, aides said. It rained."
    with gzip.open(articles, "at", encoding="utf-8") as fp:
        fp.write(json.dumps({"vclaim_id": train_id, "text": text}) + "\n")
    end = text.index(". ") + 1
    claims = dict(line.split("\t")[:2] for line in vclaims.read_text(encoding="utf-8").splitlines()[1:])
    rows = read_pair_labels(labels) + [
        PairLabel(train_id, 0, end, text_digest(text[:end]), "train", "random", candidate,
                  text_digest(claims[candidate]), candidate == "vclaim-pol-90002")
        for candidate in ("vclaim-pol-90002", "vclaim-pol-90001")]
    write_pair_labels(rows, labels)
    return labels, articles, vclaims, f"{train_id}:0"


def test_train_queries_are_never_scored_but_give_the_verifier_its_rows(tmp_path, fake_embedder):
    from lab.bench import open_archive, read_vclaims

    labels, articles, vclaims, key = _with_a_train_query(tmp_path)
    result = run_news_tiers(labels, articles, vclaims, embedder=fake_embedder, workspace=tmp_path / "ws", seed=False,
                            threshold=0.5)
    assert (result["n_queries"], result["splits"]["dev"]["n_queries"]) == (1, 1)
    assert key not in {o["key"] for o in result["outcomes"]}

    pairs, _ = newspairs.open_pairs(labels, articles, vclaims)
    archive = open_archive(read_vclaims(vclaims), embedder=fake_embedder, folder=tmp_path / "ws")
    try:
        groups = newspairs.training_pairs(pairs, archive, pool=4)
        signed = archive.gold(["vclaim-pol-90002"])
    finally:
        archive.workspace.close()
    assert [(k, condition) for k, condition, _, _ in groups] == [(key, "seen"), (key, "unseen")]
    (_, _, seen_rows, seen_labels), (_, _, unseen_rows, unseen_labels) = groups
    assert sum(seen_labels) == 1 and len(seen_rows) == len(seen_labels) == 4
    assert all("cosine" in row for row in seen_rows)
    assert not any(unseen_labels) and len(unseen_rows) == 4  # the statement labelled same is left out
    assert signed  # the labelled statement is in the archive, so leaving it out was a real removal


def test_runner_refuses_a_changed_article(tmp_path, fake_embedder):
    labels, articles, vclaims = _tiny(tmp_path)
    changed = tmp_path / "changed.jsonl.gz"
    with gzip.open(articles, "rt", encoding="utf-8") as fp, gzip.open(changed, "wt", encoding="utf-8") as out:
        for line in fp:
            out.write(line.replace("3.5", "4.5"))
    with pytest.raises(BadRecordError, match="differs from the one labelled"):
        run_news_tiers(labels, changed, vclaims, embedder=fake_embedder, workspace=tmp_path / "ws", seed=False)
    with pytest.raises(InvalidValueError, match="unknown split"):
        run_news_tiers(labels, articles, vclaims, embedder=fake_embedder, split="train", seed=False)


def test_cli_news_tiers_bad_label_file_is_an_error(tmp_path):
    from claims.cli import main

    bad = write_rows(tmp_path / "bad.tsv", [["a1", 0, 10, "0" * 12, "dev", "random", "v1", "1" * 12, "maybe"]])
    result = CliRunner().invoke(main, ["bench", "news-tiers", "--articles", "a.jsonl.gz", "--vclaims", "v.tsv",
                                       "--labels", str(bad)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}, line 2: label 'maybe' is neither 'same' nor 'different'\n"


# -- the real model, the real data ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.bench
def test_news_tiers_on_a_handful_of_queries_with_the_real_model(tmp_path, embedder):
    articles_path, vclaims_path = BENCH / "vclaims_article_text.jsonl.gz", BENCH / "vclaims.tsv"
    if not (articles_path.exists() and vclaims_path.exists()):
        pytest.skip(f"{BENCH} is absent")
    from lab.bench import read_vclaims

    labels = read_pair_labels()
    keep = set(sorted({p.key for p in labels if p.split == "dev"})[:3] +
               sorted({p.key for p in labels if p.split == "heldout"})[:3])
    subset = [p for p in labels if p.key in keep or p.split == "seed"]
    small_labels = tmp_path / "pairs.tsv"
    write_pair_labels(subset, small_labels)
    # A small archive: the labelled candidates and 300 other fact-checks, drawn with a fixed seed.
    wanted = {p.candidate for p in subset}
    claims = read_vclaims(vclaims_path)
    others = random.Random(3).sample([c.id for c in claims if c.id not in wanted], 300)
    keep_ids = wanted | set(others)
    lines = vclaims_path.read_text(encoding="utf-8").splitlines(keepends=True)
    small_vclaims = tmp_path / "vclaims.tsv"
    small_vclaims.write_text(lines[0] + "".join(line for line in lines[1:] if line.split("\t", 1)[0] in keep_ids),
                             encoding="utf-8")
    result = run_news_tiers(small_labels, articles_path, small_vclaims, embedder=embedder,
                            workspace=tmp_path / "ws", split="dev")
    assert result["decided_on"] == "probability"
    assert result["splits"]["dev"]["n_queries"] == 3 and result["splits"]["heldout"]["n_queries"] == 3
    # the threshold is the shipped verifier's own (whatever a refit chose), not one of the bench's
    shipped = load_verifier(Path(newspairs.__file__).resolve().parents[1] / "claims" / "weights" / VERIFIER_FILE)
    assert result["threshold"] == shipped.threshold
    for row in result["outcomes"]:
        if row["removed"]:  # what is labelled same is gone before ranking
            assert row["unseen_top_same"] is not True
    seed = result["seed"]
    assert seed["first_claim"]["text"].startswith("The United States warned China")
    assert seed["first_claim"]["called_same"] is False
    assert len(seed["first_claim"]["cards"]) == 3 and all(c["label"] for c in seed["first_claim"]["cards"])


def test_cli_news_pairs_add(tmp_path):
    from claims.cli import main

    text, cand = "A sentence with a claim in it.", "A claim in it."
    row = ["a1", 0, 30, text_digest(text), pair_split("a1"), "random", "v1", text_digest(cand)]
    todo = write_rows(tmp_path / "todo.tsv", [row + ["different", "seen", 1, "0.2", text, cand]],
                      header=newspairs.TODO_COLUMNS)
    labels = tmp_path / "pairs.tsv"
    runner = CliRunner()
    result = runner.invoke(main, ["bench", "news-pairs-add", "--todo", str(todo), "--labels", str(labels)])
    assert (result.exit_code, result.output) == (0, f"{labels}: 1 pairs added, 1 in all\n")
    again = runner.invoke(main, ["bench", "news-pairs-add", "--todo", str(todo), "--labels", str(labels)])
    assert again.exit_code == 1
    assert again.output == f"Error: {todo}, line 2: the pair a1:0 / v1 is already labelled\n"
    assert read_pair_labels(labels)[0].same is False
