import datetime as dt

import pytest

from claims.models import ReviewEvent, Verdict
from claims.review import current_verdict, standing_labels

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def ev(i, reviewer, action, verdict=None):
    return ReviewEvent(i, 1, reviewer, action, Verdict(verdict) if verdict else None, None, (),
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
