"""The research app's writes: saved filters, the one export lifecycle, API tokens."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from core.models import AuditAction, AuditEntry
from research import selectors, serializers, services
from research.models import ExportJob, ExportState, SavedFilter
from research.tasks import export_task
from tests.factories import ConscriptFactory

pytestmark = pytest.mark.django_db


# --- Saved filters -----------------------------------------------------------------------
def test_a_saved_filter_keeps_only_the_filter_and_a_name_is_replaced(researcher):
    first = services.saved_filter_create(
        owner=researcher, name="Пленные", query_string="status=captured&page=3&region="
    )
    assert first.query_string == "status=captured"
    again = services.saved_filter_create(
        owner=researcher, name="Пленные", query_string="status=dead&csrfmiddlewaretoken=x"
    )
    assert again.pk == first.pk and again.query_string == "status=dead"
    assert SavedFilter.objects.filter(owner=researcher).count() == 1


def test_only_researchers_save_filters(outsider):
    with pytest.raises(PermissionDenied):
        services.saved_filter_create(owner=outsider, name="x", query_string="")
    assert not SavedFilter.objects.exists()


def test_nobody_deletes_anothers_saved_filter(researcher, moderator):
    theirs = services.saved_filter_create(owner=moderator, name="чужой", query_string="")
    with pytest.raises(SavedFilter.DoesNotExist):
        services.saved_filter_delete(owner=researcher, saved_filter_id=theirs.pk)
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()
    services.saved_filter_delete(owner=moderator, saved_filter_id=theirs.pk)
    assert not SavedFilter.objects.exists()


# --- The export lifecycle ----------------------------------------------------------------
@pytest.fixture
def people(db):
    ConscriptFactory(surname="Публичный")
    ConscriptFactory(surname="Скрытый", is_public=False)


def test_a_small_export_is_written_by_the_caller_through_the_lifecycle(researcher, people):
    started = services.export_start(user=researcher, fmt="csv", query_string="page=2")
    assert not started.in_background
    assert started.job.state == ExportState.QUEUED and started.job.query_string == ""
    out = io.StringIO()
    job = services.export_run(job_id=started.job.pk, out=out)
    assert (job.state, job.rows, job.progress, job.file.name) == (ExportState.DONE, 1, 100, "")
    assert job.finished_at is not None
    assert "Публичный" in out.getvalue() and "Скрытый" not in out.getvalue()
    # Written once: running the finished job again writes nothing.
    assert services.export_run(job_id=job.pk, out=io.StringIO()) is None


def test_a_large_export_is_queued_after_commit_and_the_task_runs_the_same_lifecycle(
    researcher, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_LIMIT = 0
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = services.export_start(user=researcher, fmt="json", query_string="")
    assert started.in_background and len(callbacks) == 1
    export_task.run(started.job.pk)  # what the queued callback makes a worker do
    job = ExportJob.objects.get(pk=started.job.pk)
    assert (job.state, job.rows, job.progress) == (ExportState.DONE, 1, 100)
    assert job.is_downloadable and (tmp_path / job.file.name).is_file()
    assert not list((tmp_path / "exports").glob("*.part"))


def test_a_failed_export_is_marked_failed_and_leaves_no_partial_file(
    researcher, people, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(requested_by=researcher, format="csv")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services.exports, "WRITERS", {"csv": broken})
    with pytest.raises(OSError):
        services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.error, job.file.name) == (ExportState.FAILED, "OSError", "")
    assert job.finished_at is not None
    assert not list((tmp_path / "exports").iterdir())
    assert services.export_run(job_id=job.pk) is None  # a failed export stays failed


def test_a_job_left_running_by_a_dead_worker_is_written_again(
    researcher, people, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(requested_by=researcher, format="csv", state=ExportState.RUNNING)
    assert services.export_run(job_id=job.pk).state == ExportState.DONE


def test_an_export_needs_the_role_a_known_format_and_a_valid_filter(researcher, outsider):
    with pytest.raises(PermissionDenied):
        services.export_start(user=outsider, fmt="csv", query_string="")
    with pytest.raises(services.ExportError):
        services.export_start(user=researcher, fmt="xlsx", query_string="")
    with pytest.raises(services.ExportError):
        services.export_start(user=researcher, fmt="csv", query_string="status=nonsense")
    assert not ExportJob.objects.exists()


def test_moderators_exports_remember_the_role_they_were_made_with(moderator, people):
    job = services.export_start(user=moderator, fmt="csv", query_string="").job
    assert job.as_moderator
    out = io.StringIO()
    services.export_run(job_id=job.pk, out=out)
    assert "Скрытый" in out.getvalue()


def test_another_researchers_export_is_out_of_sight(researcher, moderator):
    from core import access
    from tests.factories import UserFactory

    job = ExportJob.objects.create(requested_by=researcher, format="csv")
    colleague = UserFactory(username="colleague", groups=[access.RESEARCHERS])
    assert selectors.export_job_get(pk=job.pk, user=colleague) is None
    assert selectors.export_job_get(pk=job.pk, user=researcher) == job
    assert selectors.export_job_get(pk=job.pk, user=moderator) == job
    assert selectors.export_job_list(user=colleague) == []


# --- One public-field list ---------------------------------------------------------------
def test_exports_the_api_and_the_browse_page_share_one_field_list():
    public = [f.name for f in selectors.PUBLIC_PERSON_FIELDS]
    assert selectors.export_columns(as_moderator=False) == [*public, "url"]
    assert selectors.export_columns(as_moderator=True) == [*public, "url", "is_public"]
    api = [serializers.CASE_V1_NAMES.get(name, name) for name in public]
    assert list(serializers.CaseSerializer().fields) == [*api, "url"]
    assert set(serializers.SEARCH_RESULT_FIELDS) <= set(public)


def test_the_browse_page_and_the_api_load_no_column_outside_the_list(researcher):
    from conscripts.models import Conscript

    ConscriptFactory()
    person = selectors.person_rows(Conscript.objects.all(), as_moderator=False).get()
    deferred = person.get_deferred_fields()
    assert {"disputed_reason", "is_public", "surname_key", "evidence_kinds"} <= deferred
    assert not {f.source for f in selectors.PUBLIC_PERSON_FIELDS} & deferred


# --- API tokens --------------------------------------------------------------------------
def test_issuing_a_token_replaces_the_old_one_and_is_audited(researcher):
    first = services.api_token_issue(user=researcher)
    second = services.api_token_issue(user=researcher)
    assert first.key != second.key
    assert selectors.api_token_get(user=researcher) == second.record
    client = Client()
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {first.key}").status_code == 401
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {second.key}").status_code == 200
    entries = AuditEntry.objects.filter(actor=researcher).order_by("pk")
    assert [(e.action, e.after["replaced"]) for e in entries] == [
        (AuditAction.API_TOKEN_ISSUE, False),
        (AuditAction.API_TOKEN_ISSUE, True),
    ]
    assert entries[1].after["expires"] == second.record.expiry.isoformat()
    assert first.key not in str(list(entries.values()))  # the log never holds a token


def test_revoking_a_token_ends_it_and_only_an_existing_one_is_logged(researcher):
    token = services.api_token_issue(user=researcher)
    assert services.api_token_revoke(user=researcher) is True
    assert services.api_token_revoke(user=researcher) is False
    assert selectors.api_token_get(user=researcher) is None
    assert (
        Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401
    )
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions == [AuditAction.API_TOKEN_ISSUE, AuditAction.API_TOKEN_REVOKE]


def test_only_researchers_get_a_token(outsider):
    with pytest.raises(PermissionDenied):
        services.api_token_issue(user=outsider)
    assert selectors.api_token_get(user=outsider) is None


def test_a_token_is_kept_only_as_a_hash(researcher):
    from knox.models import AuthToken

    issued = services.api_token_issue(user=researcher)
    row = AuthToken.objects.values().get()
    assert issued.key not in str(row)
    assert row["token_key"] == issued.key[: len(row["token_key"])]  # its first characters


def test_beat_deletes_expired_tokens_and_those_of_users_who_left_the_researchers(
    researcher, moderator, time_machine
):
    from datetime import timedelta

    from knox.models import AuthToken

    from research.tasks import api_tokens_purge_task
    from tests.factories import UserFactory

    leaver = UserFactory(username="leaver", groups=["researchers"])
    services.api_token_issue(user=researcher)
    services.api_token_issue(user=moderator)
    services.api_token_issue(user=leaver)
    assert api_tokens_purge_task() == 0
    leaver.groups.clear()
    assert api_tokens_purge_task() == 1
    assert set(AuthToken.objects.values_list("user__username", flat=True)) == {
        "researcher",
        "moderator",
    }
    time_machine.move_to(timezone.now() + timedelta(days=91))
    assert api_tokens_purge_task() == 2
    assert not AuthToken.objects.exists()
