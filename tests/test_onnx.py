"""The ONNX Runtime backend: exported once from the bundled model, the same vectors as torch (fp32) or close (int8)."""

import json
import shutil

import numpy as np
import pytest

from claims.errors import InvalidValueError, ModelError
from index.embed import MODEL_NAME, Embedder, bundled_model_path
from index.onnx import RECIPE, export_onnx, onnx_model_file

TEXTS = [
    "Hi",
    "Russia has not captured any of Ukraine's ten largest cities.",
    "None of Ukraine's biggest ten cities has fallen to Russian forces.",
    "Inflation in the euro area reached a record high last year, the central bank said on Tuesday.",
    "Café naïve résumé ÉLAN — 3.5% of 1,200",
    "word " * 400,  # longer than the model's 256 tokens: truncated as sentence-transformers does
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx_fp32(models_dir):
    return Embedder(backend="onnx", models_dir=models_dir)


@pytest.fixture(scope="module")
def onnx_int8(models_dir):
    return Embedder(backend="onnx-int8", models_dir=models_dir)


@pytest.mark.slow
def test_fp32_export_gives_the_vectors_of_sentence_transformers(embedder, onnx_fp32):
    assert (onnx_fp32.name, onnx_fp32.dim, onnx_fp32.base_name) == (f"{MODEL_NAME}+onnx", 384, MODEL_NAME)
    expected = embedder.encode(TEXTS)
    got = onnx_fp32.encode(TEXTS)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.slow
def test_int8_export_stays_close_and_ranks_alike(embedder, onnx_int8):
    assert onnx_int8.name == f"{MODEL_NAME}+onnx-int8" != embedder.name
    got = onnx_int8.encode(TEXTS)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.sum(got * embedder.encode(TEXTS), axis=1).min() > 0.97
    sims = got @ got.T
    assert sims[1, 2] > 0.6 > sims[1, 3]


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "tolerance"), [("onnx", 1e-5), ("onnx-int8", 0.03)])
def test_order_and_batching_barely_change_a_vector(request, backend, tolerance):
    # int8 activations are quantised with one scale per batch, so a text's companions move its
    # vector a little ("Hi" batched with a 400-word text: cosine 0.978); fp32 is exact up to rounding.
    embedder = request.getfixturevalue("onnx_fp32" if backend == "onnx" else "onnx_int8")
    alone = np.stack([embedder.encode([t])[0] for t in TEXTS])
    together = embedder.encode(list(reversed(TEXTS)))[::-1]
    assert 1 - np.sum(alone * together, axis=1).min() < tolerance


@pytest.mark.slow
def test_export_is_reused_and_redone_when_the_source_changes(models_dir, onnx_int8):
    target = onnx_model_file(models_dir, MODEL_NAME, "int8")
    manifest_file = target.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text())
    assert (manifest["recipe"], manifest["variant"], manifest["dim"]) == (RECIPE, "int8", 384)
    before = target.stat().st_mtime_ns
    assert export_onnx(bundled_model_path(), models_dir, model_name=MODEL_NAME, variant="int8") == target
    assert target.stat().st_mtime_ns == before  # reused, not exported again
    manifest_file.write_text(json.dumps({**manifest, "source_sha256": "0" * 64}))
    export_onnx(bundled_model_path(), models_dir, model_name=MODEL_NAME, variant="int8")
    assert target.stat().st_mtime_ns != before
    assert json.loads(manifest_file.read_text())["source_sha256"] == manifest["source_sha256"]
    assert not list(models_dir.glob(".*")), "a temporary file or folder was left behind"


@pytest.mark.slow
def test_a_damaged_export_is_made_again(models_dir, onnx_int8):
    target = onnx_model_file(models_dir, MODEL_NAME, "int8")
    target.write_bytes(b"not a model")
    export_onnx(bundled_model_path(), models_dir, model_name=MODEL_NAME, variant="int8")
    assert target.stat().st_size > 1_000_000


@pytest.mark.slow
def test_the_workspace_builds_the_backend_its_settings_ask_for(tmp_path, models_dir, onnx_int8):
    from claims.settings import load_settings
    from claims.workspace import Workspace

    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for path in models_dir.glob(f"{MODEL_NAME}-int8.*"):
        shutil.copy(path, data / "models" / path.name)  # the export is reused, not made again
    ws = Workspace(load_settings({"data_dir": str(data), "embed_backend": "onnx-int8"}, environ={}))
    try:
        assert ws.embedder.name == f"{MODEL_NAME}+onnx-int8"
        assert ws.index.model == f"{MODEL_NAME}+onnx-int8"
    finally:
        ws.close()


def test_unknown_backend_is_refused():
    with pytest.raises(InvalidValueError, match="unknown embedding backend 'tensorrt'"):
        Embedder(backend="tensorrt")


def test_onnx_backend_needs_a_models_folder():
    with pytest.raises(InvalidValueError, match="needs a folder for its exported model"):
        Embedder(backend="onnx-int8")


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(ModelError, match="unknown ONNX variant 'fp16'"):
        export_onnx(bundled_model_path(), tmp_path, model_name=MODEL_NAME, variant="fp16")


def test_models_pooled_otherwise_are_refused(tmp_path):
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True,
                                                                "pooling_mode_mean_tokens": False}))
    with pytest.raises(ModelError, match="mean-pooled models only"):
        export_onnx(model, tmp_path / "models", model_name="cls-model")


def test_a_folder_without_weights_is_refused(tmp_path):
    with pytest.raises(ModelError, match="holds no weights"):
        export_onnx(tmp_path, tmp_path / "models", model_name="empty")
