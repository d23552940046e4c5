"""The admin writes nothing a service owns: every change form of our apps is enumerated."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory

from conscripts import search, services
from conscripts.models import Conscript, EvidenceKind, Follower, Status, StatusChange
from core.models import AuditAction, AuditEntry
from reports.services import report_submit
from sources.models import Source, SourceItem
from tests.factories import ConscriptFactory, UnitFactory, UserFactory, region
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "conscripts", "reports", "sources", "research"}

#: What the admin may write, model by model. Anything else on our models is read only
#: there, because a service owns it (the status follows from evidence, the audit log is
#: the services', a report is decided by the moderators' services...).
ADMIN_MAY_WRITE = {
    # Facts about a person: saved through services.conscript_update (audited, search keys
    # kept) and services.conscript_set_public, never obj.save() (tested below).
    "conscripts.conscript": {*services.PERSON_FIELDS, "is_public"},
    # A unit's name and number are reference data no service derives anything from.
    "conscripts.militaryunit": {"number", "name"},
    # A source's configuration (the ingestion reads it; it writes only its run columns).
    "sources.source": {
        "kind",
        "name",
        "location",
        "base_url",
        "schedule_minutes",
        "enabled",
        "publishes",
        "allowed_hosts",
    },
}


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    return request


@pytest.fixture
def instances():
    """One saved row of each of our models, to open its change form on."""
    person = ConscriptFactory(unit=UnitFactory(number="41234"), home_region=region())
    evidence = services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=datetime.date(2024, 9, 1),
    )
    source = Source.objects.create(kind="telegram", name="Вымышленный канал")
    rows = {
        "conscripts.conscript": person,
        "conscripts.evidence": evidence,
        "conscripts.statuschange": StatusChange.objects.filter(conscript=person).first(),
        "conscripts.militaryunit": person.unit,
        "conscripts.region": person.home_region,
        "conscripts.follower": Follower.objects.create(conscript=person, email="a@example.invalid"),
        "reports.report": report_submit(surname="Тестов", consent=True),
        "core.auditentry": AuditEntry.objects.first(),
        "sources.source": source,
        "sources.sourceitem": SourceItem.objects.create(source=source, external_id="1", text="…"),
    }
    return lambda model: rows.get(model._meta.label_lower) or model.objects.first()


def _admin_post_data(response, **changes) -> dict:
    """What the change page's form would post back, with ``changes``."""
    form = response.context["adminform"].form
    data = {}
    for name, _field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_no_change_form_of_ours_writes_a_field_a_service_owns(superuser_request, instances):
    checked = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        label = model._meta.label_lower
        obj = instances(model)
        assert obj is not None, f"no {label} row to open"
        if not model_admin.has_change_permission(superuser_request, obj):
            editable = set()
        else:
            form = model_admin.get_form(superuser_request, obj)
            readonly = set(model_admin.get_readonly_fields(superuser_request, obj))
            editable = set(form.base_fields) - readonly
        allowed = ADMIN_MAY_WRITE.get(label, set())
        assert editable <= allowed, f"{label}: the admin writes {sorted(editable - allowed)}"
        for inline in model_admin.get_inline_instances(superuser_request, obj):
            assert not inline.has_add_permission(superuser_request, obj), label
            fields = set(inline.get_fields(superuser_request, obj))
            assert fields <= set(inline.get_readonly_fields(superuser_request, obj)), label
        checked.append(label)
    # Every model of our apps that has an admin was looked at.
    assert {"conscripts.conscript", "conscripts.evidence", "reports.report"} <= set(checked)
    assert len(checked) >= 10


def test_renaming_in_the_admin_goes_through_the_audited_service(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    log_in(client, root)
    person = ConscriptFactory(surname="Жаворонков", given_name="Илья", birth_year=2005)
    url = f"/admin/conscripts/conscript/{person.pk}/change/"
    data = _admin_post_data(client.get(url), surname="Жаворонкин")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.surname == "Жаворонкин"
    assert (
        person.surname_key
        == search.name_keys(surname="Жаворонкин", given_name="Илья")["surname_key"]
    )
    entry = AuditEntry.objects.get(action=AuditAction.CONSCRIPT_UPDATE, conscript_id=person.pk)
    assert (entry.actor, entry.before, entry.after["surname"]) == (
        root,
        {"surname": "Жаворонков"},
        "Жаворонкин",
    )
    assert person.pk in [m.conscript.pk for m in search.search("Жаворонкин Илья").matches]


def test_hiding_in_the_admin_is_audited(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    log_in(client, root)
    person = ConscriptFactory()
    url = f"/admin/conscripts/conscript/{person.pk}/change/"
    data = _admin_post_data(client.get(url), is_public=None)
    assert client.post(url, data).status_code == 302
    assert not Conscript.objects.get(pk=person.pk).is_public
    entry = AuditEntry.objects.get(action=AuditAction.CONSCRIPT_UPDATE, conscript_id=person.pk)
    assert entry.after["is_public"] is False
