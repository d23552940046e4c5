"""`manage.py ingest` and the webhook say what was stored and queued, post by post:
stored, duplicate, conflict (one id, two texts) or failed with the reason; storing and
queueing commit together, so a broker that is down loses nothing and lies about
nothing."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import OutboxMessage
from sources import services
from sources.models import ItemState, Source, SourceItem

pytestmark = pytest.mark.django_db

POSTS = Path(__file__).parent / "data" / "posts.jsonl"


@pytest.fixture
def webhook(settings):
    source = Source.objects.create(kind="webhook", name="hook")
    return source, services.source_rotate_webhook_token(source=source)


def post_items(client, token, items):
    return client.post(
        "/api/v1/ingest/",
        data=json.dumps({"items": items}, ensure_ascii=False),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def realistic(count: int, start: int = 0) -> list[dict]:
    """Fictional relatives' posts (tests/data/posts.jsonl), each with an id of its own."""
    texts = [json.loads(line)["text"] for line in POSTS.open(encoding="utf-8")]
    return [
        {
            "external_id": f"p{n}",
            "published_at": "2024-08-10T12:00:00+03:00",
            "url": f"https://t.me/fictional_search/{n}",
            "author": "Поиск срочников (вымышленный канал)",
            "text": f"{texts[n % len(texts)]}\n#{n}",
        }
        for n in range(start, start + count)
    ]


def test_the_answer_lists_every_item(client, webhook):
    _, token = webhook
    items = [*realistic(2), {"external_id": "bad", "text": ""}]
    data = post_items(client, token, items).json()
    assert [(i["index"], i["external_id"], i["result"]) for i in data["items"]] == [
        (0, "p0", "stored"),
        (1, "p1", "stored"),
        (2, "bad", "failed"),
    ]
    assert data["items"][2]["reason"] == "empty text"
    assert data["queued"] == 2


def test_one_id_with_two_texts_is_a_conflict_not_a_silent_first(client, webhook):
    source, token = webhook
    first, same, other = (
        {"external_id": "x1", "text": "Ищем Ладыгина Матвея"},
        {"external_id": "x1", "text": "Ищем Ладыгина Матвея"},
        {"external_id": "x1", "text": "Ладыгин Матвей вернулся домой"},
    )
    response = post_items(client, token, [first, same, other])
    assert response.status_code == 400
    results = [(i["result"], i.get("reason", "")) for i in response.json()["items"]]
    assert results[:2] == [("stored", ""), ("duplicate", "")]
    assert results[2] == (
        "conflict",
        "another post in this document has this id; the first was kept",
    )
    # Sent again later with the other text: still a conflict, the stored post stays.
    again = post_items(client, token, [other]).json()["items"][0]
    assert again["result"] == "conflict"
    assert SourceItem.objects.get(source=source).text == "Ищем Ладыгина Матвея"


def test_while_redis_is_down_items_are_stored_and_queued_and_the_answer_says_so(
    client, webhook, redis_down, django_capture_on_commit_callbacks
):
    source, token = webhook
    with django_capture_on_commit_callbacks(execute=True):
        response = post_items(client, token, realistic(3))
    assert response.status_code == 201
    data = response.json()
    assert data["new"] == data["queued"] == 3
    # The webhook ran inside the test's transaction, so nothing was sent yet; under a
    # real server each batch commits and the relay tries at once (tests/test_drills.py).
    assert data["waiting"] == 3
    stored = set(SourceItem.objects.filter(source=source).values_list("pk", flat=True))
    queued = {pk for args in OutboxMessage.objects.values_list("args", flat=True) for pk in args[0]}
    assert stored == queued
    assert not OutboxMessage.objects.filter(sent_at__isnull=False).exists()  # Redis is down
    # The sender retries: every item is a duplicate, and truly queued already.
    with django_capture_on_commit_callbacks(execute=True):
        again = post_items(client, token, realistic(3)).json()
    assert {i["result"] for i in again["items"]} == {"duplicate"}
    assert OutboxMessage.objects.count() == 1


@pytest.mark.slow
def test_a_batch_of_ten_thousand_realistic_items_is_taken_whole(client, webhook, settings):
    source, token = webhook
    items = realistic(10_000)
    body = json.dumps({"items": items}, ensure_ascii=False).encode()
    assert len(body) > 1024 * 1024  # the old cap refused it
    assert len(body) < settings.SOURCES_WEBHOOK_MAX_BYTES
    response = post_items(client, token, items)
    assert response.status_code == 201
    data = response.json()
    assert data["new"] == data["queued"] == 10_000
    assert len(data["items"]) == 10_000
    assert SourceItem.objects.filter(source=source, state=ItemState.NEW).count() == 10_000


# --- manage.py ingest -----------------------------------------------------------------------
def telegram_export(path: Path, messages: list[dict], *, truncate: int = 0) -> Path:
    text = json.dumps({"name": "Вымышленный канал", "messages": messages}, ensure_ascii=False)
    path.write_text(text[: len(text) - truncate] if truncate else text, encoding="utf-8")
    return path


def messages(count: int) -> list[dict]:
    return [
        {
            "id": item_id,
            "type": "message",
            "date_unixtime": str(1723288865 + item_id),
            "from": "Вымышленный канал",
            "text": item["text"],
        }
        for item_id, item in enumerate(realistic(count), start=1)
    ]


def test_the_command_says_what_waits_for_the_broker(
    tmp_path, capsys, redis_down, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    path = telegram_export(tmp_path / "export.json", messages(30))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(path), kind="telegram", source="tg")
    out = capsys.readouterr().out
    assert "read 30 / new 30 / duplicate 0 / conflict 0 / failed 0" in out
    assert "30 posts queued for extraction; 30 of them wait for the broker" in out
    assert "Traceback" not in out


def test_an_export_that_breaks_off_keeps_the_posts_before_and_says_so(tmp_path, capsys, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    path = telegram_export(tmp_path / "export.json", messages(1200), truncate=5000)
    with pytest.raises(CommandError) as failure:
        call_command("ingest", str(path), kind="telegram", source="tg")
    stored = SourceItem.objects.filter(source__name="tg").count()
    assert 1000 < stored < 1200
    out = capsys.readouterr().out
    assert f"read {stored} / new {stored} /" in out
    message = str(failure.value)
    assert f"reading stopped after {stored} posts" in message
    assert "breaks off" in message and "posts before it are stored" in message
    assert Source.objects.get(name="tg").last_error.startswith("the document breaks off")


def test_a_file_that_is_not_the_format_stores_nothing_and_says_so(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("это не JSON", encoding="utf-8")
    with pytest.raises(CommandError, match=r"not JSON.*nothing was stored"):
        call_command("ingest", str(path), kind="telegram", source="tg")
    assert not SourceItem.objects.exists()


def test_a_mis_declared_feed_is_stored_readable_and_the_source_page_warns(moderator_client):
    from tests.test_sources_adapters import FEED

    source = Source.objects.create(kind="rss", name="feed")
    result = services.source_ingest(source=source, data=FEED.encode("cp1251"), enqueue=False)
    assert result.stats.warnings == ["the feed declares utf-8 but is cp1251; read as cp1251"]
    assert "Сорокина Илью" in SourceItem.objects.get(source=source).text
    page = moderator_client.get(f"/sources/{source.pk}/").content.decode()
    assert "the feed declares utf-8 but is cp1251" in page
