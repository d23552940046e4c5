"""Ingestion keeps what it cannot read as text: video-only messages and overlong posts.

Neither is ever a failed item: a caption-less video is kept as a video reference for
moderators, and a post longer than the size cap is stored with its middle cut out and a
marker saying so, while the people in its last lines are still found.
"""

import json

import pytest
from django.urls import reverse

from reports.models import Report
from sources import adapters, services
from sources.models import ItemState, Source, SourceItem

pytestmark = pytest.mark.django_db


def telegram_export(*messages: dict) -> str:
    return json.dumps({"name": "Fictional captives", "messages": list(messages)})


VIDEO_ONLY = {
    "id": 41,
    "type": "message",
    "date": "2024-08-21T10:00:00",
    "date_unixtime": "1724223600",
    "from": "Fictional captives",
    "media_type": "video_file",
    "file": "video_files/captive_41.mp4",
    "mime_type": "video/mp4",
    "duration_seconds": 95,
    "text": "",
}
PHOTO_ONLY = {
    "id": 42,
    "type": "message",
    "date_unixtime": "1724223700",
    "photo": "photos/photo_42.jpg",
    "text": "",
}


def store(source: Source, document: str) -> services.StoreResult:
    """Ingest the document as the pipeline does, then extract its new posts here."""
    stored = services.source_ingest(source=source, data=document, enqueue=False)
    for item_id in stored.new_item_ids:
        services.item_extract(item_id=item_id)
    return stored


def test_a_video_without_a_caption_is_read_as_a_video_reference():
    result = adapters.parse_telegram(
        telegram_export(VIDEO_ONLY, PHOTO_ONLY), base_url="https://t.me/fictional_captives"
    )
    assert result.bad == []
    (item,) = result.items  # a bare photo is still nothing to read
    assert item.text == ""
    assert item.url == "https://t.me/fictional_captives/41"
    assert item.video == "video_file video_files/captive_41.mp4, 95 s"


def test_a_video_without_a_caption_is_stored_for_moderators_not_failed(moderator_client):
    source = Source.objects.create(
        kind="telegram", name="captives", base_url="https://t.me/fictional_captives"
    )
    stored = store(source, telegram_export(VIDEO_ONLY))
    assert (stored.stats.new, stored.stats.failed) == (1, 0)
    item = SourceItem.objects.get(source=source, external_id="41")
    assert item.state == ItemState.EXTRACTED and item.reports_created == 0
    page = moderator_client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    assert "https://t.me/fictional_captives/41" in page
    assert "video_files/captive_41.mp4, 95 s" in page


def test_a_post_over_the_size_cap_is_stored_cut_and_its_last_lines_still_read():
    filler = "Репост, пожалуйста, пусть увидит как можно больше людей! " * 4000
    text = (
        "Разыскивается Гуляев Тихон Ильич, 2005 г.р., в/ч 12345, пропал без вести.\n"
        + filler
        + "\nТакже ищем Парамонова Прохора Глебовича, 2004 г.р., в/ч 54321, нет связи."
    )
    assert len(text) > adapters.MAX_TEXT_CHARS
    source = Source.objects.create(kind="webhook", name="hook")
    document = json.dumps({"items": [{"external_id": "long-1", "text": text}]})
    assert adapters.parse_webhook(document).bad == []
    stored = store(source, document)
    assert (stored.stats.new, stored.stats.failed) == (1, 0)
    item = SourceItem.objects.get(source=source, external_id="long-1")
    assert item.state == ItemState.EXTRACTED
    assert "characters cut" in item.text and len(item.text) <= adapters.MAX_TEXT_CHARS
    surnames = set(
        Report.objects.filter(origin_ref__startswith="webhook:hook:long-1#").values_list(
            "surname", flat=True
        )
    )
    assert surnames == {"Гуляев", "Парамонов"}


def test_a_long_post_under_the_cap_is_stored_whole():
    text = "Ищем ребят из одной части. " * 3000 + "Парамонов Прохор, 2004 г.р., пропал."
    parsed = adapters.parse_webhook(json.dumps({"items": [{"external_id": "x", "text": text}]}))
    assert parsed.items[0].text == text.strip()
