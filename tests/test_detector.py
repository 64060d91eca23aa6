"""Tests for claims.detector: the shipped weights, scoring, the fallback."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import claims.detector as detector_module
from claims.detect import HeuristicScorer
from claims.detector import (
    WEIGHTS_DIR,
    Detector,
    DetectorScorer,
    WeightsMissingError,
    load_scorer,
    ngram_terms,
    tokens,
)
from claims.errors import InvalidValueError, ModelError

REPO = Path(__file__).resolve().parents[1]

CLAIMS = [
    "Russia has not captured any of Ukraine's 10 largest cities since starting its offensive on February 24.",
    "Unemployment fell to 3.7% in 2019, the lowest rate since 1969.",
    "We're consuming 50 percent of the world's cocaine.",
    "The deficit has doubled in the last four years.",
    "The senator voted against the bill three times.",
    "Exports rose by $1.2 billion last year, more than any other country.",
    "We spent $4 trillion on the war in Iraq.",
]

NOT_CLAIMS = [
    "Thank you very much.",
    "Thank you.",
    "Good evening, everyone.",
    "What do you think?",
    "I think we will win.",
    "We will not stand by.",
    "We're going to get it done.",
    "Let me help the governor.",
    "Look at the record.",
    "We must reduce our deficit.",
    "Well, you know, that's a good question.",
    "Hello!",
    "Yes.",
]


@pytest.fixture(scope="module")
def shipped() -> Detector:
    return Detector.load()

def test_public_surface() -> None:
    assert set(detector_module.__all__) >= {"Detector", "DetectorScorer", "load_scorer", "build_scorer",
                                            "WeightsMissingError"}
    for name in detector_module.__all__:
        assert hasattr(detector_module, name)
    # training is the lab's (lab.checkworthiness), not the product's
    assert not hasattr(detector_module, "train_detector")


# -- the shipped weights -------------------------------------------------------------------------


def test_shipped_weights_are_small() -> None:
    npz, meta = WEIGHTS_DIR / "detector.npz", WEIGHTS_DIR / "detector.json"
    assert npz.stat().st_size < 1_500_000
    assert meta.stat().st_size < 20_000


def test_quality_in_words(shipped: Detector) -> None:
    assert shipped.quality() == "F1 0.911 on debate speech, F1 0.861 on news"
    old = Detector(shipped.arrays, {"dev": {"f1": 0.9}, "data": {"dev": {"file": "dev.tsv"}}})
    assert old.quality() == "F1 0.900 on debate speech"
    assert Detector(shipped.arrays, {}).quality() == "no dev figures recorded"


def test_shipped_weights_load_without_pickle() -> None:
    with np.load(WEIGHTS_DIR / "detector.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


@pytest.mark.slow
@pytest.mark.parametrize("text", CLAIMS)
def test_claims_score_high(shipped: Detector, embedder, text: str) -> None:
    [score] = shipped.score([text], embedder=embedder)
    assert score >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("text", NOT_CLAIMS)
def test_non_claims_score_low(shipped: Detector, embedder, text: str) -> None:
    [score] = shipped.score([text], embedder=embedder)
    assert score < 0.1


@pytest.mark.slow
def test_score_precomputed_embeddings_and_cache_agree(shipped: Detector, embedder, store) -> None:
    texts = CLAIMS[:3] + NOT_CLAIMS[:3]
    direct = shipped.score(texts, embedder.encode(texts))
    before = embedder.texts_encoded
    cached = shipped.score(texts, embedder=embedder, cache=store)
    again = shipped.score(texts, embedder=embedder, cache=store)
    assert embedder.texts_encoded == before + len(texts)  # the second call read every vector from the cache
    np.testing.assert_allclose(cached, direct, atol=1e-5)
    assert np.array_equal(cached, again)
    assert cached.dtype == np.float64 and ((cached >= 0) & (cached <= 1)).all()


def test_score_edge_cases(shipped: Detector) -> None:
    assert shipped.score([]).shape == (0,)
    scores = shipped.score(["", "  ", "Taxes rose 5 percent in 2019."], np.zeros((3, 384), dtype=np.float32))
    assert scores[0] == scores[1] == 0.0 and 0.0 < scores[2] <= 1.0


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({}, InvalidValueError, "needs sentence embeddings or an embedder"),
        ({"embeddings": np.zeros((2, 384))}, InvalidValueError, "expected embeddings of shape (1, 384)"),
        ({"embeddings": np.zeros((1, 64))}, InvalidValueError, "expected embeddings of shape (1, 384)"),
    ],
)
def test_score_rejects_bad_embeddings(shipped: Detector, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        shipped.score(["Taxes rose."], **kwargs)


def test_score_rejects_another_embedding_model(shipped: Detector, fake_embedder) -> None:
    with pytest.raises(ModelError, match="trained on all-MiniLM-L6-v2 embeddings, not 'hash-embedder'"):
        shipped.score(["Taxes rose."], embedder=fake_embedder)


class NamedZeros:
    """An embedder that only has a name (and a base name): what the compatibility rule reads."""

    dim = 384

    def __init__(self, name: str, base_name: str) -> None:
        self.name, self.base_name = name, base_name

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def test_the_same_model_through_another_backend_keeps_the_detector(shipped: Detector) -> None:
    int8 = NamedZeros("all-MiniLM-L6-v2+onnx-int8", "all-MiniLM-L6-v2")
    scorer = detector_module.build_scorer(int8)
    assert isinstance(scorer, DetectorScorer) and not scorer.fallback
    assert shipped.score(["Taxes rose."], embedder=int8).shape == (1,)


def test_another_model_on_any_backend_gets_the_heuristic(shipped: Detector,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    other = NamedZeros("other-model+onnx-int8", "other-model")
    with caplog.at_level(logging.WARNING):
        scorer = detector_module.build_scorer(other)
    assert isinstance(scorer, HeuristicScorer) and scorer.fallback
    assert "trained on all-MiniLM-L6-v2 embeddings, the workspace embeds with other-model+onnx-int8" in scorer.reason
    with pytest.raises(ModelError, match="trained on all-MiniLM-L6-v2 embeddings, not 'other-model\\+onnx-int8'"):
        shipped.score(["Taxes rose."], embedder=other)


@pytest.mark.slow
def test_int8_and_torch_vectors_flag_the_same_sentences(shipped: Detector, tmp_path: Path) -> None:
    # The shipped weights were fitted on torch vectors; int8 vectors must not move a clear decision.
    # (On the dev sets the F1 moves by under 0.01: docs/BENCHMARKS.md, "Speed".)
    import os

    from index.embed import Embedder

    torch_embedder = Embedder(backend="torch")
    int8 = Embedder(backend="onnx-int8", models_dir=Path(os.environ.get("CLAIMDESK_MODELS_DIR") or tmp_path))
    texts = CLAIMS + NOT_CLAIMS
    by_torch = shipped.score(texts, embedder=torch_embedder)
    by_int8 = shipped.score(texts, embedder=int8)
    assert ((by_int8 >= 0.5) == (by_torch >= 0.5)).all()
    assert np.abs(by_int8 - by_torch).max() < 0.1


def test_scoring_needs_numpy_only() -> None:
    code = ("import sys, numpy as np; from claims.detector import Detector; d = Detector.load(); "
            "s = d.score(['Taxes rose 5 percent.'], np.zeros((1, 384))); "
            "assert not {'sklearn', 'scipy', 'streamlit', 'lab'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Unemployment fell to 3.7% in 2019?", ["unemployment", "fell", "to", "<num>", "%", "in", "<year>", "?"]),
        ("We’re paying $1,200 a month.", ["we're", "paying", "$", "<num>", "a", "month"]),
        ("Café prices — up!", ["café", "prices", "up", "!"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_ngram_terms() -> None:
    assert ngram_terms("Taxes rose 5%") == ["taxes", "rose", "<num>", "%", "taxes rose", "rose <num>", "<num> %"]


# -- missing or damaged weights --------------------------------------------------------------------


def test_missing_weights_fall_back_to_the_heuristic(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(WeightsMissingError, match=f"{tmp_path / 'detector.npz'} are missing"):
        Detector.load(tmp_path)
    with caplog.at_level(logging.WARNING, logger="claims.detector"):
        scorer = load_scorer(lambda texts: np.zeros((len(texts), 384)), tmp_path)
    assert isinstance(scorer, HeuristicScorer)
    assert scorer.fallback is True and scorer.name == "heuristic"
    assert "are missing; using the heuristic check-worthiness scores instead" in scorer.reason
    assert "using the heuristic" in caplog.text
    assert scorer(["Unemployment fell to 3.7% in 2019.", "Thank you."])[0] > 0.5


def test_shipped_weights_give_the_detector(shipped: Detector) -> None:
    scorer = load_scorer(lambda texts: np.zeros((len(texts), 384)))
    assert isinstance(scorer, DetectorScorer)
    assert (scorer.fallback, scorer.name, scorer.threshold) == (False, "detector", shipped.threshold)
    assert len(scorer(["Taxes rose.", "Thank you."])) == 2
    assert "F1 0.911 on debate speech, F1 0.861 on news at threshold 0.5" in shipped.describe()


def copy_weights(folder: Path) -> Path:
    folder.mkdir()
    for name in ("detector.npz", "detector.json"):
        shutil.copy(WEIGHTS_DIR / name, folder / name)
    return folder


def test_damaged_weights_are_refused(tmp_path: Path) -> None:
    folder = copy_weights(tmp_path / "w")
    data = bytearray((folder / "detector.npz").read_bytes())
    data[100] ^= 0xFF
    (folder / "detector.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="are corrupt: sha256"):
        Detector.load(folder)
    with pytest.raises(ModelError, match="are corrupt"):
        load_scorer(lambda texts: np.zeros((len(texts), 384)), folder)


def test_load_accepts_the_npz_path(tmp_path: Path) -> None:
    folder = copy_weights(tmp_path / "w")
    assert Detector.load(folder / "detector.npz").provenance == Detector.load(folder).provenance


def test_other_format_is_refused(tmp_path: Path) -> None:
    folder = copy_weights(tmp_path / "w")
    meta = json.loads((folder / "detector.json").read_text())
    meta["format"] = 99
    (folder / "detector.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="have format 99, expected 1"):
        Detector.load(folder)
