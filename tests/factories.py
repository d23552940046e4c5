"""factory_boy factories. Every person they make is fictional."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from conscripts.models import (
    Conscript,
    Evidence,
    EvidenceKind,
    MilitaryUnit,
    Region,
    Status,
    StatusChange,
    evidence_kinds_mask,
)
from conscripts.search import name_keys, vocabulary_add
from conscripts.tallies import tallies_count_new, tallies_kept
from core.dates import today
from reports.models import Report
from reports.services import report_submit
from sources.models import Source, SourceKind

SURNAMES = ["Воробьев", "Сорокин", "Ладыгин", "Мерзляков", "Тихонравов", "Зябликов", "Кречетов"]
GIVEN_NAMES = ["Никита", "Артем", "Даниил", "Егор", "Кирилл", "Матвей", "Тимофей"]
PATRONYMICS = ["Андреевич", "Сергеевич", "Олегович", "Игоревич", "Павлович", "Викторович"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilitaryUnit
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: f"{70000 + n:05d}")
    name = ""


def region(code: str = "KRS") -> Region:
    """Regions come from the data migration; tests only look them up."""
    return Region.objects.get(code=code)


class ConscriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conscript

    surname = factory.Iterator(SURNAMES)
    given_name = factory.Iterator(GIVEN_NAMES)
    patronymic = factory.Iterator(PATRONYMICS)
    birth_year = factory.Iterator([2003, 2004, 2005, 2006])
    home_region = factory.LazyFunction(region)
    unit = factory.SubFactory(UnitFactory)
    status = Status.MISSING
    is_public = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Keep the search keys and their vocabulary as the services do.
        keys = name_keys(
            surname=kwargs["surname"],
            given_name=kwargs["given_name"],
            patronymic=kwargs.get("patronymic", ""),
        )
        kwargs.update(keys)
        vocabulary_add([keys])
        person = super()._create(model_class, *args, **kwargs)
        # ...and the statistics' tallies, as conscript_create does.
        tallies_count_new([person.pk])
        return person


def status_change_create(**fields) -> StatusChange:
    """A step of a timeline written directly (to build a state), counted into the
    statistics' tallies as the services count the steps they write."""
    with transaction.atomic(), tallies_kept([fields["conscript"].pk]):
        return StatusChange.objects.create(**fields)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    conscript = factory.SubFactory(ConscriptFactory)
    kind = EvidenceKind.SEARCH_POST
    claimed_status = Status.MISSING
    event_date = factory.LazyFunction(lambda: today())
    source_kind = "telegram"
    source_name = "Тестовый канал"
    # As a moderator approves it: a published link shown, a relative's post never.
    link_public = factory.LazyAttribute(lambda o: o.kind != EvidenceKind.SEARCH_POST)
    summary = "Вымышленная запись для тестов."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Save the row as given, and keep the person's ``evidence_kinds`` true to it.

        The status is left alone (tests set it with ``ConscriptFactory`` to build a
        state directly); tests of status derivation go through ``evidence_add``.
        """
        evidence = super()._create(model_class, *args, **kwargs)
        person = evidence.conscript
        kinds = person.evidence.active().values_list("kind", flat=True)
        person.evidence_kinds = evidence_kinds_mask(kinds)
        Conscript.objects.filter(pk=person.pk).update(evidence_kinds=person.evidence_kinds)
        return evidence


class ReportFactory(factory.Factory):
    """A pending report, submitted through ``report_submit`` as the public form does.

    The default is the person most tests follow: Ладыгин Матвей Игоревич, born 2005, unit
    72001, from Kursk region, missing, reported by a relative who consented.
    ``captured_on_video=True`` makes it a claim of capture with the video's link.
    ``ReportFactory.build()`` gives the keyword arguments without saving anything.
    """

    class Meta:
        model = Report

    class Params:
        captured_on_video = factory.Trait(
            claimed_status=Status.CAPTURED,
            evidence_urls=factory.LazyFunction(lambda: ["https://t.me/example_channel/7"]),
            details="Узнали на видео.",
        )

    surname = "Ладыгин"
    given_name = "Матвей"
    patronymic = "Игоревич"
    birth_year = 2005
    unit_number = "72001"
    home_region = factory.LazyFunction(region)
    claimed_status = Status.MISSING
    submitter_contact = "@relative_example"
    consent = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> dict:
        return kwargs

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Report:
        return report_submit(**kwargs)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    kind = SourceKind.TELEGRAM
    name = factory.Sequence(lambda n: f"source-{n}")
