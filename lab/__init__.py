"""claimdesk's lab: what makes the product better, kept apart from what a desk runs.

- :mod:`lab.bench`: the claim-retrieval benchmark (the CLEF CheckThat! formats, the official
  scorer, a runner over the product's own matcher) and training the re-ranker;
- :mod:`lab.rerank`: the learned re-ranker and its features, trained with ``claimdesk train ranker``
  (no weights ship: it did not beat the product's verifier order on held-out queries);
- :mod:`lab.speed`: ``claimdesk bench speed`` (embedding backends, search, ingest, clicks, export, first page);
- :mod:`lab.checkworthiness`: labelled check-worthiness files, F1 and thresholds, training the
  detector that :mod:`claims.detector` scores with, and scoring a labelled file;
- :mod:`lab.newsset`: the project's news-domain check-worthiness set (its labels in
  ``lab/data/news_labels.tsv``, the texts read from the CLEF data when it is built);
- :mod:`lab.cli`: the ``claimdesk bench`` and ``claimdesk train`` command groups, registered
  under the ``claimdesk.commands`` entry points.

The lab may import the product (``claims``, ``index``); the product never imports the lab
(import-linter checks it: ``[tool.importlinter]`` in pyproject.toml). Its heavier dependencies
are the ``lab`` extra.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["DATA_DIR"]
