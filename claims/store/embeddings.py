"""Vectors by (model, text hash): the ``EmbeddingCache`` of :mod:`index.embed`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa

from claims.store.base import Part, chunked
from claims.store.schema import embeddings

__all__ = ["Embeddings"]


class Embeddings(Part):
    """The ``embeddings`` table: float32 bytes keyed by model name and text hash, never overwritten."""

    def get_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vector of each hash that has one for ``model``."""
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for chunk in chunked(hashes):
                rows = conn.execute(
                    sa.select(embeddings.c.text_hash, embeddings.c.vector)
                    .where(embeddings.c.model == model, embeddings.c.text_hash.in_(chunk))).all()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store the vectors whose hash has none for ``model`` yet; existing ones are kept as they are."""
        if not vectors:
            return
        with self.engine.begin() as conn:
            existing: set[str] = set()
            for chunk in chunked(list(vectors)):
                existing.update(conn.execute(
                    sa.select(embeddings.c.text_hash)
                    .where(embeddings.c.model == model, embeddings.c.text_hash.in_(chunk))).scalars())
            rows = [
                {"model": model, "text_hash": h, "dim": int(v.shape[0]),
                 "vector": np.ascontiguousarray(v, dtype=np.float32).tobytes()}
                for h, v in vectors.items() if h not in existing
            ]
            if rows:
                conn.execute(embeddings.insert(), rows)
