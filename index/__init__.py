"""Vectors for claimdesk: the bundled embedding model, its cache, and the FAISS index of earlier statements."""

from index.embed import MODEL_NAME, Embedder, embed_cached, text_hash
from index.vectors import VectorIndex

__all__ = ["MODEL_NAME", "Embedder", "embed_cached", "text_hash", "VectorIndex"]
