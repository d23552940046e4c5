"""The statistics' running tallies (``conscripts.tallies``): kept by the services, they
always equal a count from scratch, whatever sequence of changes led there."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conscripts import services
from conscripts.models import Conscript, Evidence, EvidenceKind, Region, Status, Tally
from conscripts.tallies import tallies_differences, tallies_kept, tallies_rebuild
from research import statistics as research
from research.units import unit_figures
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_statistics")]

CLAIMS = {
    EvidenceKind.SEARCH_POST: [Status.MISSING],
    EvidenceKind.PRISONER_VIDEO: [Status.CAPTURED],
    EvidenceKind.EXCHANGE_LIST: [Status.RETURNED],
    EvidenceKind.DEATH_NOTICE: [Status.DEAD],
    EvidenceKind.OFFICIAL_STATEMENT: [Status.DEAD, Status.CAPTURED],
    EvidenceKind.MEDIA_REPORT: [Status.DEAD, Status.CAPTURED, Status.RETURNED],
}


class _Story:
    """Random changes to a few people, each through the service a moderator would use."""

    def __init__(self, rng: random.Random, moderator) -> None:
        self.rng = rng
        self.moderator = moderator
        self.regions = list(Region.objects.filter(code__in=["KRS", "BEL", "BRY", "MOW"]))
        self.units = [UnitFactory(number=f"{41500 + i}") for i in range(3)]

    def _day(self) -> date | None:
        # Both sides of the Kursk window's start (6 August 2024), and sometimes no date.
        return self.rng.choice([None, date(2024, 3, 1) + timedelta(days=self.rng.randrange(400))])

    def _people(self):
        return list(Conscript.objects.filter(merged_into__isnull=True).order_by("pk"))

    def create(self) -> None:
        services.conscript_create(
            surname=self.rng.choice(["Ладыгин", "Сорокин", "Кречетов"]),
            given_name="Никита",
            home_region=self.rng.choice([*self.regions, None]),
            unit=self.rng.choice([*self.units, None]),
            last_contact_date=self._day(),
            is_public=self.rng.random() > 0.15,
        )

    def add_evidence(self) -> None:
        people = self._people()
        kind = self.rng.choice(list(CLAIMS))
        services.evidence_add(
            conscript=self.rng.choice(people),
            kind=kind,
            claimed_status=self.rng.choice(CLAIMS[kind]),
            event_date=self._day(),
            added_by=self.moderator,
        )

    def retract(self) -> None:
        active = list(Evidence.objects.active().order_by("pk"))
        if active:
            services.evidence_retract(
                evidence=self.rng.choice(active), moderator=self.moderator, reason="Ошибка"
            )

    def merge(self) -> None:
        people = self._people()
        if len(people) >= 2:
            keep, remove = self.rng.sample(people, 2)
            services.conscripts_merge(keep=keep, remove=remove, moderator=self.moderator)

    def take_down(self) -> None:
        person = self.rng.choice(self._people())
        services.conscript_set_public(
            conscript=person, is_public=not person.is_public, acting_user=self.moderator
        )

    def correct(self) -> None:
        field = self.rng.choice(["home_region", "unit", "last_contact_date"])
        value = {
            "home_region": lambda: self.rng.choice([*self.regions, None]),
            "unit": lambda: self.rng.choice([*self.units, None]),
            "last_contact_date": self._day,
        }[field]()
        services.conscript_update(
            conscript=self.rng.choice(self._people()),
            changes={field: value},
            acting_user=self.moderator,
        )

    def bulk_add(self) -> None:
        known = self.rng.choice(self._people())
        newcomer = Conscript(
            surname="Зябликов", given_name="Егор", home_region=self.rng.choice(self.regions)
        )
        evidence = [
            Evidence(
                conscript=owner,
                kind=EvidenceKind.PRISONER_VIDEO,
                claimed_status=Status.CAPTURED,
                event_date=self._day(),
            )
            for owner in (known, newcomer)
        ]
        services.conscripts_bulk_add(people=[newcomer], evidence=evidence)

    def step(self) -> str:
        name = self.rng.choices(
            ["create", "add_evidence", "retract", "merge", "take_down", "correct", "bulk_add"],
            weights=[3, 8, 3, 1, 1, 2, 1],
        )[0]
        getattr(self, name)()
        return name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tallies_equal_a_recount_after_any_sequence_of_changes(seed):
    story = _Story(random.Random(seed), UserFactory(is_superuser=True))
    for _ in range(4):
        story.create()
    done = []
    for _ in range(60):
        done.append(story.step())
        assert tallies_differences() == {}, f"after {done}"
    assert {"add_evidence", "retract", "merge", "take_down"} <= set(done)
    # And the figures read from them are the figures a recount gives.
    kept = (research.statistics(kursk=False), research.statistics(kursk=True), unit_figures())
    tallies_rebuild()
    recounted = (
        research.statistics(kursk=False),
        research.statistics(kursk=True),
        unit_figures(),
    )
    assert kept == recounted
    assert kept[0]["total"] == Conscript.objects.public().count()


def test_the_figures_read_the_tallies_not_the_people(settings):
    story = _Story(random.Random(4), UserFactory(is_superuser=True))
    for _ in range(3):
        story.create()
    story.add_evidence()
    with CaptureQueriesContext(connection) as queries:
        research.statistics()
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "conscripts_tally" in tables
    assert "conscripts_conscript" not in tables and "conscripts_statuschange" not in tables


def test_a_change_that_fails_counts_nothing_and_leaves_the_next_one_counted():
    moderator = UserFactory(is_superuser=True)
    person = services.conscript_create(surname="Ладыгин", given_name="Никита")
    with pytest.raises(RuntimeError), transaction.atomic(), tallies_kept([person.pk]):
        Conscript.objects.filter(pk=person.pk).update(is_public=False)
        raise RuntimeError("the service failed half-way")
    assert tallies_differences() == {}
    services.conscript_set_public(conscript=person, is_public=False, acting_user=moderator)
    assert tallies_differences() == {}
    assert research.statistics()["total"] == 0


def test_the_command_finds_and_mends_tallies_that_drifted():
    services.conscript_create(surname="Ладыгин", given_name="Никита")
    call_command("tallies_rebuild", "--check")
    Tally.objects.update(n=7)  # rows edited by hand
    with pytest.raises(CommandError, match="differ"):
        call_command("tallies_rebuild", "--check")
    call_command("tallies_rebuild")
    call_command("tallies_rebuild", "--check")
    assert research.statistics()["total"] == 1
