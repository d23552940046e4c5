from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import FormKeyField, submission_key

from .models import Region, Status


class SearchForm(forms.Form):
    """The public search box and its optional filters (GET)."""

    q = forms.CharField(
        label=_("Name or unit"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("e.g. Иванов Иван 2005, Ivanov Ivan, в/ч 12345"),
                "autocomplete": "off",
                "autocapitalize": "words",
                "spellcheck": "false",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    region = forms.ModelChoiceField(
        label=_("Home region"),
        required=False,
        queryset=Region.objects.all(),
        empty_label=_("Any region"),
    )
    unit = forms.RegexField(
        label=_("Unit number"),
        required=False,
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": _("A unit number has five digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1940,
        max_value=2015,
        widget=forms.NumberInput(attrs={"size": 6}),
    )

    def filters(self):
        from .search import Filters

        data = self.cleaned_data
        return Filters(
            status=data.get("status") or "",
            region_id=data["region"].pk if data.get("region") else None,
            unit_number=data.get("unit") or "",
            birth_year=data.get("birth_year"),
        )


class FollowForm(forms.Form):
    """ "Follow this case" on the case page: an e-mail address, and a honeypot."""

    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # A honeypot: hidden from people, filled in by form-filling robots.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # A double click asks once (core.forms).
    form_key = FormKeyField()

    def __init__(self, *args, **kwargs):
        # Ids of their own: the case page carries other forms.
        kwargs.setdefault("auto_id", "follow-%s")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def posted_key(self) -> str:
        """This submission's key (``core.forms.submission_key``), whatever the rest of
        the form says."""
        return submission_key(
            form_key=self.fields["form_key"].clean(self.data.get("form_key")), data=self.data
        )

    @property
    def is_robot(self) -> bool:
        """Filled in the honeypot: answered as if all went well, and nothing is sent."""
        return bool(self.cleaned_data.get("homepage"))


# --- moderators ---------------------------------------------------------------------------
class ConscriptsMergeForm(forms.Form):
    keep = forms.IntegerField(label=_("Keep record #"), min_value=1)
    remove = forms.IntegerField(label=_("Merge away record #"), min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("keep") and data.get("keep") == data.get("remove"):
            raise forms.ValidationError(_("Choose two different records."), "same")
        return data


class EvidenceRetractForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this evidence retracted?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the evidence is retracted.")},
    )
