"""Posts become stored items, then one report per person; running again changes nothing."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import OutboxMessage
from reports.models import Origin, Report
from reports.selectors import report_candidates
from sources import services
from sources.models import ItemState, SourceItem
from tests.factories import ConscriptFactory, SourceFactory, UnitFactory, region
from tests.helpers import FeedServer

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "sources"


def ingest(source, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.source_ingest_file(source=source, path=DATA / name, enqueue=False)
    assert callbacks == []
    for item_id in result.new_item_ids:
        result.stats.reports_created += services.item_extract(item_id=item_id)
    return result


def test_a_telegram_export_becomes_items_and_one_report_per_person(
    django_capture_on_commit_callbacks,
):
    source = SourceFactory(name="poisk", base_url="https://t.me/fictional_search")
    result = ingest(source, "telegram_result.json", django_capture_on_commit_callbacks)
    assert (result.stats.read, result.stats.new, result.stats.failed) == (4, 3, 1)
    report = Report.objects.get(origin_ref="telegram:poisk:2#1")
    assert report.origin == Origin.SOURCE
    assert (report.surname, report.given_name, report.patronymic) == (
        "Петренко",
        "Алексей",
        "Сергеевич",
    )
    assert report.unit_number == "31612"
    assert report.birth_year == 2005
    assert report.evidence_urls == ["https://t.me/fictional_search/2"]
    # The phone is kept for moderators only; the text everyone else might see is masked.
    assert report.submitter_contact == "+79123456789"
    assert "+7 ••• •• 89" in report.details and "345-67-89" not in report.details
    captive = Report.objects.get(origin_ref="telegram:poisk:3#1")
    assert captive.claimed_status == "captured"
    assert "https://t.me/fictional_captives/4521" in captive.evidence_urls
    item = SourceItem.objects.get(source=source, external_id="2")
    assert item.state == ItemState.EXTRACTED and item.reports_created == 1
    assert item.phones == ["+79123456789"]
    assert item.extraction["people"][0]["surname"] == "Петренко"


def test_a_malformed_post_is_stored_failed_with_its_reason(django_capture_on_commit_callbacks):
    source = SourceFactory()
    ingest(source, "telegram_result.json", django_capture_on_commit_callbacks)
    failed = SourceItem.objects.get(source=source, state=ItemState.FAILED)
    assert (failed.external_id, failed.failure_reason) == ("6", "malformed text entity")


def test_ingesting_the_same_export_twice_creates_nothing_new(django_capture_on_commit_callbacks):
    source = SourceFactory()
    ingest(source, "telegram_result.json", django_capture_on_commit_callbacks)
    before = (SourceItem.objects.count(), Report.objects.count())
    again = ingest(source, "telegram_result.json", django_capture_on_commit_callbacks)
    assert (again.stats.new, again.stats.duplicate, again.stats.failed) == (0, 4, 0)
    assert (SourceItem.objects.count(), Report.objects.count()) == before


def test_extracting_a_post_twice_changes_nothing(django_capture_on_commit_callbacks):
    source = SourceFactory(kind="vk", name="vk-wall")
    result = ingest(source, "vk_wall.json", django_capture_on_commit_callbacks)
    reports = Report.objects.count()
    assert reports == 2
    for item_id in result.new_item_ids:
        assert services.item_extract(item_id=item_id) == 0
    assert Report.objects.count() == reports


def test_a_batch_of_posts_is_extracted_in_one_transaction_asking_once_for_watches(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    source = SourceFactory(name="poisk", base_url="https://t.me/fictional_search")
    with django_capture_on_commit_callbacks(execute=False):
        result = services.source_ingest_file(
            source=source, path=DATA / "telegram_result.json", enqueue=False
        )
    with django_assert_max_num_queries(30) as queries:
        created = services.items_extract(item_ids=result.new_item_ids)
    assert created == Report.objects.filter(origin=Origin.SOURCE).count() >= 2
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("reports_watch" in s for s in sql) == 1
    # the batch's own transaction (a savepoint inside the test's), none per report
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    assert set(
        SourceItem.objects.filter(pk__in=result.new_item_ids).values_list("state", flat=True)
    ) <= {ItemState.EXTRACTED}
    assert services.items_extract(item_ids=result.new_item_ids) == 0  # already extracted


def test_a_second_report_with_the_same_origin_ref_is_refused_by_the_database():
    from django.db import IntegrityError

    Report.objects.create(origin=Origin.SOURCE, origin_ref="vk:x:1#1", surname_raw="А")
    with pytest.raises(IntegrityError):
        Report.objects.create(origin=Origin.SOURCE, origin_ref="vk:x:1#1", surname_raw="Б")


def test_form_reports_without_origin_ref_are_not_constrained():
    Report.objects.create(origin=Origin.FORM, surname_raw="А")
    Report.objects.create(origin=Origin.FORM, surname_raw="Б")


def queued(task: str) -> list[tuple[list, bool]]:
    """The outbox rows of ``task``: (arguments, sent yet)."""
    return [
        (row.args, row.sent_at is not None)
        for row in OutboxMessage.objects.filter(task=task).order_by("pk")
    ]


def test_stored_items_are_queued_with_them_and_sent_after_commit(
    django_capture_on_commit_callbacks, settings
):
    settings.SOURCES_EXTRACT_BATCH = 1

    source = SourceFactory(kind="csv", name="csv-file")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.source_ingest_file(source=source, path=DATA / "posts.csv")
        # In the same transaction as the posts, not yet sent to the broker.
        assert queued("sources.extract_item") == [([pk], False) for pk in result.new_item_ids]
    for callback in callbacks:
        callback()
    assert queued("sources.extract_item") == [([pk], True) for pk in result.new_item_ids]


def test_moderators_see_candidate_matches_for_an_ingested_report(
    django_capture_on_commit_callbacks,
):
    person = ConscriptFactory(
        surname="Воробьев",
        given_name="Никита",
        patronymic="Андреевич",
        birth_year=2004,
        unit=UnitFactory(number="73612"),
        home_region=region(),
    )
    source = SourceFactory(kind="vk", name="vk-wall")
    ingest(source, "vk_wall.json", django_capture_on_commit_callbacks)
    report = Report.objects.get(origin_ref="vk:vk-wall:-212345678_1501#1")
    assert report.home_region.code == "KRS"
    candidates = report_candidates(report=report)
    assert candidates and candidates[0].conscript == person
    assert "unit_number" in candidates[0].agree


def test_the_sweeper_requeues_posts_left_new(django_capture_on_commit_callbacks, settings):
    from datetime import timedelta

    settings.SOURCES_EXTRACT_BATCH = 1

    source = SourceFactory(kind="csv", name="csv-file")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.source_ingest_file(source=source, path=DATA / "posts.csv")
    with django_capture_on_commit_callbacks(execute=True):
        count = services.items_requeue_stale(older_than=timedelta(0))
    assert count == len(result.new_item_ids)
    assert queued("sources.extract_item") == [([pk], True) for pk in result.new_item_ids] * 2


# --- commands -------------------------------------------------------------------------------


def test_the_ingest_command_prints_a_summary_line(capsys):
    call_command("ingest", str(DATA / "posts.csv"), kind="csv", source="csv-cmd", sync=True)
    out = capsys.readouterr().out
    assert "read 5 / new 2 / duplicate 0 / conflict 0 / failed 3 / reports created 2" in out
    call_command("ingest", str(DATA / "posts.csv"), kind="csv", source="csv-cmd", sync=True)
    out = capsys.readouterr().out
    assert "read 5 / new 0 / duplicate 5 / conflict 0 / failed 0 / reports created 0" in out


def test_the_ingest_command_enqueues_when_a_broker_is_configured(
    capsys, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SOURCES_EXTRACT_BATCH = 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(DATA / "feed.atom"), kind="rss", source="atom")
    assert len(queued("sources.extract_item")) == 1
    assert "1 posts queued for extraction" in capsys.readouterr().out


def test_extract_post_prints_the_extraction_json(tmp_path, capsys):
    post = tmp_path / "p1.txt"
    post.write_text("Разыскивается Петренко Алексей Сергеевич, 12.03.2005 г.р., в/ч 31612")
    call_command("extract_post", str(post))
    result = json.loads(capsys.readouterr().out)
    assert result["id"] == "p1"
    assert result["people"][0]["unit_number"] == "31612"


def test_extract_post_batch_writes_one_line_per_post_in_to_json_shape(tmp_path, capsys):
    from sources.extraction import extract

    posts = [json.loads(line) for line in (DATA.parent / "posts.jsonl").open()][:5]
    batch = tmp_path / "posts.jsonl"
    batch.write_text("\n".join(json.dumps({"id": p["id"], "text": p["text"]}) for p in posts))
    call_command("extract_post", batch=str(batch))
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line) for line in lines] == [
        extract(p["text"]).to_json(p["id"]) for p in posts
    ]


# --- webhook --------------------------------------------------------------------------------


@pytest.fixture
def webhook_source():
    source = SourceFactory(kind="webhook", name="hook")
    token = services.source_rotate_webhook_token(source=source)
    return source, token


def post_items(client, token, body, **extra):
    return client.post(
        "/api/v1/ingest/",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        **extra,
    )


def test_only_a_hash_of_the_webhook_token_is_stored(webhook_source):
    source, token = webhook_source
    source.refresh_from_db()
    assert token not in source.webhook_token_hash and len(source.webhook_token_hash) == 64


def test_the_webhook_stores_good_items_and_lists_the_bad_ones(client, webhook_source):
    source, token = webhook_source
    body = {
        "items": [
            {"external_id": "h1", "text": "Ищем Зайцева Кирилла", "url": "https://e.org/1"},
            {"external_id": "h2", "text": ""},
            "nonsense",
        ]
    }
    response = post_items(client, token, body)
    assert response.status_code == 400
    data = response.json()
    assert data["detail"]  # the API's error shape, with the counts beside it
    assert data["new"] == 1 and data["failed"] == 2
    assert [(e["index"], e["error"]) for e in data["errors"]] == [
        (1, "empty text"),
        (2, "item is not an object"),
    ]
    assert SourceItem.objects.filter(source=source, state=ItemState.NEW).count() == 1


def test_the_webhook_answers_201_when_everything_was_stored(client, webhook_source):
    _, token = webhook_source
    response = post_items(client, token, {"items": [{"external_id": "h1", "text": "Текст"}]})
    assert response.status_code == 201
    assert response.json()["new"] == 1 and response.json()["errors"] == []
    assert "detail" not in response.json()


@pytest.mark.parametrize("token", ["", "wrong"])
def test_the_webhook_refuses_a_missing_or_wrong_token(client, webhook_source, token):
    response = post_items(client, token, {"items": []})
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid token"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert SourceItem.objects.count() == 0


def test_the_webhook_refuses_a_body_over_the_limit(client, webhook_source, settings):
    _, token = webhook_source
    settings.SOURCES_WEBHOOK_MAX_BYTES = 100
    response = post_items(client, token, {"items": [{"external_id": "1", "text": "x" * 200}]})
    assert response.status_code == 413
    assert response.json() == {"detail": "body larger than 100 bytes"}


def test_a_body_that_is_not_a_batch_is_refused_in_the_api_error_shape(client, webhook_source):
    _, token = webhook_source
    response = post_items(client, token, ["not", "a", "batch"])
    assert response.status_code == 400
    assert response.json() == {"detail": 'expected {"items": [...]}'}


def test_a_user_api_token_is_no_webhook_token(client, webhook_source, researcher):
    """The webhook takes only a source's token, not a researcher's API token."""
    from research import services as research_services

    api_token = research_services.api_token_issue(user=researcher)
    response = client.post(
        "/api/v1/ingest/",
        data=json.dumps({"items": []}),
        content_type="application/json",
        headers={"Authorization": f"Token {api_token.key}"},
    )
    assert response.status_code == 401
    assert SourceItem.objects.count() == 0


def test_the_webhook_needs_no_csrf_token(webhook_source):
    from django.test import Client

    _, token = webhook_source
    client = Client(enforce_csrf_checks=True)
    response = post_items(client, token, {"items": [{"external_id": "1", "text": "Текст"}]})
    assert response.status_code == 201


# --- moderators' pages ----------------------------------------------------------------------


def test_moderators_see_sources_counts_and_failures(
    moderator_client, django_capture_on_commit_callbacks
):
    source = SourceFactory(kind="csv", name="csv-file")
    ingest(source, "posts.csv", django_capture_on_commit_callbacks)
    page = moderator_client.get(reverse("sources:list")).content.decode()
    assert "csv-file" in page
    detail = moderator_client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    assert "invalid URL" in detail and "invalid published_at" in detail


def test_failed_post_previews_hide_contacts(moderator_client):
    source = SourceFactory(kind="webhook", name="hook")
    SourceItem.objects.create(
        source=source,
        external_id="x",
        text="Звоните 8 915 234 56 78",
        state=ItemState.FAILED,
        failure_reason="test",
    )
    detail = moderator_client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    assert "+7 ••• •• 78" in detail and "234 56 78" not in detail


def test_the_source_list_takes_the_same_queries_however_many_sources(
    moderator_client, django_assert_max_num_queries
):
    for n in range(5):
        SourceFactory(kind="csv", name=f"s{n}")
    with django_assert_max_num_queries(8):
        moderator_client.get(reverse("sources:list"))


def test_run_now_enqueues_a_poll_after_commit(moderator_client, django_capture_on_commit_callbacks):
    source = SourceFactory(kind="rss", name="feed", location="https://news.example.org/rss")
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(reverse("sources:run", args=[source.pk]))
    assert response.status_code == 302
    assert queued("sources.fetch_source") == [([source.pk], True)]


def test_anonymous_visitors_are_sent_to_log_in(client):
    source = SourceFactory()
    for url in (reverse("sources:list"), reverse("sources:detail", args=[source.pk])):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("persona", ["outsider_client", "researcher_client"])
def test_staff_who_are_not_moderators_are_forbidden(request, persona):
    client = request.getfixturevalue(persona)
    source = SourceFactory()
    for url in (reverse("sources:list"), reverse("sources:detail", args=[source.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("sources:run", args=[source.pk])).status_code == 403


def test_posts_are_enqueued_in_batches(django_capture_on_commit_callbacks, settings):
    settings.SOURCES_EXTRACT_BATCH = 2
    source = SourceFactory(kind="vk", name="vk-wall")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.source_ingest_file(source=source, path=DATA / "vk_wall.json")
    assert queued("sources.extract_items") == [([result.new_item_ids], True)]
    assert queued("sources.extract_item") == []


# --- polling --------------------------------------------------------------------------------


def test_a_poll_sends_the_cursor_validators_and_skips_an_unchanged_feed(settings):
    settings.SOURCES_ALLOW_PRIVATE_ADDRESSES = True
    with FeedServer() as server:
        body = (DATA / "feed.rss").read_bytes()
        server.routes["/rss"] = (200, {"ETag": '"v1"'}, body)
        source = SourceFactory(
            kind="rss", name="feed", location=server.url("/rss"), allowed_hosts=["127.0.0.1"]
        )
        first = services.source_poll(source=source)
        assert first.stats.new == 1 and source.cursor["etag"] == '"v1"'
        second = services.source_poll(source=source)
        assert second.stats.not_modified
        assert server.requests[-1]["If-None-Match"] == '"v1"'


def test_a_poll_of_a_private_address_is_refused_and_recorded(settings):
    from sources.fetching import FetchError

    settings.SOURCES_ALLOW_PRIVATE_ADDRESSES = False
    source = SourceFactory(
        kind="rss", name="feed", location="http://127.0.0.1:9/rss", allowed_hosts=["127.0.0.1"]
    )
    with pytest.raises(FetchError):
        services.source_poll(source=source)
    source.refresh_from_db()
    assert "non-public address" in source.last_error


def test_only_enabled_sources_whose_interval_has_passed_are_due():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    due = SourceFactory(kind="rss", name="due", location="https://e.org/a", schedule_minutes=5)
    SourceFactory(kind="rss", name="manual", location="https://e.org/b", schedule_minutes=0)
    SourceFactory(
        kind="rss",
        name="recent",
        location="https://e.org/c",
        schedule_minutes=5,
        last_run_at=now - timedelta(minutes=1),
    )
    SourceFactory(
        kind="rss", name="off", location="https://e.org/d", schedule_minutes=5, enabled=False
    )
    assert services.sources_due(now) == [due]
