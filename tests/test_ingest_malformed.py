"""Generated malformed batches through the whole store step: good posts stored as new,
bad ones stored as failed with a reason, nothing raised, nothing stored twice."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources import adapters, services
from sources.models import ItemState, SourceItem
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


text = st.text(max_size=40)
item = st.one_of(
    st.fixed_dictionaries(
        {"external_id": st.text(min_size=1, max_size=8) | st.integers(), "text": text},
        optional={
            "published_at": st.sampled_from(["2024-08-10T12:00:00Z", "2024-08-10", "вчера", 7]),
            "url": st.sampled_from(["https://e.org/1", "ftp://x", "", None, 5]),
            "author": text | st.none() | st.integers(),
        },
    ),
    st.none(),
    st.integers(),
    text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), text, max_size=3),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(item, max_size=8))
def test_generated_webhook_batches_store_good_posts_and_report_bad_ones(items):
    source = SourceFactory(kind="webhook")
    body = json.dumps({"items": items})
    parsed = adapters.parse_webhook(body)
    result = services.source_ingest(source=source, data=body, enqueue=False)
    stored = SourceItem.objects.filter(source=source)
    good_ids = {i.external_id for i in parsed.items}
    assert set(stored.filter(state=ItemState.NEW).values_list("external_id", flat=True)) == (
        good_ids
    )
    for failed in stored.filter(state=ItemState.FAILED):
        assert failed.failure_reason
    stats = result.stats
    assert stats.new + stats.failed + stats.duplicate + stats.conflict == parsed.read
    # Storing the same batch again adds nothing.
    again = services.source_ingest(source=source, data=body, enqueue=False)
    assert again.stats.new == again.stats.failed == 0
    assert stored.count() == result.stats.new + result.stats.failed
