"""A team at once: eight reviewers labelling the same queue for a few seconds, as threads sharing one
Workspace (the Streamlit app) and as separate processes (several app servers or CLI users), on
SQLite and on PostgreSQL.

Each reviewer records every event its calls returned. Afterwards the review log must hold exactly
those events (none lost, none twice), every claim's reviewer verdicts and status must be what the
returned events imply, the archive of reviewed claims must agree with the log, and no call may have
raised (in particular no "database is locked"). Four claims are labelled by two reviewers at the
same instant with different verdicts: both verdicts are kept and the claim is a disagreement
(two independent verdicts per claim).

A fake embedder keeps it fast: nothing here needs the model. The eight-reviewer tests are marked
``slow`` for their seconds of work, not for the model.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from claims.models import ReviewAction, ReviewEvent, ReviewStatus, Verdict
from claims.review import review_state
from claims.settings import Settings, load_settings
from claims.store import Store
from claims.store.schema import statements
from claims.users import Role
from claims.workspace import Workspace
from conftest import HashEmbedder, _test_password_hash, add_test_users

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

REVIEWERS = ("ana", "ben", "cai", "dee", "eli", "fay", "gus", "hal")
SECONDS = 5.0
VERDICTS = ("supported", "disputed", "unverified")
QUEUE_CLAIMS = 36
PAIR_CLAIMS = len(REVIEWERS) // 2  # each labelled by two reviewers at the same instant
UNDO_SHARE = 0.15

_NAMES = ("Ortiz", "Chen", "Patel", "Novak", "Silva", "Kim", "Haddad", "Muller")
QUEUE_TEXT = "Queue Report\n\n" + " ".join(
    f"Minister {_NAMES[i % len(_NAMES)]} said exports of product {i} rose {i + 3} percent in 2022."
    for i in range(QUEUE_CLAIMS + PAIR_CLAIMS))


def workspace_settings(db_url: str, index_dir: Path) -> Settings:
    """Two independent verdicts per claim, so that differing verdicts are a disagreement."""
    return load_settings({"db_url": db_url, "index_dir": str(index_dir), "reviews_per_claim": 2}, environ={})


def prepare_queue(settings: Settings) -> tuple[list[int], list[int]]:
    """Eight reviewers and one document of claims; returns (the shared queue, the pair claims)."""
    store = Store(settings.db_url, reviews_per_claim=settings.reviews_per_claim)
    add_test_users(store)  # ana, ben, cai
    with store.transaction() as conn:  # five more, with the run's one Argon2 hash of TEST_PASSWORD
        for name in REVIEWERS[3:]:
            store.users.add(conn, name=name, role=Role.REVIEWER, password_hash=_test_password_hash())
    ws = Workspace(settings, store=store, embedder=HashEmbedder())
    try:
        ws.ingest_text(QUEUE_TEXT)
        ids = [c.id for c in ws.list_claims()]
    finally:
        ws.close()
    assert len(ids) == QUEUE_CLAIMS + PAIR_CLAIMS, "the heuristic detector should flag every queue sentence"
    return ids[PAIR_CLAIMS:], ids[:PAIR_CLAIMS]


def _as_record(event: ReviewEvent) -> dict:
    return {"id": event.id, "claim_id": event.claim_id, "reviewer": event.reviewer, "action": event.action.value,
            "verdict": event.verdict.value if event.verdict else None}


def review_for(ws: Workspace, reviewer: str, queue: Sequence[int], pair: tuple[int, str], seconds: float,
               seed: int, wait_for_start: Callable[[], None]) -> dict:
    """One reviewer's session: label the pair claim the moment everyone starts, then label (and now and
    then undo) random claims of the shared queue for ``seconds``.

    Returns ``{"events": [...], "errors": [...]}``: every event a call returned, and the traceback of
    every call that raised. Used by the threads here and by each reviewer process.
    """
    rng = random.Random(seed)
    events: list[dict] = []
    errors: list[str] = []
    standing: Counter[int] = Counter()  # this reviewer's labels still standing, per claim

    def attempt(call: Callable[[], ReviewEvent]) -> bool:
        try:
            events.append(_as_record(call()))
            return True
        except Exception:  # every failure is a finding: kept with its traceback
            errors.append(traceback.format_exc())
            return False

    wait_for_start()
    attempt(lambda: ws.label(pair[0], pair[1], reviewer, note=f"{reviewer} at once"))
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        claim_id = rng.choice(queue)
        if standing[claim_id] and rng.random() < UNDO_SHARE:
            if attempt(lambda: ws.undo(claim_id, reviewer)):
                standing[claim_id] -= 1
        elif attempt(lambda: ws.label(claim_id, rng.choice(VERDICTS), reviewer, note=f"{reviewer} {n}",
                                      evidence=[f"https://evidence.example/{reviewer}/{n}"])):
            standing[claim_id] += 1
    return {"events": events, "errors": errors}


def _pair_for(i: int, pairs: Sequence[int]) -> tuple[int, str]:
    # Reviewers 2k and 2k+1 label pair claim k at the same instant, with different verdicts.
    return pairs[i // 2], ("supported" if i % 2 == 0 else "disputed")


def _event(record: dict) -> ReviewEvent:
    import datetime as dt

    return ReviewEvent(id=record["id"], claim_id=record["claim_id"], reviewer=record["reviewer"],
                       action=ReviewAction(record["action"]),
                       verdict=Verdict(record["verdict"]) if record["verdict"] else None, note=None,
                       evidence=(), created_at=dt.datetime.now(dt.timezone.utc))


# Found by these tests (issue #11), and fixed: on PostgreSQL, Reviews.append_review read the claim's events
# and its archive row without a lock, so two verdicts on one claim committed at the same instant could both
# insert the claim's statement (UniqueViolation) or leave it with a stale verdict. append_review now locks
# the claim's sentence row first (SELECT ... FOR UPDATE); these tests fail if that ever regresses.


def check_the_log(settings: Settings, outcomes: Sequence[dict], claim_ids: Sequence[int]) -> int:
    """Every returned event stored exactly once, verdicts, statuses and the archive as the events imply.

    Returns the number of events stored.
    """
    errors = [e for o in outcomes for e in o["errors"]]
    locked = [e for e in errors if "database is locked" in e]
    assert not locked, f"{len(locked)} calls met 'database is locked'; the first:\n{locked[0]}"
    assert not errors, f"{len(errors)} calls raised; the first:\n{errors[0]}"
    returned = [r for o in outcomes for r in o["events"]]
    assert len({r["id"] for r in returned}) == len(returned), "two calls were handed the same event id"

    store = Store(settings.db_url, create=False, reviews_per_claim=settings.reviews_per_claim)
    ws = Workspace(settings, store=store, embedder=HashEmbedder())
    try:
        assert store.count_rows()["reviews"] == len(returned)
        key = lambda r: (r["id"], r["claim_id"], r["reviewer"], r["action"], r["verdict"])  # noqa: E731
        stored = [_as_record(e) for cid in claim_ids for e in ws.history(cid)]
        assert sorted(map(key, stored)) == sorted(map(key, returned))
        assert Counter((r["claim_id"], r["reviewer"]) for r in stored) == \
            Counter((r["claim_id"], r["reviewer"]) for r in returned)

        by_claim: dict[int, list[ReviewEvent]] = {}
        for r in returned:
            by_claim.setdefault(r["claim_id"], []).append(_event(r))
        with store.engine.connect() as conn:
            archived = dict(conn.execute(sa.select(statements.c.claim_id, statements.c.verdict)
                                         .where(statements.c.origin == "review")).all())
        out_of_step = []
        for cid in claim_ids:
            expected = review_state(by_claim.get(cid, []), settings.reviews_per_claim)
            claim = ws.get_claim(cid)
            assert {(v.reviewer, v.verdict) for v in claim.reviewer_verdicts} == \
                {(v.reviewer, v.verdict) for v in expected.by_reviewer}, f"claim {cid}"
            assert claim.status is expected.status, f"claim {cid}"
            assert claim.verdict == (expected.current.verdict if expected.current else None), f"claim {cid}"
            want = expected.current.verdict.value if expected.current else None
            if archived.get(cid) != want:
                out_of_step.append(f"claim {cid}: the archive says {archived.get(cid)}, the log {want}")
        assert not out_of_step, out_of_step

        # The FAISS cache, saved by many writers at once, still agrees with the database.
        with_vectors = sum(len(ids) for ids, _ in store.statements.statement_vectors(HashEmbedder.name))
        assert ws.index.count == with_vectors
    finally:
        ws.close()
    return len(returned)


def check_the_pairs(settings: Settings, pairs: Sequence[int], first: str = "ana", second: str = "ben") -> None:
    """Each pair claim keeps both verdicts (supported by ``first``, disputed by ``second``)."""
    ws = Workspace(settings, embedder=HashEmbedder())
    try:
        for cid in pairs:
            claim = ws.get_claim(cid)
            assert {(v.reviewer, v.verdict.value) for v in claim.reviewer_verdicts} == {
                (first, "supported"), (second, "disputed")}, f"claim {cid}"
            if settings.reviews_per_claim >= 2:
                assert claim.status is ReviewStatus.DISAGREEMENT and claim.verdict is None
    finally:
        ws.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ws.db'}"
    return request.getfixturevalue("pg_url")


@pytest.mark.parametrize("reviews_per_claim", [1, 2])
def test_two_verdicts_on_one_claim_at_the_same_instant_are_both_kept(db_url, tmp_path, reviews_per_claim):
    """ana and ben label each claim at the same instant, differently: both verdicts stand; with two
    verdicts needed the claim is a disagreement, with one the later verdict is the claim's."""
    settings = workspace_settings(db_url, tmp_path / "index").with_overrides(reviews_per_claim=reviews_per_claim)
    queue, pairs = prepare_queue(settings)
    claims = (queue + pairs)[:12]
    ws = Workspace(settings, embedder=HashEmbedder())
    outcomes = [{"events": [], "errors": []}, {"events": [], "errors": []}]
    try:
        for cid in claims:
            together = threading.Barrier(2)

            def label(i: int, reviewer: str, verdict: str, cid: int = cid) -> None:
                together.wait(timeout=30)
                try:
                    outcomes[i]["events"].append(_as_record(ws.label(cid, verdict, reviewer)))
                except Exception:
                    outcomes[i]["errors"].append(traceback.format_exc())

            pair = [threading.Thread(target=label, args=(0, "ana", "supported")),
                    threading.Thread(target=label, args=(1, "ben", "disputed"))]
            for t in pair:
                t.start()
            for t in pair:
                t.join(timeout=60)
    finally:
        ws.close()
    assert sum(len(o["events"]) + len(o["errors"]) for o in outcomes) == 2 * len(claims)
    check_the_log(settings, outcomes, claims)
    check_the_pairs(settings, claims)


@pytest.mark.slow  # seconds of eight reviewers at work
def test_eight_reviewer_threads_share_one_workspace(db_url, tmp_path):
    settings = workspace_settings(db_url, tmp_path / "index")
    queue, pairs = prepare_queue(settings)
    ws = Workspace(settings, embedder=HashEmbedder())
    start = threading.Barrier(len(REVIEWERS))
    outcomes: list[dict] = [{} for _ in REVIEWERS]

    def reviewer(i: int) -> None:
        outcomes[i] = review_for(ws, REVIEWERS[i], queue, _pair_for(i, pairs), SECONDS, seed=i,
                                 wait_for_start=lambda: start.wait(timeout=30))

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(len(REVIEWERS))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 60)
        assert not any(t.is_alive() for t in threads), "a reviewer thread hung"
    finally:
        ws.close()
    for i, cid in enumerate(pairs):  # first: a known race elsewhere in the log ends the test as xfail
        check_the_pairs(settings, [cid], REVIEWERS[2 * i], REVIEWERS[2 * i + 1])
    stored = check_the_log(settings, outcomes, [*queue, *pairs])
    print(f"\n{len(REVIEWERS)} reviewer threads x {SECONDS:.0f} s on {db_url.split(':')[0]}: "
          f"{stored} events stored, 0 lost")
    assert stored > len(REVIEWERS) * 5  # they really did work at once


# One reviewer process: waits for the go file, reviews, writes what it was handed.
_REVIEWER_PROCESS = r"""
import json, sys, time
from pathlib import Path

args = json.loads(sys.argv[1])
sys.path.insert(0, args["tests"])
from conftest import HashEmbedder
from claims.workspace import Workspace
from test_concurrency import review_for, workspace_settings

ws = Workspace(workspace_settings(args["db_url"], Path(args["index_dir"])), embedder=HashEmbedder())
ws.store.count_rows()  # connected before the start, like a server that is already up
Path(args["ready"]).touch()

def wait_for_start():
    while not Path(args["go"]).exists():
        time.sleep(0.002)

outcome = review_for(ws, args["reviewer"], args["queue"], tuple(args["pair"]), args["seconds"], args["seed"],
                     wait_for_start)
ws.close()
Path(args["out"]).write_text(json.dumps(outcome))
"""


@pytest.mark.slow  # eight Python processes started, then seconds of work
def test_eight_reviewer_processes_share_one_database(db_url, tmp_path):
    settings = workspace_settings(db_url, tmp_path / "index")
    queue, pairs = prepare_queue(settings)
    script = tmp_path / "reviewer.py"
    script.write_text(_REVIEWER_PROCESS)
    go = tmp_path / "go"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    processes = []
    try:
        for i, name in enumerate(REVIEWERS):
            args = {"tests": str(TESTS), "db_url": db_url, "index_dir": str(tmp_path / "index"),
                    "reviewer": name, "queue": queue, "pair": list(_pair_for(i, pairs)), "seconds": SECONDS,
                    "seed": 100 + i, "ready": str(tmp_path / f"ready-{i}"), "go": str(go),
                    "out": str(tmp_path / f"out-{i}.json")}
            processes.append(subprocess.Popen([sys.executable, str(script), json.dumps(args)], cwd=REPO, env=env,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 90
        while not all((tmp_path / f"ready-{i}").exists() for i in range(len(REVIEWERS))):
            crashed = [p for p in processes if p.poll() not in (None, 0)]
            assert not crashed, crashed[0].stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "reviewer processes did not start within 90 s"
            time.sleep(0.05)
        go.touch()
        for p in processes:
            output, _ = p.communicate(timeout=SECONDS + 90)
            assert p.returncode == 0, output.decode(errors="replace")[-3000:]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    outcomes = [json.loads((tmp_path / f"out-{i}.json").read_text()) for i in range(len(REVIEWERS))]
    for i, cid in enumerate(pairs):  # first: a known race elsewhere in the log ends the test as xfail
        check_the_pairs(settings, [cid], REVIEWERS[2 * i], REVIEWERS[2 * i + 1])
    stored = check_the_log(settings, outcomes, [*queue, *pairs])
    print(f"\n{len(REVIEWERS)} reviewer processes x {SECONDS:.0f} s on {db_url.split(':')[0]}: "
          f"{stored} events stored, 0 lost")
    assert stored > len(REVIEWERS) * 5
