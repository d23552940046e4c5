"""Forms of the pasted-list pages (sources.lists)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from conscripts import services as conscript_services
from conscripts.models import EvidenceKind, EvidenceSource, Status
from core.partial_dates import PartialDateError, parse_partial_date


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("Names, one a line, or a whole announcement"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=500_000,
        help_text=_(
            "«Петров Иван Сергеевич, 2004 г.р.» one a line (numbering is fine), or the text "
            "of an exchange announcement: its names are found for you."
        ),
    )


#: Where a list's evidence may come from (not a relative's report or an uploaded list).
LIST_SOURCES = [
    ("", _("Not recorded")),
    (EvidenceSource.TELEGRAM, EvidenceSource.TELEGRAM.label),
    (EvidenceSource.VK, EvidenceSource.VK.label),
    (EvidenceSource.FEED, EvidenceSource.FEED.label),
    (EvidenceSource.MODERATOR, EvidenceSource.MODERATOR.label),
]


class ListEvidenceForm(forms.Form):
    """What the whole list says, given once: the claim, the kind, when, and the source."""

    claimed_status = forms.ChoiceField(
        label=_("Each confirmed person"), choices=Status.choices, initial=Status.RETURNED
    )
    kind = forms.ChoiceField(
        label=_("Kind of evidence"),
        choices=[c for c in EvidenceKind.choices if c[0] != EvidenceKind.SEARCH_POST],
        initial=EvidenceKind.EXCHANGE_LIST,
    )
    event_date = forms.CharField(
        label=_("When it happened"),
        required=False,
        max_length=40,
        help_text=_("24.08.2024, or 08.2024, or around 24.08.2024"),
    )
    url = forms.URLField(
        label=_("Source link"), required=False, max_length=500, assume_scheme="https"
    )
    source_name = forms.CharField(label=_("Source name"), required=False, max_length=200)
    source_kind = forms.ChoiceField(label=_("Source kind"), choices=LIST_SOURCES, required=False)
    link_public = forms.BooleanField(
        label=_("The source publishes: its link may be shown on the case pages"),
        required=False,
        initial=True,
    )
    summary = forms.CharField(
        label=_("Summary shown on the case page"),
        required=False,
        max_length=500,
        help_text=_("For example: returned in the exchange of 24 August 2024."),
    )

    def clean_event_date(self):
        text = self.cleaned_data["event_date"].strip()
        try:
            return parse_partial_date(text) if text else None
        except PartialDateError:
            raise forms.ValidationError(_("Not a date this form reads.")) from None

    def evidence(self) -> conscript_services.ListEvidence:
        data = self.cleaned_data
        when = data["event_date"]
        return conscript_services.ListEvidence(
            kind=data["kind"],
            claimed_status=data["claimed_status"],
            event_date=when.value if when else None,
            event_precision=when.precision if when else "day",
            url=data["url"],
            source_name=data["source_name"].strip(),
            source_kind=data["source_kind"],
            link_public=bool(data["link_public"] and data["url"]),
            summary=data["summary"].strip(),
        )
