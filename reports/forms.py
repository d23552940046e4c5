"""The public report form and the moderators' action forms.

Forms only check and shape input; every write is a call to ``reports.services``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conscripts.models import Conscript, DatePrecision, DraftSeason, EvidenceKind, Region, Status
from conscripts.services import KEEP, MERGE_FIELDS, TAKE
from core.dates import local_day, today
from core.forms import FormKeyField, submission_key
from core.partial_dates import PartialDate, PartialDateError, parse_partial_date

from . import images
from .models import Knowledge, Origin, Report, ReportKind, ReportState

MAX_EVIDENCE_URLS = 10
MAX_URL_LENGTH = 500
MAX_DETAILS_LENGTH = 5000
EARLIEST_BIRTH_YEAR = 1940
LATEST_BIRTH_YEAR = 2010
# «в/ч 12345», «вч12345», «в.ч. 12345», «войсковая часть 12345», «12345»
_UNIT_INPUT_RE = re.compile(
    r"^(?:в\s*[/\\.|]?\s*ч\.?|вч|войсковая\s+часть|military\s+unit|unit)?\s*[№#:-]?\s*(\d{5})$",
    re.IGNORECASE,
)
#: Evidence links that usually hold a video (prisoners' videos, funerals).


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


def clean_partial_date(text: str) -> PartialDate | None:
    """A date as people give it (``core.partial_dates``), from 2022 to today."""
    try:
        value = parse_partial_date(text)
    except PartialDateError:
        raise ValidationError(
            _("Write a date such as 20.01.2025, a month such as 01.2025, or a year."), "invalid"
        ) from None
    if value is None:
        return None
    if value.value > today():
        raise ValidationError(_("This date is in the future."), "future")
    if value.value.year < 2022:
        raise ValidationError(_("A date from 2022 on, please."), "too_early")
    return value


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    """What a relative knows about one missing person."""

    surname = forms.CharField(label=_("Surname"), max_length=200)
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=200, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    birth_year = forms.IntegerField(
        label=_("or birth year"),
        required=False,
        min_value=EARLIEST_BIRTH_YEAR,
        max_value=LATEST_BIRTH_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    unit_number = forms.CharField(
        label=_("Military unit number"),
        max_length=40,
        required=False,
        help_text=_("Five digits, e.g. «в/ч 12345» or 12345."),
    )
    home_region = RegionChoiceField(
        label=_("Home region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Not known"),
    )
    last_contact_date = forms.DateField(
        label=_("Date of last contact"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    last_known_place = forms.CharField(
        label=_("Place of last contact"), max_length=200, required=False
    )
    evidence_kind = forms.ChoiceField(
        label=_("What do you know?"),
        choices=Knowledge.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    event_date = forms.CharField(
        label=_("When did it happen, or when was it published?"),
        max_length=40,
        required=False,
        help_text=_(
            "A date such as 20.01.2025. If you are not sure, a month (01.2025) or "
            "«около 20.01.2025»."
        ),
    )
    claimed_status = forms.ChoiceField(
        label=_("What do you believe happened?"),
        choices=[("", _("I do not know")), *Status.choices],
        required=False,
    )
    evidence_urls = forms.CharField(
        label=_("Links to evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One link per line, at most 10 (videos, posts, documents)."),
    )
    details = forms.CharField(
        label=_("What else do you know?"),
        required=False,
        max_length=MAX_DETAILS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    photo = forms.FileField(
        label=_("Photo or screenshot"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, up to 5 MB. Location data is removed."),
    )
    submitter_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    submitter_contact = forms.CharField(
        label=_("How can we reach you?"),
        max_length=200,
        required=False,
        help_text=_(
            "Phone, e-mail or Telegram. Optional, but without it moderators cannot "
            "answer you or ask for details. Never published."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that moderators store what I wrote, including my contact details, "
            "to find this person and to answer me. My contact details are never published."
        ),
        required=True,
    )
    # A honeypot: hidden from people, filled in by form-filling robots.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # One report per rendered form, however often it is posted (core.forms).
    form_key = FormKeyField()
    # The case page the form was opened from («I know something about this person»).
    about = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    error_messages = {
        "honeypot": _("Your report could not be accepted. Please try again."),
    }

    @classmethod
    def initial_about(cls, conscript: Conscript) -> dict:
        """The form prefilled with what the record says about the person."""
        return {
            "about": conscript.pk,
            "surname": conscript.surname,
            "given_name": conscript.given_name,
            "patronymic": conscript.patronymic,
            "birth_date": conscript.birth_date,
            "birth_year": None if conscript.birth_date else conscript.birth_year,
            "unit_number": conscript.unit.number
            if conscript.unit and conscript.unit.number
            else "",
            "home_region": conscript.home_region_id,
        }

    def clean_about(self) -> Conscript | None:
        pk = self.cleaned_data.get("about")
        # Only a public record: the field is the visitor's, and must not confirm others.
        return Conscript.objects.public().filter(pk=pk).first() if pk else None

    def clean_homepage(self) -> str:
        if self.cleaned_data.get("homepage"):
            # A non-field error, so a robot learns nothing about which field gave it away.
            self.add_error(None, ValidationError(self.error_messages["honeypot"], "honeypot"))
        return ""

    def clean_surname(self) -> str:
        surname = self.cleaned_data["surname"].strip()
        if not any(ch.isalpha() for ch in surname):
            raise ValidationError(_("Please write the surname in letters."), "invalid")
        return surname

    def clean_birth_date(self) -> date | None:
        value = self.cleaned_data.get("birth_date")
        if value and not EARLIEST_BIRTH_YEAR <= value.year <= LATEST_BIRTH_YEAR:
            raise ValidationError(
                _("A birth date between %(first)s and %(last)s, please."),
                "out_of_range",
                params={"first": EARLIEST_BIRTH_YEAR, "last": LATEST_BIRTH_YEAR},
            )
        return value

    def clean_unit_number(self) -> str:
        value = " ".join(self.cleaned_data.get("unit_number", "").split())
        if not value:
            return ""
        match = _UNIT_INPUT_RE.match(value)
        if not match:
            raise ValidationError(_("A unit number has five digits."), "invalid")
        return match.group(1)

    def clean_last_contact_date(self) -> date | None:
        value = self.cleaned_data.get("last_contact_date")
        if value and value > today():
            raise ValidationError(_("This date is in the future."), "future")
        if value and value.year < 2022:
            raise ValidationError(_("A date from 2022 on, please."), "too_early")
        return value

    def clean_event_date(self) -> PartialDate | None:
        return clean_partial_date(self.cleaned_data.get("event_date", ""))

    def clean_evidence_urls(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("evidence_urls", "").splitlines()]
        urls = [line for line in lines if line]
        if len(urls) > MAX_EVIDENCE_URLS:
            raise ValidationError(
                _("At most %(max)s links, please."), "too_many", params={"max": MAX_EVIDENCE_URLS}
            )
        validate = URLValidator(schemes=["http", "https"])
        for url in urls:
            try:
                if len(url) > MAX_URL_LENGTH:
                    raise ValidationError("too long")
                validate(url)
            except ValidationError:
                raise ValidationError(
                    _("This is not a web link (http:// or https://): %(url)s"),
                    "invalid",
                    params={"url": url[:100]},
                ) from None
        return urls

    def clean_photo(self) -> images.CleanImage | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > images.MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."), "too_big")
        try:
            return images.reencode(upload)
        except images.ImageRejected as rejected:
            messages = {
                "too_big": _("The file is larger than 5 MB."),
                "bad_format": _("Only JPEG, PNG and WebP images are accepted."),
                "too_many_pixels": _("The image is too large (more than 20 megapixels)."),
            }
            raise ValidationError(
                messages.get(rejected.code, _("This file is not a readable image.")),
                rejected.code,
            ) from None

    def clean(self):
        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error(
                "birth_year",
                ValidationError(_("This year differs from the birth date."), "mismatch"),
            )
        return data

    def submission(self) -> dict:
        """Keyword arguments for ``services.report_submit`` (without ip and language)."""
        data = self.cleaned_data
        return {
            "surname": data["surname"],
            "given_name": data["given_name"],
            "patronymic": data["patronymic"],
            "birth_date": data["birth_date"],
            "birth_year": data["birth_year"],
            "unit_number": data["unit_number"],
            "home_region": data["home_region"],
            "last_contact_date": data["last_contact_date"],
            "last_known_place": data["last_known_place"],
            "claimed_status": data["claimed_status"],
            "evidence_kind": data["evidence_kind"],
            "event_date": data["event_date"].value if data["event_date"] else None,
            "event_precision": (
                data["event_date"].precision if data["event_date"] else DatePrecision.DAY
            ),
            "evidence_urls": data["evidence_urls"],
            "details": data["details"],
            "submitter_name": data["submitter_name"],
            "submitter_contact": data["submitter_contact"],
            "consent": data["consent"],
            "photo": data.get("photo"),
            "submission_key": self.posted_key(),
            "about": data.get("about"),
        }

    def posted_key(self) -> str:
        """This submission's key (``core.forms.submission_key``), whatever the rest of
        the form says: the same for the same form posted again with the same content."""
        return submission_key(
            form_key=self.fields["form_key"].clean(self.data.get("form_key")),
            data=self.data,
            files=self.files,
        )


# --- moderators -----------------------------------------------------------------------------
class QueueFilterForm(forms.Form):
    CLAIMED_CHOICES = [
        ("", _("Anyone or no one")),
        ("me", _("Me")),
        ("others", _("Other moderators")),
        ("unclaimed", _("Unclaimed")),
    ]
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Open (pending or needs information)")), *ReportState.choices],
    )
    origin = forms.ChoiceField(
        label=_("Origin"), required=False, choices=[("", _("Any")), *Origin.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *ReportKind.choices]
    )
    age = forms.IntegerField(
        label=_("Older than (days)"), required=False, min_value=0, max_value=3650
    )
    video = forms.BooleanField(label=_("Has a video link"), required=False)
    claimed = forms.ChoiceField(label=_("Claimed by"), required=False, choices=CLAIMED_CHOICES)
    upload = forms.IntegerField(
        label=_("From uploaded list #"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def selector_kwargs(self, user) -> dict:
        """Arguments for ``selectors.review_queue``."""
        data = self.cleaned_data
        return {
            "state": data.get("state") or None,
            "origin": data.get("origin") or None,
            "claimed_by": user if data.get("claimed") == "me" else None,
            "older_than": timedelta(days=data["age"]) if data.get("age") is not None else None,
        }

    def narrow(self, queryset, user):
        """The filters the selector has no argument for."""
        data = self.cleaned_data
        if data.get("claimed") == "others":
            queryset = queryset.filter(claimed_by__isnull=False).exclude(claimed_by=user)
        elif data.get("claimed") == "unclaimed":
            queryset = queryset.filter(claimed_by__isnull=True)
        if data.get("video"):
            queryset = queryset.filter(has_video=True)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("upload"):
            queryset = queryset.filter(upload_id=data["upload"])
        return queryset


class BulkRejectForm(forms.Form):
    reports = forms.ModelMultipleChoiceField(
        label=_("Reports"), queryset=Report.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, initial=_("Spam"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (internal)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DuplicateForm(forms.Form):
    of = forms.ModelChoiceField(
        label=_("Duplicate of report #"),
        queryset=Report.objects.all(),
        widget=forms.NumberInput(attrs={"min": 1}),
        error_messages={"invalid_choice": _("There is no report with this number.")},
    )


class InfoRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What should the submitter tell us?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


#: How the person-record fields are named to moderators.
FIELD_LABELS = {
    "surname": _("Surname"),
    "given_name": _("Given name"),
    "patronymic": _("Patronymic"),
    "birth_date": _("Birth date"),
    "birth_year": _("Birth year"),
    "home_region": _("Home region"),
    "unit": _("Military unit"),
    "unit_number": _("Military unit"),
    "last_contact_date": _("Last contact"),
    "last_known_place": _("Last known place"),
}

CONFLICT_CHOICES = [(KEEP, _("Keep the record's value")), (TAKE, _("Take the report's"))]


class MergeForm(forms.Form):
    """Merge a report into a person: a candidate's id, or one typed in."""

    conscript = forms.IntegerField(label=_("Person record #"), min_value=1, required=False)
    other = forms.IntegerField(label=_("or another record #"), min_value=1, required=False)
    #: Set once the moderator has seen the conflicts and chosen per field.
    resolved = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, conflicts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MERGE_FIELDS:
            self.fields[f"choice_{name}"] = forms.ChoiceField(
                choices=CONFLICT_CHOICES, required=False, widget=forms.RadioSelect
            )
        self.conflicts = conflicts or {}

    def clean(self):
        data = super().clean()
        # A typed number wins over the candidate chosen by default.
        data["conscript"] = data.get("other") or data.get("conscript")
        if not data["conscript"] and not self.errors:
            raise ValidationError(_("Choose a person record to merge into."), "required")
        return data

    def conflict_rows(self) -> list[tuple[str, str, object, object]]:
        """(field, label, value on the record, value in the report) per conflict."""
        return [
            (name, FIELD_LABELS.get(name, name), mine, theirs)
            for name, (mine, theirs) in self.conflicts.items()
        ]

    def field_choices(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"choice_{name}"]
            for name in MERGE_FIELDS
            if self.cleaned_data.get(f"choice_{name}")
        }


class EvidenceChoiceForm(forms.Form):
    """What the moderator approves a report as (``services.EvidenceChoice``), prefilled
    from the report (``services.evidence_choice_default``)."""

    prefix = "evidence"

    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    claimed_status = forms.ChoiceField(label=_("It shows the person as"), choices=Status.choices)
    event_date = forms.CharField(
        label=_("When it happened"),
        max_length=40,
        required=False,
        help_text=_("20.01.2025, 01.2025, 2025 or «около 20.01.2025»; empty if unknown."),
    )
    published_on = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    url = forms.ChoiceField(label=_("Link shown with it"), required=False)
    link_public = forms.BooleanField(label=_("The link may be shown publicly"), required=False)
    summary = forms.CharField(
        label=_("Public note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the case page. No names of relatives, no contacts."),
    )

    def __init__(self, *args, report: Report, **kwargs):
        from .services import evidence_choice_default, link_may_be_public

        self.report = report
        self.default = evidence_choice_default(report)
        links = list(dict.fromkeys([*(report.evidence_urls or []), report.source_url]))
        kwargs.setdefault(
            "initial",
            {
                "kind": self.default.kind,
                "claimed_status": self.default.claimed_status,
                "event_date": (
                    str(PartialDate(self.default.event_date, self.default.event_precision))
                    if self.default.event_date
                    else ""
                ),
                "published_on": (
                    local_day(self.default.published_at) if self.default.published_at else None
                ),
                "url": self.default.url,
                "link_public": self.default.link_public,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["url"].choices = [("", _("No link")), *((u, u) for u in links if u)]
        #: Links that must stay private (a relative's own post), for the template.
        self.private_links = [u for u in links if u and not link_may_be_public(report, u)]

    def clean_event_date(self) -> PartialDate | None:
        return clean_partial_date(self.cleaned_data.get("event_date", ""))

    def choice(self):
        """The ``services.EvidenceChoice`` the moderator made."""
        from .services import EvidenceChoice

        data = self.cleaned_data
        published_at = self.default.published_at
        day = data.get("published_on")
        if day and (published_at is None or local_day(published_at) != day):
            # A corrected day: noon, local time, so that it reads as that day everywhere.
            published_at = timezone.make_aware(datetime.combine(day, time(12)))
        event = data.get("event_date")
        return EvidenceChoice(
            kind=data["kind"],
            claimed_status=data["claimed_status"],
            event_date=event.value if event else None,
            event_precision=event.precision if event else DatePrecision.DAY,
            published_at=published_at,
            url=data.get("url") or "",
            link_public=bool(data.get("link_public")),
            summary=data.get("summary") or "",
        )


# --- the public: answers, requests, watches -------------------------------------------------
class ReplyForm(forms.Form):
    """The submitter's answer on the receipt page, while more information is needed."""

    text = forms.CharField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your answer.")},
    )


class _Honeypot(forms.Form):
    # A honeypot: hidden from people, filled in by form-filling robots.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_robot(self) -> bool:
        """Filled in the honeypot: answered as if all went well, and nothing is stored."""
        return bool(self.cleaned_data.get("homepage"))


class RequestForm(_Honeypot):
    """«This is wrong / remove this» on a case page: a correction or removal request."""

    kind = forms.ChoiceField(
        label=_("What do you ask?"),
        choices=[
            (ReportKind.CORRECTION, _("Something on this page is wrong: correct it")),
            (ReportKind.TAKEDOWN, _("Remove this record from public view (the family's request)")),
        ],
        widget=forms.RadioSelect,
        initial=ReportKind.CORRECTION,
    )
    details = forms.CharField(
        label=_("What is wrong, or why should it be removed?"),
        max_length=MAX_DETAILS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what is wrong, or why the record should go.")},
    )
    submitter_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    relation = forms.CharField(
        label=_("Who are you to this person?"),
        max_length=200,
        required=False,
        help_text=_("For example: his mother, his sister, a friend."),
    )
    submitter_contact = forms.CharField(
        label=_("How can we reach you?"),
        max_length=200,
        required=False,
        help_text=_(
            "Phone, e-mail or Telegram. With an e-mail address we send you the link to your "
            "request and tell you the decision. Never published."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that moderators store what I wrote, including my contact details, "
            "to decide on my request and to answer me. My contact details are never published."
        ),
        required=True,
    )

    def details_text(self) -> str:
        data = self.cleaned_data
        relation = data.get("relation", "").strip()
        label = _("Who the requester is")
        prefix = f"{label}: {relation}\n\n" if relation else ""
        return prefix + data["details"].strip()


class WatchForm(_Honeypot):
    """«Tell me when he is reported»: a private watch for a person, without an account."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    birth_year = forms.IntegerField(
        label=_("or birth year"),
        required=False,
        min_value=EARLIEST_BIRTH_YEAR,
        max_value=LATEST_BIRTH_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    unit_number = forms.CharField(
        label=_("Military unit number"),
        max_length=40,
        required=False,
        help_text=_("Five digits, e.g. «в/ч 12345» or 12345."),
    )
    home_region = RegionChoiceField(
        label=_("Home region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Not known"),
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("We first send a link to confirm it. Never published, never shown to anyone."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that moderators store this description and my address to write to me "
            "when they find information about this person. I can stop it at any time."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "watch-%s")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_unit_number(self) -> str:
        value = " ".join(self.cleaned_data.get("unit_number", "").split())
        if not value:
            return ""
        match = _UNIT_INPUT_RE.match(value)
        if not match:
            raise ValidationError(_("A unit number has five digits."), "invalid")
        return match.group(1)

    def clean_birth_date(self) -> date | None:
        value = self.cleaned_data.get("birth_date")
        if value and not EARLIEST_BIRTH_YEAR <= value.year <= LATEST_BIRTH_YEAR:
            raise ValidationError(
                _("A birth date between %(first)s and %(last)s, please."),
                "out_of_range",
                params={"first": EARLIEST_BIRTH_YEAR, "last": LATEST_BIRTH_YEAR},
            )
        return value

    def clean(self):
        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error(
                "birth_year",
                ValidationError(_("This year differs from the birth date."), "mismatch"),
            )
        return data

    @classmethod
    def initial_from_query(cls, query: str) -> dict:
        """The form prefilled from a search query («Иванова Ивана 2004»)."""
        from conscripts import names

        parsed = names.parse_query(query or "")
        initial: dict = {}
        if parsed.name is not None:
            initial.update(
                surname=parsed.name.surname,
                given_name=parsed.name.given_name,
                patronymic=parsed.name.patronymic,
            )
        elif parsed.name_tokens:
            words = [*parsed.name_tokens, "", "", ""]
            initial.update(surname=words[0], given_name=words[1], patronymic=words[2])
        if parsed.birth_date:
            initial["birth_date"] = parsed.birth_date
        elif parsed.birth_year:
            initial["birth_year"] = parsed.birth_year
        if parsed.unit_number:
            initial["unit_number"] = parsed.unit_number
        return initial

    def watch_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "email": data["email"],
            "surname": data["surname"],
            "given_name": data["given_name"],
            "patronymic": data.get("patronymic", ""),
            "birth_date": data.get("birth_date"),
            "birth_year": data.get("birth_year"),
            "unit_number": data.get("unit_number", ""),
            "home_region": data.get("home_region"),
        }


# --- moderators: requests and leads -----------------------------------------------------------
class CorrectionForm(forms.Form):
    """The record's facts, prefilled; what the moderator changes is corrected."""

    prefix = "correct"

    surname = forms.CharField(label=_("Surname"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, min_value=1940, max_value=2015
    )
    home_region = RegionChoiceField(
        label=_("Home region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Not known"),
    )
    unit = forms.CharField(
        label=_("Military unit number"), max_length=5, required=False, min_length=5
    )
    draft_season = forms.ChoiceField(
        label=_("Draft season"), choices=[("", "—"), *DraftSeason.choices], required=False
    )
    draft_year = forms.IntegerField(
        label=_("Draft year"), required=False, min_value=1990, max_value=2100
    )
    last_contact_date = forms.DateField(
        label=_("Last contact"),
        required=False,
        widget=_date_input(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    last_known_place = forms.CharField(label=_("Last known place"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Note to the requester (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def for_record(cls, conscript: Conscript, data=None) -> CorrectionForm:
        return cls(
            data,
            initial={
                "surname": conscript.surname,
                "given_name": conscript.given_name,
                "patronymic": conscript.patronymic,
                "birth_date": conscript.birth_date,
                "birth_year": conscript.birth_year,
                "home_region": conscript.home_region_id,
                "unit": conscript.unit.number
                if conscript.unit_id and conscript.unit.number
                else "",
                "draft_season": conscript.draft_season,
                "draft_year": conscript.draft_year,
                "last_contact_date": conscript.last_contact_date,
                "last_known_place": conscript.last_known_place,
            },
        )

    def clean_unit(self) -> str:
        value = self.cleaned_data.get("unit", "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise ValidationError(_("A unit number has five digits."), "invalid")
        return value

    def changes(self, conscript: Conscript) -> dict:
        """The fields whose value differs from the record's (for ``conscript_update``)."""
        data = self.cleaned_data
        current = {
            "surname": conscript.surname,
            "given_name": conscript.given_name,
            "patronymic": conscript.patronymic,
            "birth_date": conscript.birth_date,
            "birth_year": conscript.birth_year,
            "home_region": conscript.home_region,
            "unit": conscript.unit.number if conscript.unit_id and conscript.unit.number else "",
            "draft_season": conscript.draft_season,
            "draft_year": conscript.draft_year,
            "last_contact_date": conscript.last_contact_date,
            "last_known_place": conscript.last_known_place,
        }

        def blank(value):
            return None if value in ("", None) else value

        # conscript_update takes "" or None alike for an empty text, unit or date.
        return {
            name: data.get(name)
            for name, before in current.items()
            if blank(data.get(name)) != blank(before)
        }


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the record hidden? (internal)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note to the requester (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the request declined? (sent to the requester)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HitConfirmForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the relative (optional, sent as written)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names of other relatives, no contacts."),
    )


# --- Uploaded lists (reports.uploads) ------------------------------------------------------
class ListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("The list (CSV or XLSX)"),
        help_text=_("Any encoding and delimiter; Russian or English column names."),
    )
    source_name = forms.CharField(
        label=_("Where the list comes from"),
        required=False,
        max_length=200,
        help_text=_("For example the volunteers' group. Default: the file name."),
    )


class ListMappingForm(forms.Form):
    """One choice per column of the list: which field it holds, or none."""

    def __init__(self, *args, header: list[str], mapping: list[str | None], **kwargs):
        super().__init__(*args, **kwargs)
        from conscripts.lists import FIELDS

        from .uploads import FIELD_LABELS

        choices = [("", _("— not used —"))] + [(name, FIELD_LABELS[name]) for name in FIELDS]
        for i, text in enumerate(header):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=text.strip() or _("Column %(n)s") % {"n": i + 1},
                choices=choices,
                required=False,
                initial=(mapping[i] if i < len(mapping) else None) or "",
            )

    def mapping(self) -> list[str | None]:
        return [self.cleaned_data[name] or None for name in self.fields]
