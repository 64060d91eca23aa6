"""Archive import in chunks: progress as it embeds, nothing half-written, and a re-run that resumes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import claims.workspace as workspace_module
from claims.workspace import Workspace
from conftest import HashEmbedder


def _archive(n: int) -> bytes:
    return "\n".join(json.dumps({"text": f"Statement number {i} about the budget of town {i % 7}",
                                 "rating": "False"}) for i in range(n)).encode()


class Failing(HashEmbedder):
    """Embeds ``allowed`` texts, then fails as a killed import would."""

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.allowed = allowed

    def encode(self, texts):
        if self.texts_encoded + len(texts) > self.allowed:
            raise KeyboardInterrupt("stopped")
        return super().encode(texts)


def test_progress_counts_every_text_once_in_order(fake_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_module, "IMPORT_CHUNK", 4)
    seen: list[tuple[int, int]] = []
    data = _archive(10) + b"\n" + _archive(3)  # three rows twice: their texts count once
    result = fake_workspace.import_statements(data, "a.jsonl", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 10), (4, 10), (8, 10), (10, 10)]
    assert result.added == 10 and result.skipped == 3


def test_a_stopped_import_writes_no_statement_and_a_rerun_embeds_only_the_rest(
        settings, store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_module, "IMPORT_CHUNK", 4)
    data = _archive(10)
    stopped = Workspace(settings, store=store, embedder=Failing(allowed=8))
    with pytest.raises(KeyboardInterrupt):
        stopped.import_statements(data, "a.jsonl")
    stopped.close()
    assert store.count_rows()["statements"] == 0 and store.count_rows()["imports"] == 0
    assert store.count_rows()["embeddings"] == 8  # the two chunks made before the stop are kept

    again = HashEmbedder()
    resumed = Workspace(settings, store=store, embedder=again)
    try:
        result = resumed.import_statements(data, "a.jsonl")
        assert result.added == 10
        assert again.texts_encoded == 2
        found = resumed.match_text("Statement number 9 about the budget of town 2", top_k=1)
        assert found[0].statement.text == "Statement number 9 about the budget of town 2"
        assert np.isclose(found[0].similarity, 1.0, atol=1e-5)
    finally:
        resumed.close()


def test_a_bad_row_stops_the_import_before_anything_is_embedded(fake_workspace: Workspace,
                                                                 fake_embedder: HashEmbedder) -> None:
    data = _archive(5) + b'\n{"text": ""}\n'
    calls: list[tuple[int, int]] = []
    with pytest.raises(Exception, match="line 6"):
        fake_workspace.import_statements(data, "bad.jsonl", progress=lambda d, t: calls.append((d, t)))
    assert calls == [] and fake_embedder.texts_encoded == 0
    assert fake_workspace.store.count_rows()["statements"] == 0
