"""The ONNX Runtime backend: exported once from the bundled model, the same vectors as torch (fp32) or close (int8)."""

import json
import shutil
import threading

import numpy as np
import pytest

import index.onnx as onnx_module
from claims.errors import InvalidValueError, ModelError
from index.embed import MODEL_NAME, Embedder, bundled_model_path, text_hash
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
def torch_embedder():
    """sentence-transformers itself, the reference every backend is held to (whatever the suite's default)."""
    return Embedder(backend="torch")


@pytest.fixture(scope="module")
def onnx_fp32(models_dir):
    return Embedder(backend="onnx", models_dir=models_dir)


@pytest.fixture(scope="module")
def onnx_int8(models_dir):
    return Embedder(backend="onnx-int8", models_dir=models_dir)


@pytest.mark.slow
def test_fp32_export_gives_the_vectors_of_sentence_transformers(torch_embedder, onnx_fp32):
    assert (onnx_fp32.name, onnx_fp32.dim, onnx_fp32.base_name) == (f"{MODEL_NAME}+onnx", 384, MODEL_NAME)
    assert (torch_embedder.name, torch_embedder.base_name) == (MODEL_NAME, MODEL_NAME)
    expected = torch_embedder.encode(TEXTS)
    got = onnx_fp32.encode(TEXTS)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.slow
def test_int8_export_stays_close_and_ranks_alike(torch_embedder, onnx_int8):
    assert onnx_int8.name == f"{MODEL_NAME}+onnx-int8" != torch_embedder.name
    got = onnx_int8.encode(TEXTS)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.sum(got * torch_embedder.encode(TEXTS), axis=1).min() > 0.97
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
def test_batches_are_cut_by_tokens_not_characters(onnx_fp32, monkeypatch):
    # A link is many tokens for its characters: sorted by characters, each link would share a batch with
    # a longer plain sentence of fewer tokens, and both would be padded to the link's width.
    encoder = onnx_fp32._model
    links = ["see https://t.co/a1B2c3D4e5 https://t.co/f6G7h8I9j0", "pic.twitter.com/Zq9Xw8Vu7T https://t.co/k1L2"]
    plain = ["The minister spoke at length on Tuesday.", "Unemployment in the region fell slightly over two years."]
    texts = [links[0], plain[0], links[1], plain[1]]
    tokens = {t: len(encoder.tokenizer.encode(t).ids) for t in texts}
    assert min(tokens[t] for t in links) > max(tokens[t] for t in plain)
    by_characters = sorted(texts, key=len)
    assert set(by_characters[:2]) not in ({*links}, {*plain})  # sorting by characters would mix them
    widths: list[tuple[int, int]] = []
    run = encoder.session.run

    def spy(outputs, feed):
        widths.append(feed["input_ids"].shape)
        return run(outputs, feed)

    monkeypatch.setattr(encoder.session, "run", spy, raising=False)
    got = encoder.encode(texts, 2)
    assert sorted(widths) == sorted([(2, max(tokens[t] for t in plain)), (2, max(tokens[t] for t in links))])
    alone = np.stack([encoder.encode([t], 2)[0] for t in texts])
    assert np.abs(got - alone).max() < 1e-5  # each row is still its own text's vector


@pytest.mark.slow
def test_export_is_reused_and_redone_when_the_source_changes(models_dir, onnx_int8, monkeypatch):
    monkeypatch.setattr(onnx_module, "_KNOWN_EXPORTS", {})  # export for real, not a copy of another folder's
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
def test_a_damaged_export_is_made_again(models_dir, onnx_int8, monkeypatch):
    monkeypatch.setattr(onnx_module, "_KNOWN_EXPORTS", {})
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


@pytest.mark.slow
def test_the_product_runs_the_backend_of_its_settings(monkeypatch, models_dir, onnx_int8):
    from claims.settings import load_settings

    monkeypatch.setenv("CLAIMDESK_MODELS_DIR", str(models_dir))
    monkeypatch.delenv("CLAIMDESK_EMBED_BACKEND", raising=False)
    product = Embedder.from_settings(load_settings())
    assert (product.name, product.backend) == (f"{MODEL_NAME}+onnx-int8", "onnx-int8")  # the default, from the export
    monkeypatch.setenv("CLAIMDESK_EMBED_BACKEND", "torch")
    assert Embedder.from_settings(load_settings()).name == MODEL_NAME  # torch stays one setting away
    assert Embedder().backend == "torch"  # the bare class is the reference the benchmarks compare with


@pytest.mark.slow
def test_another_process_exporting_is_waited_for_and_its_export_reused(tmp_path, models_dir, onnx_int8,
                                                                       monkeypatch):
    import fcntl

    monkeypatch.setattr(onnx_module, "_KNOWN_EXPORTS", {})  # nothing to copy: only the lock can prevent an export
    folder = tmp_path / "shared-models"
    folder.mkdir()
    target = onnx_model_file(folder, MODEL_NAME, "int8")
    result: list = []
    waiting = threading.Thread(target=lambda: result.append(
        export_onnx(bundled_model_path(), folder, model_name=MODEL_NAME, variant="int8")), daemon=True)
    with open(target.with_name(target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # "another process" is exporting
        waiting.start()
        waiting.join(timeout=2.0)
        assert waiting.is_alive() and not target.exists(), "the second exporter must wait for the lock"
        source = onnx_model_file(models_dir, MODEL_NAME, "int8")
        shutil.copy(source, target)  # the other process finishes its export ...
        shutil.copy(source.with_suffix(".json"), target.with_suffix(".json"))
        written = target.stat().st_mtime_ns
    # ... and lets go (closing the file releases the lock, also when an assertion above failed)
    waiting.join(timeout=60)
    assert result == [target] and target.stat().st_mtime_ns == written  # reused, not exported again


@pytest.mark.slow
def test_an_export_of_this_process_is_copied_to_another_models_folder(tmp_path, models_dir, onnx_int8,
                                                                     monkeypatch):
    import time

    monkeypatch.setattr(onnx_module, "_KNOWN_EXPORTS", {})
    export_onnx(bundled_model_path(), models_dir, model_name=MODEL_NAME, variant="int8")  # checked: now known
    started = time.perf_counter()
    copied = export_onnx(bundled_model_path(), tmp_path / "models", model_name=MODEL_NAME, variant="int8")
    assert time.perf_counter() - started < 5.0  # a copy and a checksum, not a 15 s export
    original = onnx_model_file(models_dir, MODEL_NAME, "int8")
    assert copied.read_bytes() == original.read_bytes()
    assert copied.with_suffix(".json").read_text() == original.with_suffix(".json").read_text()


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


SEED_CLAIM = "Russia has not captured any of Ukraine's 10 largest cities since starting its offensive on February 24."


@pytest.mark.slow
def test_a_workspace_built_with_torch_is_re_embedded_once_when_opened_with_int8(tmp_path, torch_embedder, onnx_int8):
    # The upgrade path when the default backend changes: the old vectors stay under their own name,
    # the statements get vectors under the new one on first use, and the FAISS cache is rebuilt for it.
    from claims.models import Tier
    from claims.settings import load_settings
    from claims.workspace import Workspace

    settings = load_settings({"db_url": f"sqlite:///{tmp_path / 'ws.db'}", "index_dir": str(tmp_path / "index")},
                             environ={})
    old = Workspace(settings, embedder=torch_embedder)
    old.load_demo_archive()
    [torch_top, *_] = old.match_text(SEED_CLAIM)
    hashes = sorted({text_hash(t) for t in old.store.statements.texts_without_vectors("no-such-model")})
    n_statements = len(old.store.statements.statement_texts()[0])
    old.close()
    assert (tmp_path / "index" / "manifest.json").is_file()

    before = onnx_int8.texts_encoded
    new = Workspace(settings, embedder=onnx_int8)
    try:
        assert new.index.model == onnx_int8.name and new.index.count == n_statements
        assert onnx_int8.texts_encoded - before == len(hashes)  # every statement text embedded once, no more
        assert not new.store.statements.texts_without_vectors(onnx_int8.name)
        [int8_top, *_] = new.match_text(SEED_CLAIM)
        assert int8_top.statement.id == torch_top.statement.id
        assert "ten largest cities" in int8_top.statement.text
        # The verifier reads int8 cosines (same base model): a probability decides the tier.
        assert int8_top.probability is not None and int8_top.tier is Tier.SAME_CLAIM
        assert torch_top.probability is not None and torch_top.tier is Tier.SAME_CLAIM
        torch_vectors = new.store.embeddings.get_embeddings(torch_embedder.name, hashes)
        int8_vectors = new.store.embeddings.get_embeddings(onnx_int8.name, hashes)
        assert len(torch_vectors) == len(int8_vectors) == len(hashes)  # kept apart, each under its own name
        cosines = [float(torch_vectors[h] @ int8_vectors[h]) for h in hashes]
        assert 0.97 < min(cosines) and max(cosines) < 1.0 - 1e-6
    finally:
        new.close()
    again = Workspace(settings, embedder=onnx_int8)
    try:
        encoded = onnx_int8.texts_encoded
        assert again.index.model == onnx_int8.name
        assert onnx_int8.texts_encoded == encoded  # the cache and the saved index serve; nothing embedded
    finally:
        again.close()


@pytest.mark.slow
def test_int8_vectors_keep_the_trained_detector_and_the_verifier(tmp_path, onnx_int8):
    from claims.detector import DetectorScorer
    from claims.settings import load_settings
    from claims.workspace import Workspace

    settings = load_settings({"db_url": f"sqlite:///{tmp_path / 'ws.db'}", "index_dir": str(tmp_path / "index")},
                             environ={})
    ws = Workspace(settings, embedder=onnx_int8)
    try:
        assert isinstance(ws.scorer, DetectorScorer) and not ws.scorer.fallback
        assert ws.detector_status().trained
        assert ws.verifier() is not None
        # fitted on the same model's vectors (the verifier through int8, the detector through torch)
        assert ws.verifier().provenance["embedder"].split("+")[0] == MODEL_NAME == onnx_int8.base_name
    finally:
        ws.close()
