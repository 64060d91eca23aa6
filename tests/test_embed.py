import os
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from claims.errors import ModelError
from index.embed import MODEL_NAME, Embedder, bundled_model_path, embed_cached, same_model, text_hash, verify_model


class DictCache:
    def __init__(self):
        self.data = {}

    def get_embeddings(self, model, hashes):
        return {h: self.data[(model, h)] for h in hashes if (model, h) in self.data}

    def put_embeddings(self, model, vectors):
        for h, v in vectors.items():
            self.data[(model, h)] = v


@pytest.mark.parametrize(("a", "b"), [("a  b", " a b\n"), ("x\ty", "x y")])
def test_text_hash_ignores_whitespace_runs(a, b):
    assert text_hash(a) == text_hash(b)


def test_text_hash_differs_for_different_text():
    assert text_hash("Russia took 5 cities") != text_hash("Russia took 6 cities")


@pytest.mark.slow
def test_real_model_gives_unit_vectors_that_rank_paraphrases_first(embedder):
    # Whatever backend the run uses (CLAIMDESK_EMBED_BACKEND), it is the bundled model, named by it.
    assert (embedder.base_name, embedder.dim) == (MODEL_NAME, 384)
    assert embedder.name == (MODEL_NAME if embedder.backend == "torch" else f"{MODEL_NAME}+{embedder.backend}")
    vectors = embedder.encode([
        "Russia has not captured any of Ukraine's ten largest cities.",
        "None of Ukraine's biggest ten cities has fallen to Russian forces.",
        "Inflation in the euro area reached a record high last year.",
    ])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.6 > sims[0, 2]


@pytest.mark.slow
def test_cache_never_embeds_the_same_text_twice(embedder):
    cache = DictCache()
    before = embedder.texts_encoded
    first = embed_cached(["one claim", "two claims", "one  claim"], embedder, cache)
    assert embedder.texts_encoded - before == 2  # "one claim" twice (after whitespace) counts once
    second = embed_cached(["two claims", "one claim"], embedder, cache)
    assert embedder.texts_encoded - before == 2
    assert np.allclose(first[1], second[0]) and np.allclose(first[0], first[2])


def test_empty_input_gives_empty_matrix(fake_embedder):
    out = embed_cached([], fake_embedder, DictCache())
    assert out.shape == (0, fake_embedder.dim)
    assert fake_embedder.texts_encoded == 0


def test_bundled_model_passes_its_checksum():
    verify_model(bundled_model_path())


def test_corrupt_model_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_path(), copy)
    with (copy / "model.safetensors").open("r+b") as fp:
        fp.seek(1000)
        fp.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError, match="model.safetensors are corrupt: sha256"):
        verify_model(copy)
    with pytest.raises(ModelError, match="are corrupt"):
        Embedder(copy)


def test_missing_model_is_refused(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        Embedder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="model.safetensors are missing"):
        verify_model(tmp_path / "empty")


@pytest.mark.parametrize(
    ("trained_on", "name", "base_name", "accepted"),
    [
        (MODEL_NAME, MODEL_NAME, MODEL_NAME, True),
        (MODEL_NAME, f"{MODEL_NAME}+onnx-int8", MODEL_NAME, True),  # the same model through another backend
        (MODEL_NAME, f"{MODEL_NAME}+onnx", MODEL_NAME, True),
        (f"{MODEL_NAME}+onnx-int8", f"{MODEL_NAME}+onnx-int8", MODEL_NAME, True),
        (f"{MODEL_NAME}+onnx-int8", MODEL_NAME, MODEL_NAME, True),  # fitted on int8 vectors, read through torch
        (f"{MODEL_NAME}+onnx-int8", "other-model", "other-model", False),
        (f"{MODEL_NAME}+int8", MODEL_NAME, MODEL_NAME, False),  # not a backend's suffix: another model's name
        (MODEL_NAME, "other-model+onnx-int8", "other-model", False),
        (MODEL_NAME, "hash-embedder", None, False),  # no base name: the name alone decides
        (None, "hash-embedder", None, True),  # weights that name no model
    ],
)
def test_same_model_looks_through_the_backend_only(trained_on, name, base_name, accepted):
    embedder = SimpleNamespace(name=name) if base_name is None else SimpleNamespace(name=name, base_name=base_name)
    assert same_model(trained_on, embedder) is accepted


@pytest.mark.slow
def test_the_cache_keeps_each_backends_vectors_apart(embedder, tmp_path):
    from claims.settings import load_settings

    models = os.environ.get("CLAIMDESK_MODELS_DIR") or str(tmp_path / "models")  # a shared export when the run has one
    other = Embedder.from_settings(load_settings(
        {"embed_backend": "torch" if embedder.backend != "torch" else "onnx-int8", "models_dir": models},
        environ={}))
    assert other.base_name == embedder.base_name and other.name != embedder.name
    cache = DictCache()
    mine = embed_cached(["Unemployment fell to 3.7% in 2019."], embedder, cache)
    theirs = embed_cached(["Unemployment fell to 3.7% in 2019."], other, cache)
    assert {model for model, _ in cache.data} == {embedder.name, other.name}
    assert float(mine[0] @ theirs[0]) > 0.97 and not np.array_equal(mine, theirs)


def test_embedder_name_is_known_without_loading_the_model(tmp_path):
    from index.embed import MODEL_NAME, embedder_name

    assert embedder_name(None, "torch") == MODEL_NAME
    assert embedder_name(None, "onnx-int8") == f"{MODEL_NAME}+onnx-int8"
    assert embedder_name(tmp_path / "my-model", "onnx") == "my-model+onnx"


def test_vector_memo_reads_each_vector_once_and_keeps_it():
    from index.embed import VectorMemo

    rng = np.random.default_rng(3)
    stored = {f"h{i}": (v / np.linalg.norm(v)).astype(np.float32) for i, v in enumerate(rng.normal(size=(3000, 384)))}
    asked: list[list[str]] = []

    class Cache:
        def get_embeddings(self, model, hashes):
            asked.append(list(hashes))
            return {h: stored[h] for h in hashes if h in stored}

    memo = VectorMemo(Cache(), "m")
    rows, data = memo.rows(["h5", "nope", "h5", "h2999"])
    assert rows[1] == -1 and rows[0] == rows[2] and data.dtype == np.float32 and data.shape == (2, 384)
    assert asked == [["h5", "nope", "h2999"]]
    rows, data = memo.rows([f"h{i}" for i in range(3000)])  # grows past its first block
    assert len(memo) == 3000 and sorted(asked[-1]) == sorted(f"h{i}" for i in range(3000) if i not in (5, 2999))
    assert np.array_equal(data[rows], np.stack([stored[f"h{i}"] for i in range(3000)]))
    asked.clear()
    memo.rows(["h1", "h2"])
    assert asked == []  # held: not read again
