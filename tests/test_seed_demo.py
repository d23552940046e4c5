"""manage.py seed_demo on PostgreSQL: people, evidence and timelines as the services make them."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from conscripts import demo_data, services, status_rules
from conscripts.models import Conscript, Evidence, MilitaryUnit, NameKey, StatusChange


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def timeline(person: Conscript) -> list[tuple]:
    """(from, to, effective date, position of the deciding evidence in approval order)."""
    order = {e.pk: i for i, e in enumerate(person.evidence.order_by("added_at", "pk"))}
    return [
        (c.from_status, c.to_status, c.effective_date, order[c.evidence_id])
        for c in person.status_changes.order_by("changed_at", "pk")
    ]


@pytest.fixture
def seeded(db):
    """120 people, written in three chunks."""
    output = seed(people=120, seed="11", chunk_size=50)
    return {"ids": list(Conscript.objects.values_list("pk", flat=True)), "output": output}


def test_it_creates_the_people_asked_for_with_their_evidence_and_timelines(seeded):
    assert len(seeded["ids"]) == 120
    assert "Seeded 120 fictional people" in seeded["output"]
    people = Conscript.objects.filter(pk__in=seeded["ids"])
    assert Evidence.objects.filter(conscript__in=people).count() >= 120
    assert all(p.status_changes.exists() for p in people)
    expected = [p.full_name for p in demo_data.people(120, seed=11)]
    assert sorted(p.full_name for p in people) == sorted(expected)


def test_each_status_is_what_derive_status_gives_for_the_evidence(seeded):
    people = Conscript.objects.filter(pk__in=seeded["ids"]).prefetch_related("evidence")
    statuses = set()
    for person in people:
        facts = [
            services.evidence_fact(
                key=e.pk,
                kind=e.kind,
                claimed_status=e.claimed_status,
                event_date=e.event_date,
                event_precision=e.event_precision,
                published_at=e.published_at,
                added_at=e.added_at,
            )
            for e in person.evidence.all()
        ]
        outcome = status_rules.derive_status(facts)
        assert (person.status, person.status_since) == (outcome.status, outcome.since), person
        assert (person.is_disputed, person.disputed_reason) == (outcome.disputed, outcome.reason)
        last = person.status_changes.order_by("changed_at", "pk").last()
        assert last.to_status == person.status
        statuses.add(person.status)
    assert {"missing", "captured"} <= statuses


def test_the_timelines_are_what_evidence_add_records_for_the_same_evidence(seeded):
    """Replaying a person's evidence through the services gives the same status changes."""
    people = Conscript.objects.filter(pk__in=seeded["ids"]).order_by("pk")
    checked = 0
    for person in people:
        evidence = list(person.evidence.order_by("added_at", "pk"))
        if len(evidence) < 2 and checked > 10:
            continue
        twin = services.conscript_create(
            surname=person.surname, given_name=person.given_name, patronymic=person.patronymic
        )
        for e in evidence:
            services.evidence_add(
                conscript=twin,
                kind=e.kind,
                claimed_status=e.claimed_status,
                event_date=e.event_date,
                url=e.url,
                source_name=e.source_name,
                published_at=e.published_at,
                summary=e.summary,
            )
        twin.refresh_from_db()
        assert timeline(twin) == timeline(person), person
        assert (twin.status, twin.status_since, twin.is_disputed) == (
            person.status,
            person.status_since,
            person.is_disputed,
        )
        checked += 1
    assert checked >= 40


def test_status_changes_chain_from_nothing_to_the_current_status(seeded):
    for person in Conscript.objects.filter(pk__in=seeded["ids"]):
        changes = list(person.status_changes.order_by("changed_at", "pk"))
        assert changes[0].from_status == ""
        for before, after in pairwise(changes):
            assert after.from_status == before.to_status != after.to_status
            assert after.evidence.conscript_id == person.pk


def test_seeded_people_have_search_keys_units_regions_and_fictional_sources(seeded):
    people = Conscript.objects.filter(pk__in=seeded["ids"])
    assert not people.filter(surname_key="").exists()
    assert NameKey.objects.filter(kind="surname", key__in=people.values("surname_key")).exists()
    assert people.filter(unit__isnull=False).count() > 100
    assert people.filter(home_region__code="KRS").exists()
    evidence = Evidence.objects.filter(conscript__in=people)
    assert not evidence.exclude(url__startswith="https://example.invalid/").exists()


def test_the_sequences_move_past_the_seeded_rows(seeded):
    person = services.conscript_create(surname="Проверкин", given_name="Тест")
    evidence = services.evidence_add(conscript=person, kind="search_post", claimed_status="missing")
    assert person.pk > max(seeded["ids"])
    assert evidence.pk > Evidence.objects.exclude(pk=evidence.pk).order_by("-pk").first().pk
    assert person.status_changes.count() == 1


@pytest.mark.django_db
def test_if_empty_does_nothing_when_anyone_is_in_the_record():
    services.conscript_create(surname="Уже", given_name="Есть")
    output = seed(people=10, if_empty=True)
    assert "nothing seeded" in output
    assert Conscript.objects.count() == 1


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database_and_hides_a_few_people():
    assert not Conscript.objects.exists()
    seed(people=300, if_empty=True)
    assert Conscript.objects.count() == 300
    assert 0 < Conscript.objects.filter(is_public=False).count() < 15
    assert MilitaryUnit.objects.count() == len(demo_data.UNITS)
    assert StatusChange.objects.count() >= 300
