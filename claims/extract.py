"""From a text to its sentences, each scored, flagged as a claim or not, and attributed.

:func:`extract` is the first half of ingestion without storage: it chains
:func:`claims.segment.segment`, :func:`claims.detect.score_checkworthiness` and
:func:`claims.speakers.attribute_speakers`. It is pure and deterministic, so the CLI's
``extract`` command, the ingest pipeline and the UI's preview all see the same result.
"""

from __future__ import annotations

from claims.detect import DEFAULT_CLAIM_THRESHOLD, is_check_worthy, score_checkworthiness
from claims.models import ExtractedSentence
from claims.segment import headline_span, segment
from claims.speakers import attribute_speakers

__all__ = ["extract"]


def extract(
    text: str,
    *,
    claim_threshold: float = DEFAULT_CLAIM_THRESHOLD,
    default_speaker: str | None = None,
) -> list[ExtractedSentence]:
    """Every sentence of ``text`` with its check-worthiness, claim flag and speaker.

    A sentence is a claim when its score reaches ``claim_threshold``; the headline (a first
    line that reads as a title) never is, since it restates the story rather than asserting
    something of its own. A sentence without an attributed speaker gets ``default_speaker``,
    the known author of a post. A blank text gives an empty list.
    """
    sentences = segment(text)
    speakers = attribute_speakers(text, sentences)
    headline = headline_span(text)
    extracted: list[ExtractedSentence] = []
    for sentence, speaker in zip(sentences, speakers):
        score = score_checkworthiness(sentence.text)
        in_headline = headline is not None and headline[0] <= sentence.start and sentence.end <= headline[1]
        extracted.append(
            ExtractedSentence(
                text=sentence.text,
                start=sentence.start,
                end=sentence.end,
                checkworthiness=score,
                is_claim=not in_headline and is_check_worthy(score, claim_threshold),
                speaker=speaker if speaker is not None else default_speaker,
            )
        )
    return extracted
