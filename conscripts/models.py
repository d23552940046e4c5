import hashlib
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce, ExtractYear, Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import partial_dates


class Status(models.TextChoices):
    MISSING = "missing", _("Missing")
    CAPTURED = "captured", _("Captured")
    DEAD = "dead", _("Confirmed dead")
    RETURNED = "returned", _("Returned")


class DatePrecision(models.TextChoices):
    """How exact a date is (``core.partial_dates``): a day, a month, a year, or around."""

    DAY = partial_dates.DAY, _("exact day")
    MONTH = partial_dates.MONTH, _("month only")
    YEAR = partial_dates.YEAR, _("year only")
    ABOUT = partial_dates.ABOUT, _("approximately")


def precision_field(verbose_name):
    return models.CharField(
        verbose_name, max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )


class DraftSeason(models.TextChoices):
    SPRING = "spring", _("Spring")
    AUTUMN = "autumn", _("Autumn")


class Region(models.Model):
    """A federal subject, loaded by a data migration from ``conscripts.geo``."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name_ru

    @property
    def name(self) -> str:
        """The name in the active language."""
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru


class MilitaryUnitQuerySet(models.QuerySet):
    def public(self) -> "MilitaryUnitQuerySet":
        """Units with at least one public person: a unit named only by people hidden at
        their families' request is not listed (it would point at them)."""
        return self.filter(
            models.Exists(Conscript.objects.public().filter(unit=models.OuterRef("pk")))
        )


class MilitaryUnit(models.Model):
    """A unit known by its five-digit number («в/ч 12345»), its name, or both."""

    number = models.CharField(
        _("number"),
        max_length=5,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The five digits of «в/ч 12345»."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    objects = MilitaryUnitQuerySet.as_manager()

    class Meta:
        ordering = ["number", "name"]
        verbose_name = _("military unit")
        verbose_name_plural = _("military units")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__isnull=False) | ~Q(name=""),
                name="unit_has_number_or_name",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__regex=r"^[0-9]{5}$"),
                name="unit_number_five_digits",
            ),
        ]

    def __str__(self) -> str:
        if self.number and self.name:
            return f"в/ч {self.number} ({self.name})"
        return f"в/ч {self.number}" if self.number else self.name


#: Ukraine's offensive into Kursk region began on 6 August 2024. ``Conscript.
#: in_kursk_window`` is computed from it by the database: changing it needs a migration.
KURSK_WINDOW_START = date(2024, 8, 6)


def _on_or_after_kursk(field: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        Q(**{f"{field}__gte": KURSK_WINDOW_START}), output_field=models.BooleanField()
    )


class ConscriptQuerySet(models.QuerySet):
    def public(self) -> "ConscriptQuerySet":
        """What anyone may see: records not hidden at a family's request and not
        merged into another record of the same person."""
        return self.filter(is_public=True, merged_into__isnull=True)

    def with_evidence_kind(self, kind: str) -> "ConscriptQuerySet":
        """People with active evidence of ``kind``, read from ``evidence_kinds``.

        Written as ``evidence_kinds IN (every mask with the kind's bit)`` rather than a
        bitwise AND: a B-tree index serves ``IN`` (alone or after ``home_region``), and
        the planner's statistics of the column give it true row counts.
        """
        return self.filter(evidence_kinds__in=masks_with_kind(kind))


class Conscript(models.Model):
    """A person. Names are nominative Cyrillic; the status follows from evidence."""

    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conscripts",
    )
    unit = models.ForeignKey(
        MilitaryUnit,
        verbose_name=_("military unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conscripts",
    )
    draft_season = models.CharField(
        _("draft season"), max_length=6, choices=DraftSeason.choices, blank=True
    )
    draft_year = models.PositiveSmallIntegerField(_("draft year"), null=True, blank=True)
    last_contact_date = models.DateField(_("last contact"), null=True, blank=True)
    last_known_place = models.CharField(_("last known place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.MISSING,
        editable=False,
    )
    status_since = models.DateField(_("status since"), null=True, blank=True, editable=False)
    status_since_precision = models.CharField(
        _("status since: precision"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        editable=False,
    )
    # Set by conscript_recompute_status when the evidence contradicts itself.
    is_disputed = models.BooleanField(_("disputed"), default=False, editable=False)
    disputed_reason = models.TextField(_("why disputed"), blank=True, editable=False)
    # A second record of the same person points at the one kept (reports.services.
    # conscripts_merge); nothing is deleted, so old links and audit ids still resolve.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Untick to hide the record at the family's request."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Phonetic search keys (conscripts.search.name_keys), kept by the services
    # that create or rename people and by the bulk loaders.
    surname_key = models.CharField(max_length=100, blank=True, editable=False)
    given_key = models.CharField(max_length=100, blank=True, editable=False)
    patronymic_key = models.CharField(max_length=100, blank=True, editable=False)
    # The kinds of active evidence about the person, one bit each (EVIDENCE_KIND_BITS),
    # kept with the status by the services that add, move or retract evidence. Lets the
    # researchers' "has a prisoner video" filter count without visiting the evidence.
    evidence_kinds = models.PositiveSmallIntegerField(default=0, editable=False)
    # Last heard of on or after KURSK_WINDOW_START or, when the last contact is unknown,
    # a status set since then. Kept by the database; the researchers' Kursk preset and
    # the statistics filter on it through an index instead of an OR over two dates.
    in_kursk_window = models.GeneratedField(
        expression=Coalesce(
            _on_or_after_kursk("last_contact_date"),
            _on_or_after_kursk("status_since"),
            Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = ConscriptQuerySet.as_manager()

    class Meta:
        ordering = ["surname", "given_name", "patronymic", "pk"]
        verbose_name = _("conscript")
        verbose_name_plural = _("conscripts")
        indexes = [
            models.Index(fields=["home_region", "status"], name="conscript_region_status"),
            models.Index(fields=["status", "status_since"], name="conscript_status_since"),
            models.Index(fields=["unit", "status"], name="conscript_unit_status"),
            models.Index(Upper("surname"), "given_name", name="conscript_surname_upper"),
            # Name search chooses its candidates from this index alone (an index-only
            # scan): the columns its filter and ordering read are included, so that a
            # surname shared by thousands is ranked without visiting their rows.
            models.Index(
                fields=["surname_key", "given_key"],
                include=[
                    "id",
                    "patronymic_key",
                    "birth_year",
                    "given_name",
                    "patronymic",
                    "is_public",
                    "merged_into",
                ],
                name="conscript_name_keys_cover",
            ),
            # Disputed records wait for moderators (the review queue links to them).
            # Counted on every page of the review queue: an index-only count, whatever the
            # number disputed (74 ms at 15,000 disputed of 1 M through conscript_disputed).
            models.Index(
                fields=["id"],
                condition=Q(is_disputed=True, merged_into__isnull=True),
                name="conscript_open_disputed",
            ),
            # A kind alone, or with a status: one index scan, not a BitmapAnd of two
            # large bitmaps (91 ms for «captured with a prisoner video» at 1 M people).
            models.Index(fields=["evidence_kinds", "status"], name="conscript_kinds_status"),
            models.Index(fields=["home_region", "evidence_kinds"], name="conscript_region_kinds"),
            # Counting a status in the Kursk window reads this index only (no table scan).
            models.Index(
                fields=["status"],
                condition=Q(in_kursk_window=True, is_public=True, merged_into__isnull=True),
                name="conscript_kursk_status",
            ),
            # A unit's page lists its public people by name, 50 a page: an index walk
            # to the page, whatever the unit's size (research.views.unit_detail).
            models.Index(
                fields=["unit", "surname", "given_name", "patronymic", "id"],
                condition=Q(is_public=True, merged_into__isnull=True),
                name="conscript_unit_public_name",
            ),
            # The researchers' sorts (research.filters.SORTS), each an index walk to its
            # page: by a column, then id as the tie-break. Region and unit sort through
            # their row's name or number: a walk of the regions (units) in that order,
            # then of each one's people by id (research.selectors.people_slice). Partial
            # like the lists (merged records never appear), public or not: moderators
            # sort too. tests/test_research_indexes.py fails for a sort without one.
            *(
                models.Index(
                    fields=[column, "id"],
                    condition=Q(merged_into__isnull=True),
                    name=f"conscript_sort_{column.removesuffix('_at')}",
                )
                for column in ("birth_year", "status", "created_at", "home_region", "unit")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_year=ExtractYear("birth_date")),
                name="conscript_birth_year_matches_date",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1940, birth_year__lte=2015),
                name="conscript_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(draft_year__isnull=True)
                | Q(draft_year__gte=1990, draft_year__lte=2100),
                name="conscript_draft_year_plausible",
            ),
            models.CheckConstraint(condition=~Q(surname=""), name="conscript_has_surname"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("conscripts:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


class EvidenceKind(models.TextChoices):
    SEARCH_POST = "search_post", _("Relative's search post")
    PRISONER_VIDEO = "prisoner_video", _("Prisoner video")
    EXCHANGE_LIST = "exchange_list", _("Exchange list")
    DEATH_NOTICE = "death_notice", _("Death notice")
    OFFICIAL_STATEMENT = "official", _("Official statement")
    MEDIA_REPORT = "media_report", _("Media report")
    OTHER = "other", _("Other")


class EvidenceSource(models.TextChoices):
    """Where a piece of evidence came from; with ``source_name`` it makes the label
    the case page shows (``Evidence.source_label``)."""

    RELATIVE = "relative", _("A relative's report")
    TELEGRAM = "telegram", _("Telegram")
    VK = "vk", _("VK")
    FEED = "rss", _("News feed")
    CSV = "csv", _("Spreadsheet")
    WEBHOOK = "webhook", _("Monitoring feed")
    IMPORT = "import", _("Imported list")
    UPLOAD = "upload", _("Uploaded list")
    MODERATOR = "moderator", _("Moderators")
    UNKNOWN = "", _("Not recorded")


#: ``Conscript.evidence_kinds`` holds one bit per kind. Stored rows depend on these
#: numbers: never renumber one; a new kind takes the next free bit (and a migration
#: that sets it for existing evidence).
EVIDENCE_KIND_BITS: dict[str, int] = {
    EvidenceKind.SEARCH_POST: 1,
    EvidenceKind.PRISONER_VIDEO: 2,
    EvidenceKind.EXCHANGE_LIST: 4,
    EvidenceKind.DEATH_NOTICE: 8,
    EvidenceKind.OFFICIAL_STATEMENT: 16,
    EvidenceKind.MEDIA_REPORT: 32,
    EvidenceKind.OTHER: 64,
}
_ALL_KINDS_MASK = sum(EVIDENCE_KIND_BITS.values())


def evidence_kinds_mask(kinds: Iterable[str]) -> int:
    """The ``Conscript.evidence_kinds`` value for evidence of these kinds."""
    mask = 0
    for kind in kinds:
        mask |= EVIDENCE_KIND_BITS[kind]
    return mask


def masks_with_kind(kind: str) -> list[int]:
    """Every ``evidence_kinds`` value that includes ``kind`` (64 of 128 values)."""
    bit = EVIDENCE_KIND_BITS[kind]
    return [mask for mask in range(_ALL_KINDS_MASK + 1) if mask & bit]


class EvidenceQuerySet(models.QuerySet):
    def active(self) -> "EvidenceQuerySet":
        """Evidence that counts: not retracted."""
        return self.filter(retracted_at__isnull=True)

    def delete(self):
        raise PermissionError("Evidence is never deleted; retract it instead.")


class Evidence(models.Model):
    """A fact about a conscript, approved by a moderator. Never hard-deleted."""

    conscript = models.ForeignKey(
        Conscript,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("conscript"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    event_date = models.DateField(
        _("event date"),
        null=True,
        blank=True,
        help_text=_("When the fact held, e.g. the day a video was recorded."),
    )
    event_precision = precision_field(_("event date: precision"))
    source_kind = models.CharField(
        _("source kind"), max_length=10, choices=EvidenceSource.choices, blank=True
    )
    # Whether ``url`` may be shown to the public. Never for a relative's own post (its
    # text carries their phone number); the services enforce it whatever the kind.
    link_public = models.BooleanField(_("link may be shown publicly"), default=False)
    # The report it was approved from (an id: conscripts must not depend on reports).
    report_id = models.PositiveBigIntegerField(_("from report"), null=True, blank=True)
    claimed_status = models.CharField(
        _("claimed status"), max_length=10, choices=Status.choices, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    # The archived text may contain relatives' contact details: moderators only.
    archived_text = models.TextField(_("archived text"), blank=True)
    archived_sha256 = models.CharField(_("SHA-256 of archived text"), max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    retracted_at = models.DateTimeField(_("retracted"), null=True, blank=True)
    retraction_reason = models.TextField(_("retraction reason"), blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["event_date", "added_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [
            models.Index(fields=["conscript", "event_date"], name="evidence_conscript_date"),
            # The few retracted items, for the statistics that leave out what they decided.
            models.Index(
                fields=["id"], condition=Q(retracted_at__isnull=False), name="evidence_retracted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.event_date or '?'}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Evidence is never deleted; retract it instead.")

    @property
    def public_url(self) -> str:
        """The link anyone may see, or "" (the one rule for pages, API and exports)."""
        if not self.url or not self.link_public or self.kind == EvidenceKind.SEARCH_POST:
            return ""
        return self.url

    @property
    def source_label(self) -> str:
        """Where it came from, in the active language: «Telegram · channel», «A
        relative's report». A relative's name is never part of it."""
        kind = EvidenceSource(self.source_kind).label if self.source_kind else ""
        if self.source_name and self.source_kind not in (
            EvidenceSource.RELATIVE,
            EvidenceSource.MODERATOR,
        ):
            return f"{kind} · {self.source_name}" if kind else self.source_name
        return str(kind)

    @staticmethod
    def sha256_of(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


class StatusChange(models.Model):
    """One step of a conscript's status timeline."""

    conscript = models.ForeignKey(
        Conscript,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("conscript"),
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Status.choices)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    effective_precision = precision_field(_("effective date: precision"))
    changed_at = models.DateTimeField(_("recorded"), default=timezone.now)
    evidence = models.ForeignKey(
        Evidence,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("because of"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["conscript", "changed_at"], name="statuschange_timeline")]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class TallyKind(models.IntegerChoices):
    """What a ``Tally`` row counts; each kind fills only some of the key's columns."""

    #: Public people by (Kursk window, home region, status).
    PEOPLE_REGION_STATUS = 1
    #: Public people with a unit, by (Kursk window, unit, status).
    PEOPLE_UNIT_STATUS = 2
    #: Public people by (Kursk window, week they were added).
    PEOPLE_WEEK = 3
    #: Counted status changes of public people by (Kursk window, week of the event).
    CHANGES_WEEK = 4
    #: Counted status changes of public people with a unit, by (unit, week, new status).
    CHANGES_UNIT_WEEK_STATUS = 5


#: ``Tally.week`` of a status change without an effective date, and of kinds without weeks.
NO_WEEK = date(1, 1, 1)


class Tally(models.Model):
    """A running count behind the public statistics and the unit pages.

    Kept by the services that create, correct, hide, merge people and add or retract
    evidence (``conscripts.tallies.tallies_kept``), in their own transactions; rebuilt
    from scratch by ``manage.py tallies_rebuild``. "Counted" is what the statistics
    count: public people not merged away, and their status changes not decided by
    retracted evidence. Columns a kind does not use hold 0, "" or ``NO_WEEK`` rather
    than NULL, so that one unique key (and an upsert on it) works on every backend.
    """

    kind = models.PositiveSmallIntegerField(choices=TallyKind.choices)
    kursk = models.BooleanField(default=False)
    region_id = models.IntegerField(default=0)
    unit_id = models.IntegerField(default=0)
    status = models.CharField(max_length=10, blank=True, default="")
    week = models.DateField(default=NO_WEEK)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "kursk", "region_id", "unit_id", "status", "week"],
                name="tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{TallyKind(self.kind).label}: {self.n}"


class NameKeyKind(models.TextChoices):
    SURNAME = "surname", _("surname")
    GIVEN = "given", _("given name")
    PATRONYMIC = "patronymic", _("patronymic")


class NameKey(models.Model):
    """The vocabulary of distinct search keys, matched by trigram similarity.

    Small (one row per distinct key, not per person), so typo-tolerant
    matching stays fast at a million people. On PostgreSQL ``key`` has a
    trigram GIN index (migration 0004).
    """

    kind = models.CharField(max_length=10, choices=NameKeyKind.choices)
    key = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("name key")
        verbose_name_plural = _("name keys")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="namekey_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


# --- Relatives following a case (conscripts.services.follow_request) ----------------------
class FollowerQuerySet(models.QuerySet):
    def following(self) -> "FollowerQuerySet":
        """Addresses that confirmed and have not unsubscribed since: they get status mail."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Follower(models.Model):
    """An e-mail address that follows a person's case (double opt-in).

    The address is a relative's contact detail: it is never shown on a public page,
    in an API response or an export. ``confirmed_at`` stays empty until the link in
    the confirmation mail is opened; only then does status mail go out.
    """

    class Language(models.TextChoices):
        RUSSIAN = "ru", "Русский"
        ENGLISH = "en", "English"

    conscript = models.ForeignKey(
        Conscript,
        on_delete=models.CASCADE,
        related_name="followers",
        verbose_name=_("conscript"),
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RUSSIAN
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The last request for a confirmation link, and the last link mailed: a link is
    # mailed once per request, and requests are throttled (no mail bombing).
    confirmation_requested_at = models.DateTimeField(
        _("confirmation requested"), null=True, blank=True
    )
    confirmation_mailed_at = models.DateTimeField(_("confirmation mailed"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    last_notified_at = models.DateTimeField(_("last notified"), null=True, blank=True)
    # The newest status change this address was told of: a redelivered (or late) task
    # for that change or an older one sends nothing.
    last_notified_change = models.ForeignKey(
        StatusChange,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last change notified"),
    )

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        indexes = [models.Index(fields=["email"], name="follower_email")]
        constraints = [
            models.UniqueConstraint(fields=["conscript", "email"], name="follower_unique"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="follower_email_lower"),
        ]

    def __str__(self) -> str:
        # No address here: __str__ ends up in admin pages, logs and error reports.
        return f"follower #{self.pk} of #{self.conscript_id}"

    @property
    def is_following(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
