from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ExportFormat


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=100)
    query_string = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class ExportForm(forms.Form):
    """The export buttons of the browse page: a format and the filter shown."""

    format = forms.ChoiceField(choices=ExportFormat.choices)
    query_string = forms.CharField(max_length=2000, required=False)


class ApiTokenForm(forms.Form):
    action = forms.ChoiceField(choices=[("issue", "issue"), ("revoke", "revoke")])


class SnapshotForm(forms.Form):
    """Publish «the figures as of now» (moderators)."""

    note = forms.CharField(
        label=_("Note (optional): why these figures, what was corrected"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
