import re
from pathlib import Path

import pytest

from claims.errors import InvalidValueError
from claims.settings import SETTINGS, Settings, load_settings

REPO = Path(__file__).resolve().parent.parent


def test_defaults_put_the_workspace_in_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={})
    assert s.db_url == f"sqlite:///{tmp_path / 'data' / 'claimdesk.db'}"
    assert s.index_dir == tmp_path / "data" / "index"
    assert s.model_path is None
    assert s.top_k == 5
    assert s.embed_backend == "onnx-int8"  # measured: ~4x faster than torch, benchmark figures kept
    assert s.models_dir == s.models_folder == tmp_path / "data" / "models"


def test_the_models_folder_may_be_shared_and_torch_chosen(tmp_path):
    env = {"CLAIMDESK_DATA": str(tmp_path / "ws"), "CLAIMDESK_MODELS_DIR": "shared-models",
           "CLAIMDESK_EMBED_BACKEND": "torch"}
    s = load_settings(environ=env)
    assert s.models_folder == Path("shared-models").absolute() and s.embed_backend == "torch"
    assert load_settings({"models_dir": str(tmp_path / "m")}, environ=env).models_folder == tmp_path / "m"
    with pytest.raises(InvalidValueError, match="embed_backend must be torch, onnx or onnx-int8, got 'gpu'"):
        load_settings(environ={"CLAIMDESK_EMBED_BACKEND": "gpu"})


def test_environment_then_overrides():
    env = {"CLAIMDESK_DB": "sqlite:///x.db", "CLAIMDESK_TOP_K": "9"}
    assert load_settings(environ=env).top_k == 9
    s = load_settings({"top_k": 3, "db_url": None}, environ=env)
    assert (s.top_k, s.db_url) == (3, "sqlite:///x.db")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLAIMDESK_TOP_K": "many"}, "top_k (CLAIMDESK_TOP_K) must be int"),
        ({"CLAIMDESK_TOP_K": "0"}, "top_k must be at least 1"),
        ({"CLAIMDESK_SAME_CLAIM": "1.5"}, "same_claim_threshold must lie between 0 and 1"),
        ({"CLAIMDESK_RELATED": "0.9", "CLAIMDESK_SAME_CLAIM": "0.8"}, "must not exceed"),
    ],
)
def test_bad_values_are_named(env, message):
    with pytest.raises(InvalidValueError, match=re.escape(message)):
        load_settings(environ=env)


def test_table_and_dataclass_agree():
    assert [s.name for s in SETTINGS] == list(Settings.__dataclass_fields__)


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme, f"{setting.env} is not in README.md"
