"""The ONNX Runtime path of the sentence-transformers model: exported once, offline, into the data folder.

:func:`export_onnx` traces the local model (the transformer, then mean pooling over the attention
mask, then L2 normalisation, as the sentence-transformers pipeline of all-MiniLM-L6-v2 does) with
``torch.onnx`` into one graph whose output is the sentence embedding, fuses it for ONNX Runtime
(attention, layer norms, GELU) and, for the ``int8`` variant, quantises its weights dynamically. The
file goes to ``<models_dir>/<model>-<variant>.onnx`` beside a manifest (``.json``) that holds the
sha256 of the source weights, the sha256 of the ONNX file and the export recipe; a changed model,
a damaged file or a new recipe means a fresh export. Both files are written atomically, under a
lock file beside them (``<model>-<variant>.onnx.lock``), so processes that start together (the app's
replicas, the CLI beside the app) export once and the others wait and reuse it. Within one process an
export already made for the same source and recipe in another models folder is copied, not redone.

:class:`OnnxRuntimeEncoder` runs it with the model's own tokenizer (``tokenizer.json`` through the
``tokenizers`` library, truncated at the model's ``max_seq_length``). It needs neither torch nor
transformers at run time; only the export does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from claims.errors import ModelError
from index.atomic import atomic_write, atomic_write_text

__all__ = ["VARIANTS", "ExportManifest", "onnx_model_file", "export_onnx", "OnnxRuntimeEncoder"]

VARIANTS = ("fp32", "int8")
# Bump when the export recipe changes: every saved export is then redone once.
RECIPE = 1
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_EXPORT_LOCK = threading.Lock()
# (source sha256, variant, recipe) -> an export this process made or checked: copied into another
# models folder instead of being traced again (a process that opens several workspaces).
_KNOWN_EXPORTS: dict[tuple[str, str, int], Path] = {}


@dataclass(frozen=True)
class ExportManifest:
    """What an exported file was made from; compared with the source model before the file is used."""

    source_sha256: str
    onnx_sha256: str
    variant: str
    recipe: int
    dim: int
    max_seq_length: int
    fused: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def onnx_model_file(models_dir: Path, model_name: str, variant: str) -> Path:
    """Where the export of ``model_name`` in ``variant`` lives (its manifest has the suffix ``.json``)."""
    return Path(models_dir) / f"{model_name}-{variant}.onnx"


def _manifest_file(onnx_file: Path) -> Path:
    return onnx_file.with_suffix(".json")


def _sha256(path: Path) -> str:
    from index.embed import _sha256_cached

    stat = path.stat()
    return _sha256_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def source_sha256(model_path: Path) -> str:
    """The sha256 of a model folder's weights (``model.safetensors``, else ``pytorch_model.bin``)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = Path(model_path) / name
        if weights.is_file():
            return _sha256(weights)
    raise ModelError(f"model folder {model_path} holds no weights (model.safetensors or pytorch_model.bin)")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def _max_seq_length(model_path: Path) -> int:
    config = _read_json(model_path / "sentence_bert_config.json")
    if "max_seq_length" in config:
        return int(config["max_seq_length"])
    return int(_read_json(model_path / "config.json").get("max_position_embeddings", 512))


def _check_mean_pooling(model_path: Path) -> None:
    pooling = _read_json(model_path / "1_Pooling" / "config.json")
    if pooling and not pooling.get("pooling_mode_mean_tokens", False):
        raise ModelError(f"the ONNX backend supports mean-pooled models only; {model_path} pools otherwise "
                         "(use the torch backend: CLAIMDESK_EMBED_BACKEND=torch)")


def _saved_manifest(onnx_file: Path, source: str) -> ExportManifest | None:
    """The manifest of a saved export that can be used as is, or None."""
    try:
        manifest = ExportManifest(**json.loads(_manifest_file(onnx_file).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if manifest.source_sha256 != source or manifest.recipe != RECIPE or not onnx_file.is_file():
        return None
    if _sha256(onnx_file) != manifest.onnx_sha256:
        return None
    return manifest


@contextlib.contextmanager
def _export_lock(target: Path) -> Iterator[None]:
    """Hold the lock file of ``target`` (an exclusive ``flock``) so only one process exports it.

    Where ``fcntl`` is missing (Windows) only the threads of this process are kept apart; the
    atomic writes still leave a whole file, at worst exported twice.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    lock_file = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ModelError(f"cannot create the lock file {lock_file}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays, removing it would race


def _copy_known_export(key: tuple[str, str, int], target: Path, source: str) -> bool:
    """Copy an export this process already holds for ``key`` to ``target``; False when there is none."""
    known = _KNOWN_EXPORTS.get(key)
    if known is None or known == target or _saved_manifest(known, source) is None:
        return False
    atomic_write(target, lambda tmp: shutil.copyfile(known, tmp))
    atomic_write(_manifest_file(target), lambda tmp: shutil.copyfile(_manifest_file(known), tmp))
    return _saved_manifest(target, source) is not None


def export_onnx(model_path: Path, models_dir: Path, *, model_name: str, variant: str = "int8") -> Path:
    """The ONNX file of the model in ``model_path`` for ``variant``, exported now unless a valid one is saved.

    Nothing is downloaded: the model, its tokenizer and its config are read from the local folder.
    The first call for a models folder exports (about 15 s); later calls, in this process or
    another, check the saved file's sha256 and return it. Raises ModelError when the export cannot
    be made (the message says why).
    """
    if variant not in VARIANTS:
        raise ModelError(f"unknown ONNX variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    model_path = Path(model_path)
    _check_mean_pooling(model_path)
    source = source_sha256(model_path)
    target = onnx_model_file(models_dir, model_name, variant)
    key = (source, variant, RECIPE)
    with _EXPORT_LOCK:
        if _saved_manifest(target, source) is not None:
            _KNOWN_EXPORTS.setdefault(key, target)
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelError(f"cannot create the models folder {target.parent}: {exc}") from exc
        with _export_lock(target):
            # Another process may have exported while this one waited for the lock.
            if _saved_manifest(target, source) is not None or _copy_known_export(key, target, source):
                _KNOWN_EXPORTS.setdefault(key, target)
                return target
            _export(model_path, target, source, variant)
            _KNOWN_EXPORTS[key] = target
            return target


def _export(model_path: Path, target: Path, source: str, variant: str) -> None:
    """Trace, fuse and (int8) quantise the model into ``target``, then write its manifest; both atomically."""
    try:
        with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as work:
            traced = Path(work) / "traced.onnx"
            dim = _trace(model_path, traced)
            fused = _fuse(traced, Path(work) / "fused.onnx", model_path, dim)
            source_file = fused or traced
            if variant == "int8":
                atomic_write(target, lambda tmp: _quantise(source_file, Path(tmp)))
            else:
                atomic_write(target, lambda tmp: Path(tmp).write_bytes(source_file.read_bytes()))
    except ModelError:
        raise
    except Exception as exc:  # torch, onnx and onnxruntime raise many types
        raise ModelError(f"cannot export {model_path} to ONNX ({variant}): {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''} (the torch backend still works: "
                         "CLAIMDESK_EMBED_BACKEND=torch)") from exc
    manifest = ExportManifest(source_sha256=source, onnx_sha256=_sha256(target), variant=variant,
                              recipe=RECIPE, dim=dim, max_seq_length=_max_seq_length(model_path),
                              fused=fused is not None)
    atomic_write_text(_manifest_file(target), manifest.to_json())


def _trace(model_path: Path, out: Path) -> int:
    """Trace transformer + mean pooling + normalisation into ``out``; return the embedding dimension."""
    import warnings

    import torch
    from transformers import AutoModel

    # Eager attention traces the padding mask as a computation; the SDPA path may fold an
    # all-ones example mask into a constant and then ignore padding.
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True).eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    # A padded example, so the traced graph masks padding for real.
    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    axes["sentence_embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(SentenceEmbedding(model), (ids, mask, torch.zeros_like(ids)), str(out),
                          input_names=list(_INPUTS), output_names=["sentence_embedding"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    return int(model.config.hidden_size)


def _fuse(traced: Path, out: Path, model_path: Path, dim: int) -> Path | None:
    """ONNX Runtime's BERT fusions (attention, skip layer norm, GELU) when they apply; None otherwise."""
    try:
        from onnxruntime.transformers import optimizer
    except ImportError:
        return None
    heads = int(_read_json(model_path / "config.json").get("num_attention_heads", 0))
    try:
        optimised = optimizer.optimize_model(str(traced), model_type="bert", num_heads=heads, hidden_size=dim,
                                             opt_level=1)
    except Exception:  # a model the fusions do not understand still runs unfused
        return None
    if not optimised.get_fused_operator_statistics().get("Attention"):
        return None
    optimised.save_model_to_file(str(out))
    return out


def _quantise(source: Path, out: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})


class OnnxRuntimeEncoder:
    """Unit-length sentence vectors from an exported ONNX file and the model's own tokenizer.

    ``encode`` sorts texts by their number of tokens and pads per batch, so short texts do not pay
    for long ones.
    """

    def __init__(self, onnx_file: Path, model_path: Path, *, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(f"the ONNX backend needs onnxruntime and tokenizers ({exc}); install "
                             "requirements.txt or set CLAIMDESK_EMBED_BACKEND=torch") from None
        tokenizer_file = Path(model_path) / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ModelError(f"the ONNX backend needs the model's {tokenizer_file}")
        self.max_seq_length = _max_seq_length(Path(model_path))
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(self.max_seq_length)
        self.tokenizer.no_padding()  # the file pads to a fixed 128; encode pads each batch itself
        pad_id = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if pad_id is None else pad_id
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or max(1, min(os.cpu_count() or 1, 8))
        options.inter_op_num_threads = 1
        # Busy-waiting threads help on an idle machine and cost dearly on a shared one (two cores
        # serving Streamlit, SQLite and the model): measured faster without on the 2-core kind.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ModelError(f"cannot load the ONNX model {onnx_file}: {exc}") from exc
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Unit float32 vectors, one row per text, in the order given.

        Batches are cut from the texts sorted by their number of tokens, each padded to its longest. Sorting by
        characters, as sentence-transformers does, padded 42 % more tokens on CLEF tweets and fact-checks (a
        link is many tokens for its characters); by tokens, 4 %.
        """
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                encoding = encodings[i]
                n = len(encoding.ids)
                ids[row, :n] = encoding.ids
                mask[row, :n] = encoding.attention_mask
                types[row, :n] = encoding.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            out[rows] = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        # The graph normalises already; this only removes float rounding from the int8 path.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, np.maximum(norms, 1e-12), out=out)
        return out
