"""Tests for lab.checkworthiness: labelled files, metrics, scoring a file, training the detector,
and the shipped weights' provenance and dev figures."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

import lab.checkworthiness as checkworthiness_module
from claims.detect import DEFAULT_CLAIM_THRESHOLD
from claims.detector import WEIGHTS_DIR, Detector
from claims.errors import (
    BadRecordError,
    EmptyInputError,
    EncodingError,
    InputError,
    InvalidValueError,
    MissingColumnError,
)
from lab.checkworthiness import (
    best_cut,
    f1_scores,
    mean_best_cut,
    read_checkworthiness,
    read_checkworthiness_file,
    score_file,
    train_detector,
)
from test_detector import CLAIMS, NOT_CLAIMS

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench" / "checkworthiness-claimbuster-ct24-en"


@pytest.fixture(scope="module")
def shipped() -> Detector:
    return Detector.load()


def test_public_surface() -> None:
    assert set(checkworthiness_module.__all__) >= {"train_detector", "score_file", "read_checkworthiness_file",
                                                   "TrainReport", "f1_scores", "best_cut"}
    for name in checkworthiness_module.__all__:
        assert hasattr(checkworthiness_module, name)


# -- the shipped weights, as train_detector wrote them ---------------------------------------------


def test_shipped_provenance(shipped: Detector) -> None:
    p = shipped.provenance
    assert p["weights_sha256"] == hashlib.sha256((WEIGHTS_DIR / "detector.npz").read_bytes()).hexdigest()
    assert p["command"].startswith("claimdesk train detector ") and " --train " in p["command"]
    assert "--no-feedback" in p["command"] and p["data"]["feedback"]["rows"] == 0  # no workspace's calls
    assert (p["data"]["train"]["file"], p["data"]["train"]["rows"]) == ("train.tsv", 22501)
    assert (p["data"]["dev"]["file"], p["data"]["dev"]["rows"]) == ("dev.tsv", 1032)
    assert all(len(p["data"][k]["sha256"]) == 64 for k in ("train", "dev"))
    assert "chosen by F1 of the Yes class on the dev file" in p["selection"]
    # the labelled news sentences (lab/newsset.py) take part in fitting and in choosing
    [news_train] = p["data"]["extra_train"]
    [news_dev] = p["data"]["extra_dev"]
    assert (news_train["file"], news_train["rows"], news_train["weight"]) == (
        "news_train.tsv", 2632, checkworthiness_module.EXTRA_WEIGHT)
    assert (news_dev["file"], news_dev["rows"]) == ("news_dev.tsv", 777)
    assert set(p["dev_by_file"]) == {"dev.tsv", "news_dev.tsv"}
    assert p["created"] and p["embedding_model"] == "all-MiniLM-L6-v2" and p["embedding_dim"] == 384
    assert p["threshold"] == shipped.threshold == DEFAULT_CLAIM_THRESHOLD
    assert p["dev"]["f1"] >= 0.90 and p["dev"]["n"] == 1032


# -- metrics ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scores, labels, threshold, expected",
    [
        ([0.9, 0.8, 0.3, 0.1], [True, True, False, False], 0.5, (1.0, 1.0, 1.0)),
        ([0.9, 0.8, 0.3, 0.1], [True, False, True, False], 0.5, (0.5, 0.5, 0.5)),
        ([0.9, 0.6, 0.3, 0.1], [True, False, False, False], 0.5, (2 / 3, 0.5, 1.0)),
        ([0.1, 0.2], [True, False], 0.5, (0.0, 0.0, 0.0)),
        ([0.5, 0.2], [True, False], 0.5, (1.0, 1.0, 1.0)),
        ([0.9, 0.9], [False, False], 0.5, (0.0, 0.0, 0.0)),
    ],
)
def test_f1_scores(scores, labels, threshold, expected) -> None:
    m = f1_scores(scores, labels, threshold)
    assert (m["f1"], m["precision"], m["recall"]) == pytest.approx(expected)


@pytest.mark.parametrize(
    "scores, labels, cut, f1",
    [
        ([0.9, 0.8, 0.3, 0.1], [True, True, False, False], 0.55, 1.0),
        ([0.9, 0.8, 0.3, 0.1], [True, False, True, False], 0.2, 0.8),
        ([0.7, 0.7, 0.1], [True, False, False], 0.4, 2 / 3),  # a cut never splits equal scores
    ],
)
def test_best_cut(scores, labels, cut, f1) -> None:
    assert best_cut(np.array(scores), np.array(labels)) == pytest.approx((cut, f1))


def test_mean_best_cut_with_one_part_is_best_cut() -> None:
    scores, labels = np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, False, True, False])
    assert mean_best_cut(scores, labels, [slice(0, 4)]) == best_cut(scores, labels)


def test_mean_best_cut_serves_every_part() -> None:
    # part one alone would cut anywhere in (0.1, 0.8]; part two needs the cut in (0.3, 0.6]
    scores = np.array([0.9, 0.8, 0.1, 0.6, 0.3, 0.2])
    labels = np.array([True, True, False, True, False, False])
    cut, mean = mean_best_cut(scores, labels, [slice(0, 3), slice(3, 6)])
    assert (cut, mean) == pytest.approx((0.45, 1.0))
    # when the parts disagree, the mean decides: part two's F1 is worth as much as part one's
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.6, 0.5])
    labels = np.array([True, True, True, False, False, True])
    cut, mean = mean_best_cut(scores, labels, [slice(0, 4), slice(4, 6)])
    assert mean == pytest.approx((1.0 + 2 / 3) / 2) and 0.1 < cut <= 0.5


# -- readers ---------------------------------------------------------------------------------------


def write(tmp_path: Path, body: str | bytes, name: str = "data.tsv") -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def test_reader_reads_quoted_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'Sentence_id\tText\tclass_label\n1\t"He said ""no""\tthen left."\tNo\n'
                           '2\tTaxes rose 5 percent.\tYes\n\n3\t"Two\nlines"\tNo\n4\tLast.\tNo\n')
    rows = read_checkworthiness_file(path)
    assert [(r.sentence_id, r.text, r.label, r.line) for r in rows] == [
        ("1", 'He said "no"\tthen left.', False, 2),
        ("2", "Taxes rose 5 percent.", True, 3),
        ("3", "Two\nlines", False, 5),
        ("4", "Last.", False, 7),
    ]


@pytest.mark.parametrize(
    "body, error, message",
    [
        ("", EmptyInputError, "data.tsv: the file is empty"),
        ("Sentence_id\tText\tclass_label\n", EmptyInputError, "data.tsv: no labelled sentences"),
        ("id\tText\tlabel\n1\tA.\tNo\n", MissingColumnError,
         "data.tsv, line 1: missing column(s) Sentence_id, class_label"),
        ("Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tB.\n", BadRecordError,
         "data.tsv, line 3: expected 3 tab-separated fields, found 2"),
        ("Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tB.\tMaybe\n", BadRecordError,
         "data.tsv, line 3: class_label 'Maybe' is neither Yes nor No"),
        ("Sentence_id\tText\tclass_label\n1\t \tNo\n", BadRecordError, "data.tsv, line 2: empty Text"),
        ('Sentence_id\tText\tclass_label\n1\t"A\nB"\tNo\n2\tC.\tyes\n', BadRecordError,
         "data.tsv, line 4: class_label 'yes'"),
        ("Sentence_id\tText\tclass_label\n1\tA.\tNo\t\n", BadRecordError, "data.tsv, line 2: expected 3"),
        (b"Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tcaf\xe9\tNo\n", EncodingError, "data.tsv, line 3: not UTF-8"),
    ],
)
def test_reader_errors_name_file_and_line(tmp_path: Path, body, error: type, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(error) as info:
        read_checkworthiness_file(path)
    assert str(info.value).startswith(str(tmp_path / "data.tsv"))
    assert message in str(info.value)
    assert isinstance(info.value, InputError)


def test_reader_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.tsv: no such file"):
        read_checkworthiness_file(tmp_path / "nope.tsv")


def test_reader_takes_a_stream() -> None:
    rows = read_checkworthiness(io.StringIO("Sentence_id\tText\tclass_label\n7\tA.\tYes\n"), "pasted")
    assert rows[0].sentence_id == "7" and rows[0].label


# -- score_file ------------------------------------------------------------------------------------

SCORE_FILE_ROWS = [
    # three claims labelled Yes, one claim labelled No, two non-claims labelled No, one non-claim labelled Yes
    ("1", CLAIMS[1], "Yes"), ("2", CLAIMS[3], "Yes"), ("3", CLAIMS[5], "Yes"), ("4", CLAIMS[4], "No"),
    ("5", NOT_CLAIMS[0], "No"), ("6", NOT_CLAIMS[3], "No"), ("7", NOT_CLAIMS[4], "Yes"),
]


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    rows = "".join(f"{i}\t{t}\t{y}\n" for i, t, y in SCORE_FILE_ROWS)
    return write(tmp_path, "Sentence_id\tText\tclass_label\n" + rows)


def test_score_file_heuristic(small_file: Path) -> None:
    # tp 3, fp 1, fn 1
    assert score_file(small_file, None) == {"f1": 0.75, "precision": 0.75, "recall": 0.75, "threshold": 0.5, "n": 7}


@pytest.mark.slow
def test_score_file_detector(small_file: Path, shipped: Detector, embedder, store) -> None:
    assert score_file(small_file, shipped, embedder, store) == {
        "f1": 0.75, "precision": 0.75, "recall": 0.75, "threshold": 0.5, "n": 7}
    # nothing reaches a threshold above 1: no claim flagged, F1 0
    assert score_file(small_file, shipped, embedder, store, threshold=1.01) == {
        "f1": 0.0, "precision": 0.0, "recall": 0.0, "threshold": 1.01, "n": 7}


def test_score_file_bad_row(tmp_path: Path, shipped: Detector) -> None:
    path = write(tmp_path, "Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tB.\tX\n")
    with pytest.raises(BadRecordError, match="line 3"):
        score_file(path, shipped)


# -- training --------------------------------------------------------------------------------------

TINY_YES = [
    "Unemployment fell to {n} percent in {y}.", "The deficit rose by ${n} billion last year.",
    "Taxes went up {n} percent under this administration.", "We lost {n} jobs in {y}.",
    "The senator voted against the bill {n} times.", "Spending grew {n} percent since {y}.",
]
TINY_NO = [
    "Thank you, {name}.", "I think we can do better, {name}.", "What would you do, {name}?",
    "We will never give up, {name}.", "Let me answer that, {name}.", "Good evening, {name}.",
]
NAMES = ["Jim", "Mary", "Bob", "Sue"]


def tiny_rows(offset: int, count: int) -> str:
    lines = ["Sentence_id\tText\tclass_label"]
    for k in range(count):
        name, n, y = NAMES[k % 4], 3 + k + offset, 1990 + k + offset
        lines.append(f"{offset + 2 * k}\t{TINY_YES[k % 6].format(n=n, y=y)}\tYes")
        lines.append(f"{offset + 2 * k + 1}\t{TINY_NO[k % 6].format(name=name)}\tNo")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_train_detector_tiny_is_deterministic(tmp_path: Path, embedder, store) -> None:
    train = write(tmp_path, tiny_rows(0, 24), "train.tsv")
    dev = write(tmp_path, tiny_rows(100, 6), "dev.tsv")
    first = train_detector(train, dev, embedder=embedder, cache=store, out_dir=tmp_path / "a")
    second = train_detector(train, dev, embedder=embedder, cache=store, out_dir=tmp_path / "b",
                            command="claimdesk train detector --train t --dev d")
    assert (tmp_path / "a" / "detector.npz").read_bytes() == (tmp_path / "b" / "detector.npz").read_bytes()
    assert first.dev == second.dev and first.choice == second.choice
    assert (first.n_train, first.n_dev, first.n_feedback) == (48, 12, 0)
    assert first.threshold == 0.5 and first.dev["f1"] == 1.0
    assert {g["C"] for g in first.grid} == set(checkworthiness_module.C_GRID)
    meta = json.loads((tmp_path / "a" / "detector.json").read_text())
    assert meta["data"]["train"] == {"file": "train.tsv", "sha256": hashlib.sha256(train.read_bytes()).hexdigest(),
                                     "rows": 48}
    assert meta["command"] == f"claimdesk train detector --train {train} --dev {dev}"
    assert json.loads((tmp_path / "b" / "detector.json").read_text())["command"] == \
        "claimdesk train detector --train t --dev d"
    trained = Detector.load(tmp_path / "a")
    scores = trained.score(["Inflation rose 7 percent in 2021.", "Thank you, Tom."], embedder=embedder, cache=store)
    assert scores[0] >= 0.5 > scores[1]


@pytest.mark.slow
def test_train_detector_uses_feedback(tmp_path: Path, embedder, store) -> None:
    train = write(tmp_path, tiny_rows(0, 24), "train.tsv")
    dev = write(tmp_path, tiny_rows(100, 6), "dev.tsv")
    plain = train_detector(train, dev, embedder=embedder, cache=store, out_dir=tmp_path / "plain")
    sentence = "Thank you, Jim."
    feedback = [(sentence, False), ("The plant employs 300 people.", False), ("The plant employs 300 people.", True)]
    taught = train_detector(train, dev, embedder=embedder, cache=store, out_dir=tmp_path / "taught",
                            feedback=feedback)
    assert taught.n_feedback == 2  # the later decision on the same text wins
    meta = taught.provenance["data"]["feedback"]
    assert meta["rows"] == 2 and len(meta["sha256"]) == 64
    assert (tmp_path / "plain" / "detector.npz").read_bytes() != (tmp_path / "taught" / "detector.npz").read_bytes()
    text = ["The plant employs 300 people."]
    before = Detector.load(tmp_path / "plain").score(text, embedder=embedder, cache=store)
    after = Detector.load(tmp_path / "taught").score(text, embedder=embedder, cache=store)
    assert after[0] > before[0]
    assert plain.provenance["data"]["feedback"] == {"rows": 0, "weight": checkworthiness_module.FEEDBACK_WEIGHT,
                                                   "sha256": None}


TOPIC_YES = ["The county closed {n} schools in {y}.", "Police arrested {n} people after the march in {y}.",
             "The dam released {n} million litres on Tuesday.", "The company laid off {n} workers in {y}."]
TOPIC_NO = ["We asked the county for comment.", "Read our earlier story here.",
            "The office did not respond to our request.", "Share this with a friend."]


@pytest.mark.slow
def test_train_detector_with_extra_domain_files(tmp_path: Path, embedder, store) -> None:
    train = write(tmp_path, tiny_rows(0, 24), "train.tsv")
    dev = write(tmp_path, tiny_rows(100, 6), "dev.tsv")

    def domain(offset: int, count: int) -> str:
        lines = ["Sentence_id\tText\tclass_label"]
        for k in range(count):
            lines.append(f"n{offset + k}y\t{TOPIC_YES[k % 4].format(n=offset + k + 2, y=2000 + k)}\tYes")
            lines.append(f"n{offset + k}n\t{TOPIC_NO[k % 4]}\tNo")
        return "\n".join(lines) + "\n"

    news_train = write(tmp_path, domain(0, 16), "news_train.tsv")
    news_dev = write(tmp_path, domain(50, 4), "news_dev.tsv")
    report = train_detector(train, dev, embedder=embedder, cache=store, out_dir=tmp_path / "out",
                            extra_train=[news_train], extra_dev=[news_dev])
    assert (report.n_train, report.n_extra, report.n_dev) == (48, 32, 12)
    assert set(report.extra_dev) == {"news_dev.tsv"} and report.extra_dev["news_dev.tsv"]["n"] == 8
    meta = report.provenance
    assert meta["data"]["extra_train"] == [{"file": "news_train.tsv", "rows": 32,
                                            "weight": checkworthiness_module.EXTRA_WEIGHT,
                                            "sha256": hashlib.sha256(news_train.read_bytes()).hexdigest()}]
    assert meta["data"]["extra_dev"][0]["rows"] == 8
    assert set(meta["dev_by_file"]) == {"dev.tsv", "news_dev.tsv"}
    assert meta["command"].endswith(f"--extra-train {news_train} --extra-dev {news_dev}")
    trained = Detector.load(tmp_path / "out")
    scores = trained.score(["The county closed 40 schools in 2011.", "We asked the county for comment."],
                           embedder=embedder, cache=store)
    assert scores[0] >= 0.5 > scores[1]


def test_train_detector_refuses_dev_files_of_the_same_name(tmp_path: Path, fake_embedder, store) -> None:
    train = write(tmp_path, tiny_rows(0, 4), "train.tsv")
    dev = write(tmp_path, tiny_rows(100, 2), "dev.tsv")
    (tmp_path / "other").mkdir()
    other = write(tmp_path / "other", tiny_rows(200, 2), "dev.tsv")
    with pytest.raises(InvalidValueError, match="dev files must have different names"):
        train_detector(train, dev, embedder=fake_embedder, cache=store, out_dir=tmp_path / "out", extra_dev=[other])
    assert not (tmp_path / "out").exists()


def test_train_detector_needs_both_labels(tmp_path: Path, fake_embedder, store) -> None:
    train = write(tmp_path, "Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tB.\tNo\n", "train.tsv")
    with pytest.raises(InvalidValueError, match="needs both Yes and No"):
        train_detector(train, train, embedder=fake_embedder, cache=store, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_train_detector_bad_file_names_line(tmp_path: Path, fake_embedder, store) -> None:
    train = write(tmp_path, "Sentence_id\tText\tclass_label\n1\tA.\tNo\n2\tB.\n", "train.tsv")
    with pytest.raises(BadRecordError, match=r"train\.tsv, line 3"):
        train_detector(train, train, embedder=fake_embedder, cache=store, out_dir=tmp_path / "out")


# -- the benchmark data ----------------------------------------------------------------------------


@pytest.mark.bench
@pytest.mark.parametrize("name, rows, yes", [("train.tsv", 22501, 5413), ("dev.tsv", 1032, 238)])
def test_reads_the_benchmark_files(name: str, rows: int, yes: int) -> None:
    path = BENCH / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    data = read_checkworthiness_file(path)
    assert (len(data), sum(r.label for r in data)) == (rows, yes)


def _tolerance(shipped: Detector, embedder) -> float:
    """How far a rescoring may land from the recorded F1: to rounding on the vectors the weights were
    fitted on; within 0.01 on the same model through another backend (int8 measured -0.008 and -0.007:
    docs/BENCHMARKS.md, "Why the default backend is now onnx-int8")."""
    return 2e-4 if embedder.name == shipped.embedding_model else 0.01


@pytest.mark.bench
@pytest.mark.slow
def test_dev_f1(shipped: Detector, embedder, store) -> None:
    """F1 of the Yes class on dev.tsv: the figure in detector.json and docs/BENCHMARKS.md."""
    path = BENCH / "dev.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    result = score_file(path, shipped, embedder, store)
    print("\ndev:", result)
    assert result["n"] == 1032 and result["threshold"] == 0.5
    assert result["f1"] == pytest.approx(shipped.provenance["dev"]["f1"], abs=_tolerance(shipped, embedder))
    assert result["f1"] >= 0.90


@pytest.mark.bench
@pytest.mark.slow
def test_news_dev_f1(shipped: Detector, embedder, store, tmp_path: Path) -> None:
    """F1 on the held-out news sentences, rebuilt from the shipped labels and the article texts."""
    from lab.newsset import LABELS_FILE, build_set

    articles = REPO.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims_article_text.jsonl.gz"
    if not articles.exists():
        pytest.skip(f"{articles} is absent")
    paths = build_set(LABELS_FILE, articles, tmp_path)
    recorded = shipped.provenance["data"]
    # the files rebuilt here are byte for byte the ones the shipped weights were trained and chosen on
    assert hashlib.sha256(paths["train"].read_bytes()).hexdigest() == recorded["extra_train"][0]["sha256"]
    assert hashlib.sha256(paths["dev"].read_bytes()).hexdigest() == recorded["extra_dev"][0]["sha256"]
    result = score_file(paths["dev"], shipped, embedder, store)
    print("\nnews dev:", result)
    assert result["n"] == 777
    assert result["f1"] == pytest.approx(shipped.provenance["dev_by_file"]["news_dev.tsv"]["f1"],
                                         abs=_tolerance(shipped, embedder))
    assert result["f1"] >= 0.84  # the debates-only detector scores 0.752 here
    assert result["precision"] >= 0.78 and result["recall"] >= 0.85


# -- source-held-out evaluation --------------------------------------------------------------------

from lab.checkworthiness import (  # noqa: E402
    FOLD_RULE,
    Fold,
    bootstrap_f1,
    LabelledSentence,
    news_article,
    plan_folds,
    read_file_ids,
    source_held_out,
    write_checkworthiness,
    year_folds,
)

ELEVEN = ["1960", "1976", "1980", "1984", "1988", "1992", "1996", "2000", "2004", "2008", "2012"]


@pytest.mark.parametrize("years, k, expected", [
    (ELEVEN, 4, [("1960", "1976", "1980"), ("1984", "1988", "1992"), ("1996", "2000", "2004"), ("2008", "2012")]),
    (list(reversed(ELEVEN)) + ELEVEN, 4,  # order and repeats of the input don't matter
     [("1960", "1976", "1980"), ("1984", "1988", "1992"), ("1996", "2000", "2004"), ("2008", "2012")]),
    (ELEVEN, 2, [tuple(ELEVEN[:6]), tuple(ELEVEN[6:])]),
    (["2000", "1990", "1980"], 3, [("1980",), ("1990",), ("2000",)]),
])
def test_year_folds_follow_the_written_rule(years, k, expected) -> None:
    assert year_folds(years, k) == expected
    assert "consecutive" in FOLD_RULE and "mod k" in FOLD_RULE


@pytest.mark.parametrize("k", [1, 12, 0])
def test_year_folds_refuse_impossible_k(k: int) -> None:
    with pytest.raises(InvalidValueError, match="between 2 and the number of debate years"):
        year_folds(ELEVEN, k)


def sentence(sentence_id: str, label: bool, text: str | None = None) -> LabelledSentence:
    return LabelledSentence(sentence_id, text or f"Sentence {sentence_id}.", label, 2)


def debates(files: dict[str, int], start: int) -> tuple[list[LabelledSentence], dict[str, str]]:
    """``count`` sentences of each debate file, ids from ``start``, every third one Yes."""
    rows, file_ids, next_id = [], {}, start
    for file_id, count in files.items():
        for _ in range(count):
            rows.append(sentence(str(next_id), next_id % 3 == 0))
            file_ids[str(next_id)] = file_id
            next_id += 1
    return rows, file_ids


def test_plan_folds_keeps_each_fold_out_of_its_own_training_and_choosing() -> None:
    # train has a file in a held-out year that dev lacks (1960-10-21), and a year dev lacks (2016)
    train, train_ids = debates({"1960-09-26.txt": 5, "1960-10-21.txt": 4, "1976-09-23.txt": 5, "1980-10-28.txt": 5,
                                "1984-10-07.txt": 5, "2016-10-09.txt": 6}, 0)
    dev, dev_ids = debates({"1960-09-26.txt": 3, "1976-09-23.txt": 3, "1980-10-28.txt": 2, "1984-10-07.txt": 4}, 1000)
    file_ids = train_ids | dev_ids
    news = [sentence(f"vclaim-pol-{a:05d}:{s}", s % 2 == 0) for a in range(7) for s in range(3)]
    folds = plan_folds(train, dev, file_ids, 2, news)
    assert [f.years for f in folds] == [("1960", "1976"), ("1980", "1984")]
    assert all(isinstance(f, Fold) for f in folds) and [f.index for f in folds] == [1, 2]
    for fold in folds:
        held_files = {file_ids[r.sentence_id] for r in fold.test}
        seen_files = {file_ids[r.sentence_id] for r in fold.train + fold.choose}
        assert held_files and not held_files & seen_files
        assert not {f[:4] for f in seen_files} & set(fold.years)  # no file of a held-out year, dev's or not
        assert {f[:4] for f in held_files} == set(fold.years)
        assert "2016-10-09.txt" in {file_ids[r.sentence_id] for r in fold.train}  # never held out
        assert not {news_article(r.sentence_id) for r in fold.test_news} & \
            {news_article(r.sentence_id) for r in fold.choose_news}
        assert len(fold.choose_news) + len(fold.test_news) == len(news)
    # every dev and news dev sentence is scored exactly once
    assert sorted(r.sentence_id for f in folds for r in f.test) == sorted(r.sentence_id for r in dev)
    assert sorted(r.sentence_id for f in folds for r in f.test_news) == sorted(r.sentence_id for r in news)
    # articles go round: sorted ids, article i to fold i mod k
    assert {news_article(r.sentence_id) for r in folds[0].test_news} == {
        f"vclaim-pol-{a:05d}" for a in (0, 2, 4, 6)}
    assert plan_folds(train, dev, file_ids, 2, news) == folds  # deterministic


def test_plan_folds_needs_every_file_id() -> None:
    train, ids = debates({"1960-09-26.txt": 3, "1976-09-23.txt": 3}, 0)
    dev, dev_ids = debates({"1960-09-26.txt": 2, "1976-09-23.txt": 2}, 100)
    del dev_ids["101"]
    with pytest.raises(InvalidValueError, match="dev sentence 101 .* has no File_id"):
        plan_folds(train, dev, ids | dev_ids, 2)
    with pytest.raises(InvalidValueError, match="does not start with a year"):
        plan_folds(train, dev, ids | dev_ids | {"101": "debate.txt"}, 2)


def test_read_file_ids_and_write_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path, 'Sentence_id,Text,File_id,Verdict\n16,"I think, we said.",1988-09-25.txt,-1\n', "c.csv")
    assert read_file_ids(path) == {"16": "1988-09-25.txt"}
    with pytest.raises(MissingColumnError, match="File_id"):
        read_file_ids(write(tmp_path, "Sentence_id,Text\n1,A\n", "bad.csv"))
    rows = [sentence("1", True, 'He said "no", twice.'), sentence("2", False, "Tab\tless? fine.")]
    back = read_checkworthiness_file(write_checkworthiness(rows, tmp_path / "rows.tsv"))
    assert [(r.sentence_id, r.text, r.label) for r in back] == [(r.sentence_id, r.text, r.label) for r in rows]


YEARS_TINY = ["1960", "1976", "1980", "1984"]


def tiny_benchmark(root: Path) -> tuple[Path, Path]:
    """A ClaimBuster-shaped folder (train, dev and the two CSVs) over four years, and a news folder."""
    data, news = root / "data", root / "news"
    data.mkdir(parents=True)
    news.mkdir()

    def write_split(name: str, csv_name: str, offset: int, per_year: int) -> None:
        rows, ids = [], []
        for y, year in enumerate(YEARS_TINY):
            for k in range(per_year):
                sid, n = offset + 100 * y + 2 * k, 3 + k + y
                rows.append(sentence(str(sid), True, TINY_YES[k % 6].format(n=n, y=int(year) + k)))
                rows.append(sentence(str(sid + 1), False, TINY_NO[k % 6].format(name=NAMES[(k + y) % 4])))
                ids += [(str(sid), f"{year}-10-0{1 + k % 2}.txt"), (str(sid + 1), f"{year}-10-0{1 + k % 2}.txt")]
        write_checkworthiness(rows, data / name)
        (data / csv_name).write_text("Sentence_id,Text,File_id\n" + "".join(f"{i},x,{f}\n" for i, f in ids))

    write_split("train.tsv", "claimbuster_crowdsourced.csv", 0, 8)
    write_split("dev.tsv", "claimbuster_groundtruth.csv", 5000, 3)

    def news_rows(first: int, count: int) -> list[LabelledSentence]:
        return [row for a in range(first, first + count) for row in (
            sentence(f"vclaim-pol-{a:05d}:1", True, TOPIC_YES[a % 4].format(n=a + 2, y=2000 + a)),
            sentence(f"vclaim-pol-{a:05d}:2", False, TOPIC_NO[a % 4]))]

    write_checkworthiness(news_rows(0, 12), news / "news_train.tsv")
    write_checkworthiness(news_rows(50, 6), news / "news_dev.tsv")
    return data, news


def test_source_held_out_pools_models_that_never_saw_the_fold(tmp_path: Path, fake_embedder, store) -> None:
    data, news = tiny_benchmark(tmp_path)
    work = tmp_path / "work"
    said: list[str] = []
    result = source_held_out(data, embedder=fake_embedder, cache=store, folds=2, news_dir=news, work_dir=work,
                             progress=said.append)
    assert result["k"] == 2 and result["rule"] == FOLD_RULE and result["embedding_model"] == "hash-embedder"
    assert [f["years"] for f in result["folds"]] == [["1960", "1976"], ["1980", "1984"]]
    assert any("fold 2" in line for line in said)
    file_ids = (read_file_ids(data / "claimbuster_crowdsourced.csv")
                | read_file_ids(data / "claimbuster_groundtruth.csv"))
    dev = read_checkworthiness_file(data / "dev.tsv")
    news_dev = read_checkworthiness_file(news / "news_dev.tsv")
    pooled_flags, pooled_labels, news_flags, news_labels = [], [], [], []
    for fold in result["folds"]:
        where = work / f"fold{fold['fold']}"
        # what the fold's model fitted on and chose on, read back from the files it was given
        fitted = read_checkworthiness_file(where / "train.tsv")
        chosen = read_checkworthiness_file(where / "dev.tsv")
        assert not {file_ids[r.sentence_id][:4] for r in fitted + chosen} & set(fold["years"])
        assert {file_ids[r.sentence_id] for r in fitted + chosen}.isdisjoint(fold["files"])
        provenance = json.loads((where / "detector.json").read_text())
        assert provenance["data"]["train"]["rows"] == len(fitted) == fold["n_train"]
        assert provenance["data"]["dev"]["rows"] == len(chosen) == fold["n_choose"]
        test = [r for r in dev if file_ids[r.sentence_id][:4] in fold["years"]]
        test_articles = {news_article(r.sentence_id) for r in news_dev} - {
            news_article(r.sentence_id) for r in read_checkworthiness_file(where / "news_dev.tsv")}
        test_news = [r for r in news_dev if news_article(r.sentence_id) in test_articles]
        assert fold["debates"]["n"] == len(test) and fold["news"]["n"] == len(test_news)
        model = Detector.load(where)
        for rows, flags, labels in ((test, pooled_flags, pooled_labels), (test_news, news_flags, news_labels)):
            flags.extend(model.score([r.text for r in rows], embedder=fake_embedder) >= model.threshold)
            labels.extend(r.label for r in rows)
    # the pooled figure is F1 over all dev sentences, each decided by its own fold's model
    assert result["source_held_out"]["debates"]["n"] == len(dev) == len(pooled_labels)
    expected = f1_scores(np.array(pooled_flags, dtype=float), pooled_labels, 0.5)
    assert result["source_held_out"]["debates"]["f1"] == pytest.approx(expected["f1"], abs=5e-5)
    expected_news = f1_scores(np.array(news_flags, dtype=float), news_labels, 0.5)
    assert result["source_held_out"]["news"]["f1"] == pytest.approx(expected_news["f1"], abs=5e-5)
    assert result["source_held_out"]["news"]["n"] == len(news_dev)
    # beside them, the same models on the crowd labels of the held-out years' training sentences
    assert result["source_held_out"]["crowd"]["n"] == len(read_checkworthiness_file(data / "train.tsv"))
    assert [f["crowd"]["n"] for f in result["folds"]] == [16 * 2, 16 * 2]
    # every figure carries its drop from the model that saw all sources, on the same sentences
    seen = result["seen"]
    assert seen["debates"]["n"] == len(dev) and seen["news"]["n"] == len(news_dev)
    assert result["source_held_out"]["debates"]["drop"] == pytest.approx(
        seen["debates"]["f1"] - result["source_held_out"]["debates"]["f1"], abs=1e-4)
    assert all("drop" in f["debates"] and "drop" in f["news"] for f in result["folds"])
    low, high = result["source_held_out"]["debates"]["ci95"]
    assert 0.0 <= low <= result["source_held_out"]["debates"]["f1"] <= high <= 1.0
    genre = result["genre_held_out"]
    assert genre["news"]["n"] == len(news_dev) and genre["news"]["drop"] == pytest.approx(
        seen["news"]["f1"] - genre["news"]["f1"], abs=1e-4)
    debates_only = json.loads((work / "debates-only" / "detector.json").read_text())
    assert debates_only["data"]["extra_train"] == [] and debates_only["data"]["extra_dev"] == []


def test_source_held_out_refuses_news_dev_articles_in_training(tmp_path: Path, fake_embedder, store) -> None:
    data, news = tiny_benchmark(tmp_path)
    leaked = read_checkworthiness_file(news / "news_train.tsv") + read_checkworthiness_file(news / "news_dev.tsv")[:1]
    write_checkworthiness(leaked, news / "news_train.tsv")
    with pytest.raises(InvalidValueError, match="1 article\\(s\\) are in both news_train.tsv and news_dev.tsv"):
        source_held_out(data, embedder=fake_embedder, cache=store, folds=2, news_dir=news, work_dir=tmp_path / "w")
    assert not (tmp_path / "w").exists()


def test_source_held_out_without_news(tmp_path: Path, fake_embedder, store) -> None:
    data, _ = tiny_benchmark(tmp_path)
    result = source_held_out(data, embedder=fake_embedder, cache=store, folds=4)
    assert [f["years"] for f in result["folds"]] == [[y] for y in YEARS_TINY]
    assert set(result["source_held_out"]) == {"debates", "crowd"} and "genre_held_out" not in result
    assert sum(f["debates"]["n"] for f in result["folds"]) == result["source_held_out"]["debates"]["n"] == 24


def test_bootstrap_f1_interval() -> None:
    labels = np.array([True, False] * 200)
    assert bootstrap_f1(labels, labels) == [1.0, 1.0]  # every resample is perfect
    assert bootstrap_f1(~labels, labels) == [0.0, 0.0]
    noisy = labels.copy()
    noisy[:40] = ~noisy[:40]  # 20 true positives missed, 20 false alarms: F1 0.9
    low, high = bootstrap_f1(noisy, labels)
    assert low < 0.9 < high and high - low < 0.1
    assert bootstrap_f1(noisy, labels) == [low, high]  # seeded


from test_cli import cli  # noqa: E402, F401  (the fixture)


def test_heldout_command_help_and_fold_count(cli) -> None:
    out = cli("bench", "checkworthiness-heldout", "--help").output
    assert "--folds" in out and "--news" in out and "--json" in out and "Source-held-out F1" in out
    result = cli("bench", "checkworthiness-heldout", "--data", ".", "--folds", "1", ok=False)
    assert result.exit_code == 2 and "1 is not in the range x>=2" in result.output


@pytest.mark.slow
def test_heldout_command_on_tiny_data(cli, tmp_path: Path) -> None:
    data, news = tiny_benchmark(tmp_path / "bench")  # tmp_path/data is the cli's workspace
    result = json.loads(cli("bench", "checkworthiness-heldout", "--data", str(data), "--news", str(news),
                            "--folds", "2", "--json").output.splitlines()[-1])
    assert result["embedding_model"].startswith("all-MiniLM-L6-v2")  # the workspace's embedder, as the product
    assert result["source_held_out"]["debates"]["n"] == 24 and result["source_held_out"]["news"]["n"] == 12
    assert [f["years"] for f in result["folds"]] == [["1960", "1976"], ["1980", "1984"]]
    text = cli("bench", "checkworthiness-heldout", "--data", str(data), "--folds", "2").output
    assert "source held out, 2 folds pooled: debates F1 " in text and "drop " in text
    assert "fold 2 (1980, 1984): debates F1 " in text and "genre held out" not in text
    missing = cli("bench", "checkworthiness-heldout", "--data", str(tmp_path / "nowhere"), ok=False)
    assert missing.exit_code == 1 and missing.output.startswith("Error: ") and "train.tsv" in missing.output
