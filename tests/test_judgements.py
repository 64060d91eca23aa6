"""Reviewers' "same claim?" answers: the append-only log, the workspace's judge / summary, and calibrate.

Plumbing is tested with the hash embedder (tiers by the cosine rule, or by a verifier fitted on it);
the calibration arithmetic on small hand-made answer sets whose figures can be counted by hand.
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from test_match import cosine_verifier

from claims.calibration import calibrate, threshold_point
from claims.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from claims.models import JudgementSummary, MatchJudgement, Tier, TierPrecision
from claims.store.schema import documents
from claims.workspace import Workspace


@pytest.fixture
def demo(fake_workspace):
    """The demo archive and the demo article, matched with the hash embedder: (workspace, its claims)."""
    fake_workspace.load_demo_archive()
    (result,) = fake_workspace.ingest_demo_article()
    claims = fake_workspace.list_claims(document_id=result.document.id)
    return fake_workspace, claims


def record(store, claim_id, statement_id, reviewer, same, *, tier=Tier.RELATED, probability=None, cosine=0.5):
    with store.transaction() as conn:
        return store.judgements.record(conn, claim_id=claim_id, statement_id=statement_id, reviewer=reviewer,
                                       same=same, tier=tier, probability=probability, cosine=cosine)


# -- the store ---------------------------------------------------------------------------------------


def test_the_latest_answer_per_card_and_reviewer_counts(demo):
    ws, claims = demo
    store = ws.store
    first, second = claims[0].id, claims[1].id
    a = record(store, first, 1, "ana", True, tier=Tier.SAME_CLAIM, probability=0.9, cosine=0.8)
    record(store, first, 1, "ana", False, tier=Tier.SAME_CLAIM, probability=0.9, cosine=0.8)  # she changed her mind
    b = record(store, first, 1, "ben", True, tier=Tier.SAME_CLAIM, probability=0.9, cosine=0.8)
    c = record(store, first, 2, "ana", False)
    d = record(store, second, 1, "ana", True, tier=Tier.DISTANT, cosine=0.1)

    assert isinstance(a, MatchJudgement) and a.id > 0 and a.created_at.tzinfo is not None
    latest = store.judgements.latest(claim_ids=[first])
    assert [(j.statement_id, j.reviewer, j.same) for j in latest] == [(1, "ana", False), (1, "ben", True),
                                                                       (2, "ana", False)]
    assert [j.id for j in latest] == sorted(j.id for j in latest)  # oldest first
    assert latest[1] == b and latest[2] == c and latest[0].id > a.id
    assert [j.same for j in store.judgements.latest(claim_ids=[first], reviewer="ana")] == [False, False]
    assert store.judgements.latest(claim_ids=[second]) == [d]
    # Any number of claim ids: read in chunks of the IN list limit.
    many = [first, *range(10_000, 11_200), second]
    assert [j.id for j in store.judgements.latest(claim_ids=many)] == [j.id for j in store.judgements.latest()]
    assert len(store.judgements.latest()) == 4
    assert store.judgements.tier_counts() == {Tier.SAME_CLAIM: (2, 1), Tier.RELATED: (1, 0), Tier.DISTANT: (1, 1)}
    assert store.judgements.reviewer_count() == 2
    assert store.count_rows()["match_judgements"] == 5  # every answer is kept


def test_an_answer_changes_the_revision(demo):
    ws, claims = demo
    before = ws.revision()
    record(ws.store, claims[0].id, 1, "ana", True)
    assert ws.revision() != before


def test_a_deleted_document_takes_its_claims_answers_with_it(demo):
    ws, claims = demo
    record(ws.store, claims[0].id, 1, "ana", True)
    with ws.store.transaction() as conn:
        conn.execute(sa.delete(documents).where(documents.c.id == claims[0].document_id))
    assert ws.store.judgements.latest() == []


# -- the workspace: judge, read, summarise ----------------------------------------------------------


def test_judge_match_stores_what_the_card_shows(demo):
    ws, claims = demo
    claim = claims[0]
    cards = ws.match_claim(claim.id)
    top, other = cards[0], cards[1]
    judged = ws.judge_match(claim.id, top.statement.id, True, "  ana ")
    assert (judged.claim_id, judged.statement_id, judged.reviewer, judged.same) == (claim.id, top.statement.id,
                                                                                    "ana", True)
    assert judged.tier is top.tier and judged.cosine == pytest.approx(top.similarity)
    assert judged.probability is None  # the hash embedder has no verifier: the cosine rule
    ws.judge_match(claim.id, other.statement.id, False, "ana")
    ws.judge_match(claim.id, top.statement.id, False, "ben")
    ws.judge_match(claim.id, top.statement.id, False, "ana")  # ana changes her answer

    mine = ws.judgements(claim.id, "ana")
    assert {(j.statement_id, j.same) for j in mine} == {(top.statement.id, False), (other.statement.id, False)}
    assert len(ws.judgements(claim.id)) == 3
    assert ws.judgements(claims[1].id) == []
    summary = ws.judgement_summary()
    assert isinstance(summary, JudgementSummary)
    assert summary.answered == 3 and summary.yes == 0 and summary.reviewers == 2
    assert [t.tier for t in summary.tiers] == [Tier.SAME_CLAIM, Tier.RELATED, Tier.DISTANT]
    assert sum(t.answered for t in summary.tiers) == 3
    assert summary.tier(top.tier).answered >= 2


def test_a_card_far_down_the_list_can_be_answered(demo):
    ws, claims = demo
    claim = claims[0]
    shown_with_more = ws.match_claim(claim.id, ws.settings.top_k * 3)
    last = shown_with_more[-1]
    assert last.statement.id not in {m.statement.id for m in ws.match_claim(claim.id)}  # beyond the first cards
    judged = ws.judge_match(claim.id, last.statement.id, False, "ana")
    assert judged.cosine == pytest.approx(last.similarity) and judged.tier is last.tier


def test_judge_match_refuses_what_it_cannot_record(demo):
    ws, claims = demo
    claim = claims[0]
    card = ws.match_claim(claim.id)[0]
    with pytest.raises(PermissionDeniedError, match="'mallory' is not a user"):
        ws.judge_match(claim.id, card.statement.id, True, "mallory")
    with pytest.raises(InvalidValueError, match="reviewer name is needed"):
        ws.judge_match(claim.id, card.statement.id, True, " ")
    for bad in (0, -1, 2**64, True):
        with pytest.raises(NotFoundError, match="no claim with id"):
            ws.judge_match(bad, card.statement.id, True, "ana")
    with pytest.raises(NotFoundError, match="no claim with id 99999"):
        ws.judge_match(99999, card.statement.id, True, "ana")
    with pytest.raises(NotFoundError, match="no earlier statement with id 99999"):
        ws.judge_match(claim.id, 99999, True, "ana")
    with pytest.raises(InvalidValueError, match="yes or no"):
        ws.judge_match(claim.id, card.statement.id, "yes", "ana")  # type: ignore[arg-type]
    shown = {m.statement.id for m in ws.match_claim(claim.id, ws._card_depth())}
    elsewhere = next(s.id for s in ws.search_archive(limit=200)[0] if s.id not in shown)
    with pytest.raises(InvalidValueError, match=f"#{elsewhere} is not among the cards of claim #{claim.id}"):
        ws.judge_match(claim.id, elsewhere, True, "ana")
    ws.mark_claim(claim.id, False, "ana")  # dismissed: no longer a claim
    with pytest.raises(NotFoundError, match=f"no claim with id {claim.id}"):
        ws.judge_match(claim.id, card.statement.id, True, "ana")
    assert ws.store.count_rows()["match_judgements"] == 0


def test_undo_and_adjudication_leave_the_answers_alone(demo):
    ws, claims = demo
    claim = claims[0]
    card = ws.match_claim(claim.id)[0]
    ws.judge_match(claim.id, card.statement.id, True, "ana")
    ws.label(claim.id, "supported", "ana")
    ws.undo(claim.id, "ana")
    ws.adjudicate(claim.id, "disputed", "admin", reason="the source says otherwise")
    assert [(j.reviewer, j.same) for j in ws.judgements(claim.id)] == [("ana", True)]


def test_with_a_verifier_the_answer_keeps_the_probability(demo, tmp_path):
    ws, claims = demo
    verifier = dataclasses.replace(cosine_verifier(0.6), provenance={"embedder": ws.embedder.name})
    verifier.save(tmp_path / "verifier.json")
    scored = Workspace(ws.settings.with_overrides(verifier_path=tmp_path / "verifier.json"), store=ws.store,
                       embedder=ws.embedder)
    card = scored.match_claim(claims[0].id)[0]
    judged = scored.judge_match(claims[0].id, card.statement.id, True, "ana")
    assert card.probability is not None and judged.probability == pytest.approx(card.probability)
    assert scored.calibrate(min_answers=1).rule == "probability"


# -- calibration: the arithmetic ----------------------------------------------------------------------

# Ten answers: scores 0.1 … 1.0; "yes" from 0.6 on, and one "yes" at 0.3 and one "no" at 0.8.
ANSWERS = [(0.1, False), (0.2, False), (0.3, True), (0.4, False), (0.5, False),
           (0.6, True), (0.7, True), (0.8, False), (0.9, True), (1.0, True)]


def test_a_threshold_point_counts_by_hand():
    p = threshold_point(ANSWERS, 0.6)
    assert (p.called_same, p.correct) == (5, 4)
    assert p.precision == pytest.approx(4 / 5)
    assert p.recall == pytest.approx(4 / 5)  # of the five "yes" answers, 0.3 is below
    assert p.false_same_rate == pytest.approx(1 / 5)  # of the five "no" answers, 0.8 is above
    none = threshold_point(ANSWERS, 1.5)
    assert (none.called_same, none.precision, none.recall, none.false_same_rate) == (0, None, 0.0, 0.0)


@pytest.mark.parametrize("target, expected", [(0.95, 0.85), (0.8, 0.55), (0.75, 0.55), (0.5, 0.1), (1.0, 0.85)])
def test_the_lowest_threshold_reaching_the_target_is_proposed(target, expected):
    result = calibrate(ANSWERS, rule="probability", target=target, min_answers=10, current=0.5)
    assert result.proposed is not None and result.proposed.threshold == pytest.approx(expected)
    assert result.proposed.precision >= target
    lower = [p for p in result.by_threshold if p.threshold < expected]
    assert all(p.precision is None or p.precision < target for p in lower)
    assert result.answers == 10 and result.yes == 5 and result.setting == "CLAIMDESK_SAME_CLAIM_P"
    assert result.at_current.threshold == 0.5 and result.at_current.called_same == 6


def test_the_proposal_says_what_to_set():
    result = calibrate(ANSWERS, rule="cosine", target=0.95, min_answers=10, current=0.65)
    assert result.message == ("Set CLAIMDESK_SAME_CLAIM=0.85: on these 10 answers, precision 1.00, recall 40.0%, "
                              "and 0% of the \"no\" answers called same claim.")
    out = result.to_json()
    assert (out["threshold"], out["precision"], out["recall"], out["false_same_rate"]) == (0.85, 1.0, 0.4, 0.0)
    assert out["setting"] == "CLAIMDESK_SAME_CLAIM" and out["at_current"]["threshold"] == 0.65
    assert [p["threshold"] for p in out["by_threshold"]] == sorted(p["threshold"] for p in out["by_threshold"])


def test_the_table_has_every_answered_score_and_the_fixed_steps_between():
    result = calibrate([(0.123456, True), (0.71, False), (0.9, True)], rule="probability", min_answers=3)
    thresholds = [p.threshold for p in result.by_threshold]
    assert 0.1234 in thresholds  # an answered score, rounded down so that it still admits its answer
    assert threshold_point([(0.123456, True)], 0.1234).called_same == 1
    assert {0.15, 0.5, 0.85} <= set(thresholds) and 0.1 not in thresholds and 0.95 not in thresholds
    assert result.proposed.threshold == 0.75  # the first step above 0.71, a "no"


def test_no_threshold_reaching_the_target_is_said_plainly():
    result = calibrate([(0.9, False)] * 20 + [(0.5, True)] * 20, rule="cosine", min_answers=30)
    assert result.proposed is None
    assert result.message.startswith("No threshold reaches precision 0.95 on these 40 answers")
    assert result.to_json()["threshold"] is None


def test_too_few_answers_are_refused_with_how_many_are_needed():
    with pytest.raises(InvalidValueError, match=r"at least 30 .* there are 12, so 18 more are needed"):
        calibrate(ANSWERS + ANSWERS[:2], rule="probability")
    with pytest.raises(InvalidValueError, match="there are 0, so 30 more"):
        calibrate([], rule="cosine")


@pytest.mark.parametrize("kwargs, message", [
    ({"target": 0.0}, "target precision"), ({"target": 1.2}, "target precision"),
    ({"min_answers": 0}, "minimum number of answers"), ({"rule": "vibes"}, "unknown rule"),
])
def test_calibrate_checks_its_arguments(kwargs, message):
    with pytest.raises(InvalidValueError, match=message):
        calibrate(ANSWERS, **{"rule": "cosine", "min_answers": 1, **kwargs})


# -- calibration in the workspace: stored rows only ----------------------------------------------------


def seeded_answers(store, claim_id, n=40):
    """``n`` answers on one claim's cards, half under the verifier (P = cosine), the latest with one."""
    for i in range(n):
        score = (i + 1) / n
        record(store, claim_id, i + 1, f"r{i}", score >= 0.5, tier=Tier.SAME_CLAIM if score >= 0.5 else Tier.RELATED,
               probability=score if i % 2 else None, cosine=score)


def test_workspace_calibration_reads_stored_answers_without_the_model(demo, settings):
    ws, claims = demo
    seeded_answers(ws.store, claims[0].id)
    fresh = Workspace(settings.with_overrides(same_claim_probability=0.7), store=ws.store)  # no embedder given
    result = fresh.calibrate(min_answers=20)
    assert result.rule == "probability" and result.answers == 20 and result.left_out == 20
    assert result.current == 0.7 and result.setting == "CLAIMDESK_SAME_CLAIM_P"
    assert result.proposed.threshold == pytest.approx(0.5) and result.proposed.precision == 1.0
    cosine = fresh.calibrate(min_answers=20, rule="cosine")
    assert cosine.answers == 40 and cosine.left_out == 0 and cosine.current == settings.same_claim_threshold
    assert fresh.judgement_summary().tier(Tier.SAME_CLAIM) == TierPrecision(Tier.SAME_CLAIM, 21, 21)
    with pytest.raises(InvalidValueError, match="there are 20, so 10 more are needed"):
        fresh.calibrate()
    with pytest.raises(InvalidValueError, match="unknown rule"):
        fresh.calibrate(rule="bm25")
    # Nothing that matching needs was opened.
    assert fresh._embedder is None and fresh._index is None and fresh._scorer is None


def test_the_current_probability_threshold_is_the_verifier_files_own(demo, settings, tmp_path):
    ws, claims = demo
    seeded_answers(ws.store, claims[0].id)
    cosine_verifier(0.83).save(tmp_path / "v.json")
    fresh = Workspace(settings.with_overrides(verifier_path=tmp_path / "v.json"), store=ws.store)
    assert fresh.calibrate(min_answers=1).current == 0.83
    assert fresh._embedder is None


def test_before_any_answer_the_rule_follows_the_verifier_file(fake_workspace):
    with pytest.raises(InvalidValueError, match="scored by the verifier's P"):
        fake_workspace.calibrate()  # the shipped verifier file is present
    with pytest.raises(InvalidValueError, match="scored by the cosine rule; there are 0, so 30 more"):
        fake_workspace.calibrate(rule="cosine")
    assert fake_workspace.judgement_summary() == JudgementSummary(
        tiers=tuple(TierPrecision(t, 0, 0) for t in Tier), reviewers=0)


def test_the_table_agrees_with_counting_each_threshold_alone():
    import random

    rng = random.Random(7)
    scored = [(round(rng.random(), 3), rng.random() < 0.4) for _ in range(300)]
    result = calibrate(scored, rule="probability", min_answers=300, current=0.5)
    assert result.by_threshold and all(p == threshold_point(scored, p.threshold) for p in result.by_threshold)
    assert result.at_current == threshold_point(scored, 0.5)
