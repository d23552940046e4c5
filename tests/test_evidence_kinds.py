"""``Conscript.evidence_kinds`` always says which kinds of active evidence a person has.

The researchers' evidence filter reads only that column, so every write path that
adds or moves evidence must keep it true: the services, the bulk import, the seed,
merges, and the migration that filled it for existing rows.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conscripts import services
from conscripts.models import (
    EVIDENCE_KIND_BITS,
    Conscript,
    Evidence,
    EvidenceKind,
    Status,
    StatusChange,
    evidence_kinds_mask,
    masks_with_kind,
)
from tests.factories import ConscriptFactory

pytestmark = pytest.mark.django_db


def kinds_from_evidence(person: Conscript) -> set[str]:
    return set(person.evidence.active().values_list("kind", flat=True))


def stored_kinds(person: Conscript) -> set[str]:
    mask = Conscript.objects.values_list("evidence_kinds", flat=True).get(pk=person.pk)
    return {kind for kind, bit in EVIDENCE_KIND_BITS.items() if mask & bit}


def test_every_kind_has_its_own_bit_and_the_masks_with_a_kind_are_exactly_those_with_its_bit():
    assert set(EVIDENCE_KIND_BITS) == set(EvidenceKind.values)
    bits = list(EVIDENCE_KIND_BITS.values())
    assert sorted(bits) == [1 << i for i in range(len(bits))]
    video = EVIDENCE_KIND_BITS[EvidenceKind.PRISONER_VIDEO]
    masks = masks_with_kind(EvidenceKind.PRISONER_VIDEO)
    assert len(masks) == 2 ** (len(bits) - 1)
    assert all(m & video for m in masks)
    all_kinds = evidence_kinds_mask(EvidenceKind.values)
    assert all_kinds in masks and 0 not in masks
    assert evidence_kinds_mask([EvidenceKind.OTHER, EvidenceKind.OTHER]) == 64


def test_evidence_add_sets_the_bit_and_a_second_post_changes_no_status():
    person = services.conscript_create(surname="Зябликов", given_name="Егор")
    assert stored_kinds(person) == set()
    services.evidence_add(conscript=person, kind=EvidenceKind.SEARCH_POST)
    assert stored_kinds(person) == {EvidenceKind.SEARCH_POST}
    assert StatusChange.objects.filter(conscript=person).count() == 0  # no claim, no change
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=date(2024, 9, 1),
    )
    services.evidence_add(conscript=person, kind=EvidenceKind.MEDIA_REPORT)
    assert stored_kinds(person) == {
        EvidenceKind.SEARCH_POST,
        EvidenceKind.PRISONER_VIDEO,
        EvidenceKind.MEDIA_REPORT,
    }
    assert list(person.status_changes.values_list("to_status", flat=True)) == [Status.CAPTURED]


def test_the_filter_finds_exactly_the_people_with_active_evidence_of_the_kind():
    video, post, both, none = (ConscriptFactory() for _ in range(4))
    services.evidence_add(conscript=video, kind=EvidenceKind.PRISONER_VIDEO)
    services.evidence_add(conscript=post, kind=EvidenceKind.SEARCH_POST)
    services.evidence_add(conscript=both, kind=EvidenceKind.SEARCH_POST)
    services.evidence_add(conscript=both, kind=EvidenceKind.PRISONER_VIDEO)
    found = set(Conscript.objects.with_evidence_kind(EvidenceKind.PRISONER_VIDEO))
    assert found == {video, both}
    assert set(Conscript.objects.with_evidence_kind(EvidenceKind.SEARCH_POST)) == {post, both}
    assert not Conscript.objects.with_evidence_kind(EvidenceKind.DEATH_NOTICE).exists()
    assert none not in found


def test_a_merge_gives_the_kept_record_the_kinds_of_both(moderator):
    keep, remove = ConscriptFactory(), ConscriptFactory()
    services.evidence_add(conscript=keep, kind=EvidenceKind.SEARCH_POST)
    services.evidence_add(conscript=remove, kind=EvidenceKind.EXCHANGE_LIST)
    services.conscripts_merge(keep=keep, remove=remove, moderator=moderator)
    assert stored_kinds(keep) == {EvidenceKind.SEARCH_POST, EvidenceKind.EXCHANGE_LIST}
    assert kinds_from_evidence(keep) == stored_kinds(keep)


def test_the_bulk_loader_sets_kinds_for_new_and_known_people():
    known = services.conscript_create(
        surname="Ладыгин", given_name="Кирилл", birth_date=date(2005, 3, 2)
    )
    services.evidence_add(conscript=known, kind=EvidenceKind.SEARCH_POST)
    newcomer = Conscript(surname="Мерзляков", given_name="Матвей", birth_date=date(2004, 1, 5))
    services.conscripts_bulk_add(
        people=[newcomer],
        evidence=[
            Evidence(conscript=known, kind=EvidenceKind.OTHER, claimed_status="captured"),
            Evidence(conscript=newcomer, kind=EvidenceKind.OTHER, claimed_status="dead"),
        ],
    )
    newcomer = Conscript.objects.get(surname="Мерзляков")
    for person in (known, newcomer):
        assert stored_kinds(person) == kinds_from_evidence(person) != set()
    assert stored_kinds(known) == {EvidenceKind.SEARCH_POST, EvidenceKind.OTHER}
    assert stored_kinds(newcomer) == {EvidenceKind.OTHER}


def test_seeded_people_carry_the_kinds_of_their_evidence():
    call_command("seed_demo", people=80, seed="7", stdout=StringIO(), stderr=StringIO())
    people = Conscript.objects.prefetch_related("evidence")
    seen = set()
    for person in people:
        expected = {e.kind for e in person.evidence.all() if e.retracted_at is None}
        assert stored_kinds(person) == expected, person
        seen |= expected
    assert {EvidenceKind.SEARCH_POST, EvidenceKind.PRISONER_VIDEO} <= seen


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_column_from_active_evidence_only():
    executor = MigrationExecutor(connection)
    before, after = [("conscripts", "0007_disputed_index")], [("conscripts", "0008_evidence_kinds")]
    try:
        executor.migrate(before)
        apps = executor.loader.project_state(before).apps
        Person = apps.get_model("conscripts", "Conscript")
        Proof = apps.get_model("conscripts", "Evidence")
        many = Person.objects.create(surname="Сорокин", given_name="Артем")
        retracted = Person.objects.create(surname="Воробьев", given_name="Никита")
        bare = Person.objects.create(surname="Тихонравов", given_name="Даниил")
        for kind in ("search_post", "prisoner_video", "search_post", "other"):
            Proof.objects.create(conscript=many, kind=kind)
        Proof.objects.create(
            conscript=retracted, kind="death_notice", retracted_at="2024-09-01T00:00Z"
        )
        Proof.objects.create(conscript=retracted, kind="exchange_list")

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        masks = dict(
            Conscript.objects.filter(pk__in=[many.pk, retracted.pk, bare.pk]).values_list(
                "pk", "evidence_kinds"
            )
        )
        assert masks == {many.pk: 1 | 2 | 64, retracted.pk: 4, bare.pk: 0}
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        Evidence.objects.all()  # the model is usable again at the latest state
