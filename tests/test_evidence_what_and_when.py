"""Evidence says what it is and when it happened, on every path; a status is dated by the
evidence that decided it; a relative's own post is never public. All people are fictional."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from conscripts import search, services
from conscripts.models import DatePrecision, Evidence, EvidenceKind, Status
from core.models import AuditAction, AuditEntry
from reports import services as report_services
from reports.models import Origin, Report
from tests.factories import ConscriptFactory, EvidenceFactory, UnitFactory, region

pytestmark = pytest.mark.django_db

D = datetime.date
VIDEO = "https://www.youtube.com/watch?v=Abc123Def45"
POST = "https://t.me/poisk_rebyat_example/4410"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "1000/hour"


def form_data(**overrides):
    data = {
        "surname": "Жаворонков",
        "given_name": "Илья",
        "patronymic": "Сергеевич",
        "birth_year": "2005",
        "unit_number": "",
        "home_region": "",
        "evidence_kind": "prisoner_video",
        "event_date": "20.01.2025",
        "last_contact_date": "2024-08-06",
        "claimed_status": "",
        "evidence_urls": VIDEO,
        "details": "Узнали его на видео.",
        "submitter_contact": "@zhav_example",
        "consent": "on",
    }
    data.update(overrides)
    return data


def from_a_post(**overrides) -> Report:
    """A report as the ingestion writes it for a person named in a channel's post."""
    data = {
        "surname": "Жаворонков",
        "given_name": "Илья",
        "birth_year": 2005,
        "claimed_status": Status.CAPTURED,
        "published_at": timezone.make_aware(datetime.datetime(2025, 1, 21, 23, 40)),
        "source_kind": "telegram",
        "source_name": "Поиск ребят (вымышленный)",
        "source_url": POST,
        "source_private": True,
        "evidence_urls": [POST, VIDEO],
        "details": "Узнали на видео! Звоните маме: [телефон скрыт]",
        "origin": Origin.SOURCE,
        "origin_ref": "telegram:Поиск ребят (вымышленный):4410#1",
    }
    data.update(overrides)
    return report_services.report_submit(**data)


# --- the report form asks what and when ------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "day", "precision"),
    [
        ("20.01.2025", D(2025, 1, 20), DatePrecision.DAY),
        ("01.2025", D(2025, 1, 1), DatePrecision.MONTH),
        ("январь 2025", D(2025, 1, 1), DatePrecision.MONTH),
        ("около 20.01.2025", D(2025, 1, 20), DatePrecision.ABOUT),
    ],
)
def test_the_report_form_asks_what_is_known_and_when(client, typed, day, precision):
    response = client.post("/reports/new/", form_data(event_date=typed))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.evidence_kind, report.event_date, report.event_precision) == (
        EvidenceKind.PRISONER_VIDEO,
        day,
        precision,
    )
    assert (report.source_kind, report.has_video) == ("relative", True)


def test_a_date_the_form_cannot_read_is_explained_and_nothing_typed_is_lost(client):
    response = client.post("/reports/new/", form_data(event_date="прошлой зимой"))
    assert response.status_code == 400
    assert "20.01.2025" in response.context["form"].errors["event_date"][0]
    assert response.context["form"]["event_date"].value() == "прошлой зимой"
    assert response.context["form"]["details"].value() == "Узнали его на видео."
    assert not Report.objects.exists()


# --- moderators choose the kind and the date; the status is dated by them --------------------
def test_approving_as_a_prisoner_video_dates_the_status_by_the_video_not_the_moderation(
    client, moderator
):
    client.post("/reports/new/", form_data())
    report = Report.objects.get()
    person = report_services.report_approve_new(report=report, moderator=moderator)

    person.refresh_from_db()
    assert (person.status, person.status_since, person.status_since_precision) == (
        Status.CAPTURED,
        D(2025, 1, 20),
        DatePrecision.DAY,
    )
    change = person.status_changes.get()
    assert (change.effective_date, change.evidence.kind) == (
        D(2025, 1, 20),
        EvidenceKind.PRISONER_VIDEO,
    )
    page = client.get(person.get_absolute_url()).content.decode()
    assert "с 20 января 2025 г." in page
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        english = client.get(person.get_absolute_url()).content.decode()
    assert "since Jan. 20, 2025" in english
    api = client.get(f"/api/v1/cases/{person.pk}/").json()
    assert (api["status"], api["status_since"], api["status_since_precision"]) == (
        "captured",
        "2025-01-20",
        "day",
    )


def test_a_month_is_shown_as_a_month(client, moderator):
    client.post("/reports/new/", form_data(event_date="01.2025"))
    person = report_services.report_approve_new(report=Report.objects.get(), moderator=moderator)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "с января 2025" in page and "1 января 2025" not in page


def test_the_report_page_prefills_what_an_ingested_post_says(moderator_client):
    report = from_a_post()
    form = moderator_client.get(reverse("reports:detail", args=[report.pk])).context[
        "evidence_form"
    ]
    # A «captured» with a video link is a prisoner video, shown with the video, published
    # on the post's own day: 23:40 Moscow is still the 21st, whatever the UTC day says.
    assert form.initial["kind"] == EvidenceKind.PRISONER_VIDEO
    assert form.initial["url"] == VIDEO
    assert form.initial["published_on"] == D(2025, 1, 21)
    assert form.private_links == [POST]


def test_a_moderator_corrects_the_kind_and_date_when_merging(moderator_client, moderator):
    person = ConscriptFactory(surname="Жаворонков", given_name="Илья", birth_year=2005)
    report = from_a_post()
    response = moderator_client.post(
        reverse("reports:merge", args=[report.pk]),
        {
            "conscript": person.pk,
            "evidence-kind": EvidenceKind.PRISONER_VIDEO,
            "evidence-claimed_status": Status.CAPTURED,
            "evidence-event_date": "около 18.01.2025",
            "evidence-published_on": "2025-01-21",
            "evidence-url": VIDEO,
            "evidence-link_public": "on",
        },
    )
    assert response.status_code == 302
    evidence = person.evidence.get()
    assert (evidence.event_date, evidence.event_precision, evidence.url) == (
        D(2025, 1, 18),
        DatePrecision.ABOUT,
        VIDEO,
    )
    assert (evidence.source_kind, evidence.source_name, evidence.report_id) == (
        "telegram",
        "Поиск ребят (вымышленный)",
        report.pk,
    )
    assert evidence.public_url == VIDEO
    person.refresh_from_db()
    assert (person.status_since, person.status_since_precision) == (D(2025, 1, 18), "about")
    entry = AuditEntry.objects.get(report_id=report.pk, action=AuditAction.MERGE)
    assert entry.after["evidence"]["event_precision"] == "about"


def test_evidence_reads_as_its_kind_date_and_source_in_the_readers_language(client):
    person = ConscriptFactory()
    EvidenceFactory(
        conscript=person,
        kind=EvidenceKind.EXCHANGE_LIST,
        claimed_status=Status.RETURNED,
        event_date=D(2024, 8, 24),
        source_kind="telegram",
        source_name="Списки обмена (вымышленный)",
        url="https://t.me/spiski_example/1",
    )
    page = client.get(person.get_absolute_url()).content.decode()
    assert "Список обмена" in page and "24 августа 2024 г." in page
    assert "Telegram · Списки обмена (вымышленный)" in page
    assert "Report #" not in page and "From report" not in page


# --- a relative's own post is never public ---------------------------------------------------
def test_a_relatives_post_stays_private_whatever_it_claims_and_whatever_is_ticked(
    client, moderator
):
    report = from_a_post()
    person = report_services.report_approve_new(
        report=report,
        moderator=moderator,
        evidence=report_services.EvidenceChoice(
            kind=EvidenceKind.OTHER,
            claimed_status=Status.CAPTURED,
            url=POST,
            link_public=True,  # a mistake the service must not carry out
        ),
    )
    evidence = person.evidence.get()
    assert (evidence.url, evidence.link_public, evidence.public_url) == (POST, False, "")
    page = client.get(person.get_absolute_url()).content.decode()
    assert POST not in page
    records = client.get("/api/v1/evidence/").json()["results"]
    assert [r["url"] for r in records] == [None]
    assert POST not in str(records)


def test_moderators_see_the_private_link_and_the_report_it_came_from(moderator_client, moderator):
    report = from_a_post()
    person = report_services.report_approve_new(
        report=report,
        moderator=moderator,
        evidence=report_services.EvidenceChoice(
            kind=EvidenceKind.SEARCH_POST, claimed_status=Status.MISSING, url=POST
        ),
    )
    page = moderator_client.get(person.get_absolute_url()).content.decode()
    assert POST in page
    assert reverse("reports:detail", args=[report.pk]) in page


def test_a_link_that_is_not_the_reports_own_is_refused(moderator):
    report = from_a_post()
    with pytest.raises(report_services.ValidationError):
        report_services.report_approve_new(
            report=report,
            moderator=moderator,
            evidence=report_services.EvidenceChoice(
                kind=EvidenceKind.PRISONER_VIDEO,
                claimed_status=Status.CAPTURED,
                url="https://elsewhere.example/video",
                link_public=True,
            ),
        )
    assert not Evidence.objects.exists()


def test_units_named_only_by_hidden_people_are_not_listed(client):
    ConscriptFactory(unit=UnitFactory(number="11111"))
    ConscriptFactory(unit=UnitFactory(number="22222"), is_public=False)
    UnitFactory(number="33333")  # nobody at all
    numbers = [u["number"] for u in client.get("/api/v1/units/").json()["results"]]
    assert numbers == ["11111"]


# --- disputed, said plainly -----------------------------------------------------------------
def test_the_public_is_told_a_record_is_disputed_but_not_why(moderator_client):
    from django.test import Client

    client = Client()
    person = ConscriptFactory(home_region=region())
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 5),
    )
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 10, 1),
    )
    person.refresh_from_db()
    public = client.get(person.get_absolute_url())
    body = public.content.decode()
    assert 'data-testid="disputed"' in body
    assert "Есть противоречащие сведения" in body
    assert person.disputed_reason not in body and "contradicts" not in body
    moderated = moderator_client.get(person.get_absolute_url()).content.decode()
    assert person.disputed_reason in moderated.replace("&#x27;", "'")


def test_an_undisputed_record_has_no_such_notice(client):
    person = ConscriptFactory()
    assert 'data-testid="disputed"' not in client.get(person.get_absolute_url()).content.decode()


# --- no writes around the services ------------------------------------------------------------
def test_a_correction_recomputes_the_search_keys_and_is_audited(moderator):
    person = ConscriptFactory(surname="Жаворонков", given_name="Илья", birth_year=2005)
    services.conscript_update(
        conscript=person,
        changes={"surname": "Жаворонкин", "birth_date": D(2005, 3, 4)},
        acting_user=moderator,
    )
    person.refresh_from_db()
    assert (person.surname, person.birth_year) == ("Жаворонкин", 2005)
    found = [m.conscript.pk for m in search.search("Жаворонкин Илья").matches]
    assert person.pk in found
    entry = AuditEntry.objects.get(action=AuditAction.CONSCRIPT_UPDATE, conscript_id=person.pk)
    assert entry.before == {"birth_date": None, "surname": "Жаворонков"}
    assert entry.after["surname"] == "Жаворонкин"


def test_a_correction_cannot_touch_what_follows_from_evidence(moderator):
    person = ConscriptFactory()
    with pytest.raises(services.ConscriptError):
        services.conscript_update(
            conscript=person, changes={"status": Status.DEAD}, acting_user=moderator
        )


def test_only_moderators_correct_records(researcher):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.conscript_update(
            conscript=ConscriptFactory(), changes={"surname": "Х"}, acting_user=researcher
        )
