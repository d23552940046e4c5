"""The moderators' queue and the candidate people for a report."""

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conscripts import services as conscript_services
from conscripts.models import Status
from reports import selectors, services
from reports.models import Origin, Report, ReportState
from tests.factories import ConscriptFactory, UnitFactory, region

pytestmark = pytest.mark.django_db

D = datetime.date


def submit(surname="Ладыгин", **overrides) -> Report:
    data = {
        "surname": surname,
        "given_name": "Матвей",
        "patronymic": "Игоревич",
        "birth_year": 2005,
        "unit_number": "72001",
        "home_region": region(),
        "claimed_status": Status.MISSING,
        "submitter_contact": "@relative_example",
        "consent": True,
    }
    data.update(overrides)
    return services.report_submit(**data)


def age(report, days):
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_the_queue_lists_open_reports_oldest_first(moderator):
    newer, older, decided = submit("Сорокин"), submit("Воробьев"), submit("Мерзляков")
    age(older, 3)
    age(newer, 1)
    services.report_reject(report=decided, moderator=moderator, reason="спам")
    asked = services.report_request_info(report=submit(), moderator=moderator, message="?")
    age(asked, 2)
    assert list(selectors.review_queue()) == [older, asked, newer]
    assert list(selectors.review_queue(state=ReportState.REJECTED)) == [decided]


def test_the_queue_filters_by_origin_claim_and_age(moderator):
    mine = services.report_claim(report=submit(), moderator=moderator)
    ingested = submit(origin=Origin.SOURCE, origin_ref="telegram:example/5", consent=False)
    age(ingested, 10)
    assert list(selectors.review_queue(origin=Origin.SOURCE)) == [ingested]
    assert list(selectors.review_queue(claimed_by=moderator)) == [mine]
    assert list(selectors.review_queue(older_than=timedelta(days=7))) == [ingested]
    cutoff = timezone.now() - timedelta(days=5)
    assert list(selectors.review_queue(older_than=cutoff)) == [ingested]


def test_the_queue_takes_one_query_however_many_reports(moderator, django_assert_num_queries):
    def read():
        return [
            (r.home_region.name_ru, r.claimed_by and r.claimed_by.username, r.conscript)
            for r in selectors.review_queue()
        ]

    services.report_claim(report=submit(), moderator=moderator)
    with django_assert_num_queries(1):
        assert len(read()) == 1
    for _ in range(10):
        services.report_claim(report=submit(), moderator=moderator)
    with django_assert_num_queries(1):
        assert len(read()) == 11


def test_candidates_say_which_fields_agree_and_which_differ():
    same = ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Игоревич",
        birth_year=2005,
        unit=UnitFactory(number="72001"),
    )
    namesake = ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Андреевич",
        birth_year=2003,
        unit=UnitFactory(number="72002"),
    )
    ConscriptFactory(surname="Тихонравов", given_name="Никита")
    candidates = selectors.report_candidates(report=submit())
    assert [c.conscript for c in candidates][:2] == [same, namesake]
    best, second = candidates[0], candidates[1]
    assert {"surname", "given_name", "patronymic", "birth_year", "unit_number"} <= set(best.agree)
    assert best.differ == {}
    assert second.differ["birth_year"] == (2005, 2003)
    assert second.differ["patronymic"] == ("игоревич", "андреевич")
    assert "surname" in second.agree
    assert all(c.conscript.surname != "Тихонравов" for c in candidates)


def test_candidates_never_include_hidden_or_merged_records(moderator):
    hidden = ConscriptFactory(surname="Ладыгин", given_name="Матвей", is_public=False)
    keep = ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=2005)
    gone = ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=2005)
    conscript_services.conscripts_merge(keep=keep, remove=gone, moderator=moderator)
    found = [c.conscript for c in selectors.report_candidates(report=submit())]
    assert keep in found
    assert hidden not in found
    assert gone not in found


def test_candidates_respect_the_limit():
    for year in (2003, 2004, 2005, 2006):
        ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=year)
    assert len(selectors.report_candidates(report=submit(), limit=2)) == 2


def test_candidates_take_the_same_queries_for_one_or_many_people(django_assert_max_num_queries):
    ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=2005)
    report = submit()
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.report_candidates(report=report)) == 1
    for year in (2003, 2004, 2006, 2007):
        ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=year)
    with django_assert_max_num_queries(len(one)):
        assert len(selectors.report_candidates(report=report)) == 5
