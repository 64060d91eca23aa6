"""From a text to its sentences, each scored, flagged as a claim or not, and attributed.

:func:`extract` is the first half of ingestion without storage: it chains
:func:`claims.segment.segment`, a check-worthiness scorer and
:func:`claims.speakers.attribute_speakers`. The scorer is injected: the workspace passes the
trained detector (:func:`claims.detector.load_scorer`, bound to its embedding cache); without
one, :func:`extract` uses the heuristic of :mod:`claims.detect`, the fallback, and
:func:`uses_heuristic` says so. Given the same scorer it is deterministic, so the CLI's
``extract`` command, the ingest pipeline and the UI's preview all see the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from claims.detect import DEFAULT_CLAIM_THRESHOLD, HeuristicScorer, is_check_worthy
from claims.errors import InvalidValueError
from claims.models import ExtractedSentence
from claims.segment import headline_span, segment
from claims.speakers import attribute_speakers

__all__ = ["extract", "Scorer", "HEURISTIC", "uses_heuristic", "scorer_threshold"]

Scorer = Callable[[list[str]], Sequence[float]]
"""Scores all sentences of a text at once, 0..1; may carry ``threshold`` and ``fallback`` attributes."""

HEURISTIC = HeuristicScorer(reason="no trained detector was given to extract()")
"""The scorer :func:`extract` uses when it is given none: the heuristic fallback."""


def uses_heuristic(scorer: Scorer | None = None) -> bool:
    """Whether :func:`extract` with ``scorer`` scores by the heuristic fallback rather than a trained detector."""
    return scorer is None or bool(getattr(scorer, "fallback", False))


def scorer_threshold(scorer: Scorer | None = None) -> float:
    """The claim threshold a scorer brings (its ``threshold`` attribute), else the default 0.5."""
    return float(getattr(scorer if scorer is not None else HEURISTIC, "threshold", DEFAULT_CLAIM_THRESHOLD))


def extract(
    text: str,
    *,
    claim_threshold: float | None = None,
    default_speaker: str | None = None,
    scorer: Scorer | None = None,
) -> list[ExtractedSentence]:
    """Every sentence of ``text`` with its check-worthiness, claim flag and speaker.

    ``scorer`` scores all sentences in one call (the trained detector batches their
    embeddings); None means the heuristic fallback. A sentence is a claim when its score
    reaches ``claim_threshold``, by default the scorer's own threshold; the headline (a first
    line that reads as a title) never is, since it restates the story rather than asserting
    something of its own. A sentence without an attributed speaker gets ``default_speaker``,
    the known author of a post. A blank text gives an empty list.
    """
    sentences = segment(text)
    if not sentences:
        return []
    speakers = attribute_speakers(text, sentences)
    headline = headline_span(text)
    active = scorer if scorer is not None else HEURISTIC
    threshold = scorer_threshold(active) if claim_threshold is None else claim_threshold
    scores = [float(s) for s in active([s.text for s in sentences])]
    if len(scores) != len(sentences):
        raise InvalidValueError(f"the scorer returned {len(scores)} scores for {len(sentences)} sentences")
    extracted: list[ExtractedSentence] = []
    for sentence, speaker, score in zip(sentences, speakers, scores):
        in_headline = headline is not None and headline[0] <= sentence.start and sentence.end <= headline[1]
        extracted.append(
            ExtractedSentence(
                text=sentence.text,
                start=sentence.start,
                end=sentence.end,
                checkworthiness=score,
                is_claim=not in_headline and is_check_worthy(score, threshold),
                speaker=speaker if speaker is not None else default_speaker,
            )
        )
    return extracted
