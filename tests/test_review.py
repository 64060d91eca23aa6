import datetime as dt

import pytest

from claims.models import ReviewAction, ReviewEvent, Verdict
from claims.review import LABEL, UNDO, current_verdict, last_standing_label, standing_labels

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def ev(i, reviewer, action, verdict=None, claim=1):
    return ReviewEvent(i, claim, reviewer, action, Verdict(verdict) if verdict else None, None, (),
                       T0 + dt.timedelta(minutes=i))


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([ev(1, "ana", "label", "supported")], ("supported", "ana")),
        ([ev(1, "ana", "label", "supported"), ev(2, "ana", "label", "disputed")], ("disputed", "ana")),
        ([ev(1, "ana", "label", "supported"), ev(2, "ana", "label", "disputed"), ev(3, "ana", "undo")],
         ("supported", "ana")),
        ([ev(1, "ana", "label", "supported"), ev(2, "ana", "undo")], None),
        ([ev(1, "ana", "undo")], None),
        ([ev(1, "ana", "label", "supported"), ev(2, "ben", "label", "disputed")], ("disputed", "ben")),
        # ben's undo takes back only ben's label
        ([ev(1, "ana", "label", "supported"), ev(2, "ben", "label", "disputed"), ev(3, "ben", "undo")],
         ("supported", "ana")),
        # ana's undo after ben labelled leaves ben's verdict standing
        ([ev(1, "ana", "label", "supported"), ev(2, "ben", "label", "disputed"), ev(3, "ana", "undo")],
         ("disputed", "ben")),
    ],
)
def test_current_verdict_replays_the_log(events, expected):
    current = current_verdict(events)
    if expected is None:
        assert current is None
    else:
        assert (current.verdict.value, current.reviewer) == expected


def test_order_of_input_does_not_matter():
    events = [ev(3, "ana", "undo"), ev(1, "ana", "label", "supported"), ev(2, "ana", "label", "disputed")]
    assert [e.id for e in standing_labels(events)] == [1]


def test_actions_are_their_stored_words():
    assert (LABEL, UNDO) == (ReviewAction.LABEL, ReviewAction.UNDO) == ("label", "undo")
    assert f"{UNDO}" == "undo" and ReviewAction("label") is LABEL


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([ev(1, "ana", "undo")], None),
        ([ev(1, "ana", "label", "supported", claim=1), ev(2, "ana", "label", "disputed", claim=2)], 2),
        # an undo takes back the latest label on its own claim only
        ([ev(1, "ana", "label", "supported", claim=1), ev(2, "ana", "label", "disputed", claim=2),
          ev(3, "ana", "undo", claim=2)], 1),
        ([ev(1, "ana", "label", "supported", claim=1), ev(2, "ana", "label", "disputed", claim=2),
          ev(3, "ana", "undo", claim=1)], 2),
        ([ev(1, "ana", "label", "supported", claim=1), ev(2, "ana", "undo", claim=1)], None),
        # events arrive in any order
        ([ev(3, "ana", "undo", claim=2), ev(2, "ana", "label", "disputed", claim=2),
          ev(1, "ana", "label", "supported", claim=1)], 1),
    ],
)
def test_last_standing_label_over_many_claims(events, expected):
    found = last_standing_label(events)
    assert (found.id if found else None) == expected
