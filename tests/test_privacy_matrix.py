"""Who sees what, everywhere: a role × URL × field matrix.

Distinctive values are planted in every personal-data field (relatives' contacts and
addresses, submitter identities and addresses, relatives' own posts and links,
unreviewed reports, hidden records, private evidence, other people's lists, filters and
tokens). Every URL pattern of the root URLconf (admin included; path converters filled
with the ids and tokens of the planted objects) and every operation of the API schema is
requested with GET by every role, the export downloads after an export per role, and
each response's body and headers are searched for each value the role must not see. A
response to anyone signed in must be ``Cache-Control: private, no-store``; anonymous
public pages must stay cacheable.

The lists are kept honest: a URL pattern or API operation nobody fills, or a model field
that looks personal (``PERSONAL_NAME``) and is neither planted nor listed as reviewed in
``NOT_PERSONAL``, fails the test. Every person is fictional.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from urllib.parse import quote, quote_plus

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import timezone

from conscripts import services as conscript_services
from conscripts.models import Conscript, Evidence, EvidenceKind, Follower, Region, Status
from core import access
from reports import services as report_services
from reports import uploads, watches
from reports.models import Origin, Report, ReportKind, WatchHit
from research import services as research_services
from research.models import ExportJob
from sources import lists as source_lists
from sources.models import Source, SourceItem
from tests.factories import ConscriptFactory, EvidenceFactory, UnitFactory, UserFactory
from tests.helpers import log_in, statistics_cache_forget

pytestmark = [
    pytest.mark.django_db,
    # One planted world for the module: its tests must run in one process.
    pytest.mark.xdist_group("privacy-matrix"),
]

ANONYMOUS, RELATIVE, RESEARCHER, TOKEN, MODERATOR, ADMIN = (
    "anonymous",
    "relative",
    "researcher",
    "researcher-token",
    "moderator",
    "admin",
)
#: Every role the code knows (core.access): nobody, a signed-in user in no group (a
#: relative with an account), a researcher by session and by API token, a moderator
#: (staff, so the admin is tried too), a superuser.
ROLES = (ANONYMOUS, RELATIVE, RESEARCHER, TOKEN, MODERATOR, ADMIN)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
MODERATORS = frozenset({MODERATOR, ADMIN})
NOBODY: frozenset[str] = frozenset()


def sign_in(client: Client, role: str, user) -> Client:
    """The one place where the matrix logs a role in (a second factor, hashed tokens:
    adapt it here). ``TOKEN`` calls with an API token and no session."""
    if role == TOKEN:
        token = research_services.api_token_issue(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    elif role != ANONYMOUS:
        log_in(client, user)  # both steps: moderators and admins give their TOTP code
    return client


# --- What is planted ------------------------------------------------------------------------
@dataclass(frozen=True)
class Planted:
    """A value planted in ``fields``, which ``allowed`` roles may see anywhere, and the
    holders of ``owners`` (a private link's key, a researcher's own list) on their pages."""

    fields: tuple[str, ...]
    value: str
    allowed: frozenset[str]
    owners: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # other spellings of the value (a phone number's forms)

    @property
    def needles(self) -> list[str]:
        if self not in _NEEDLES:
            _NEEDLES[self] = self._needles()
        return _NEEDLES[self]

    def _needles(self) -> list[str]:
        forms: set[str] = set()
        for text in (self.value, *self.also):
            forms |= {
                text,
                html.escape(text),
                json.dumps(text)[1:-1],
                json.dumps(text, ensure_ascii=False)[1:-1],
                quote(text, safe=""),
                quote_plus(text),
            }
        return sorted({f.lower() for f in forms})


_NEEDLES: dict[Planted, list[str]] = {}
PHONE_A = "+7 912 345-67-89"
PHONE_B = "+7 915 222-33-44"
PHONE_POST = "+7 913 555-44-21"
PHONE_LIST = "+7 914 777-88-99"


def _phone_forms(phone: str) -> tuple[str, ...]:
    digits = re.sub(r"\D", "", phone)
    return (f"+{digits}", digits[1:], phone.removeprefix("+7 "))


PLANTED: tuple[Planted, ...] = (
    # A relative's pending report (receipt «report_a»): who sent it and what it says.
    Planted(
        ("reports.Report.surname_raw", "reports.Report.surname"),
        "Огнивцев",
        MODERATORS,
        ("report_a",),
    ),
    Planted(("reports.Report.submitter_name",), "Огнивцева Аполлинария", MODERATORS, ("report_a",)),
    Planted(
        ("reports.Report.submitter_contact",),
        PHONE_A,
        MODERATORS,
        ("report_a",),
        _phone_forms(PHONE_A),
    ),
    Planted(("reports.Report.submitted_ip",), "192.0.2.217", MODERATORS),
    Planted(("reports.Report.details",), "Подробности-кв7", MODERATORS, ("report_a",)),
    Planted(
        ("reports.Report.evidence_urls",),
        "https://t.me/c/kv7relatives/314",
        MODERATORS,
        ("report_a",),
    ),
    Planted(("reports.ReportReply.text",), "Ответ-кв7 про роту связи", MODERATORS, ("report_a",)),
    Planted(("reports.Report.receipt_token",), "", NOBODY, ("report_a",)),  # set when planted
    # A relative's report approved into a record: the submitter stays private, and the
    # link to their own post becomes evidence that is never shown publicly.
    Planted(
        ("reports.Report.submitter_contact",),
        PHONE_B,
        MODERATORS,
        ("report_b",),
        _phone_forms(PHONE_B),
    ),
    Planted(
        ("conscripts.Evidence.url",), "https://t.me/c/kv7family/271", MODERATORS, ("report_b",)
    ),
    Planted(("conscripts.Evidence.url",), "https://t.me/private_kv7/9", MODERATORS),
    Planted(("conscripts.Evidence.archived_text",), "Архив-кв7 с телефоном", MODERATORS),
    # A takedown request (receipt «takedown») about a record, hidden since.
    Planted(("reports.Report.submitter_name",), "Затворникова Пелагея", MODERATORS, ("takedown",)),
    Planted(("reports.Report.submitter_contact",), "@pelageya_kv7", MODERATORS, ("takedown",)),
    Planted(
        ("reports.Report.submitter_email",), "pelageya.zatvornikova.kv7@example.invalid", MODERATORS
    ),
    # The hidden record: its name (the requester typed it; a researcher's list named it
    # before it was hidden) and what only its evidence says.
    Planted(
        ("conscripts.Conscript.surname",),
        "Затворников",
        MODERATORS,
        ("takedown", "researcher_list"),
    ),
    Planted(("conscripts.Conscript.patronymic",), "Поликарпович", MODERATORS, ("takedown",)),
    Planted(("conscripts.Evidence.summary",), "Сводка-кв7 скрытого", MODERATORS),
    # A relatives' group post, ingested: its text, author, link and phone numbers.
    Planted(
        ("sources.SourceItem.text", "sources.SourceItem.raw"), "Ищем брата кв7-пост", MODERATORS
    ),
    Planted(("sources.SourceItem.author",), "Семирядова Нина", MODERATORS),
    Planted(
        ("sources.SourceItem.url", "reports.Report.source_url"),
        "https://vk.com/wall-777_4242",
        MODERATORS,
    ),
    Planted(("sources.SourceItem.phones",), PHONE_POST, MODERATORS, (), _phone_forms(PHONE_POST)),
    Planted(("reports.Report.surname_raw",), "Семирядов", MODERATORS),
    # A volunteers' list uploaded by a moderator.
    Planted(("reports.ListUpload.file_name",), "волонтёры-кв7.csv", MODERATORS),
    Planted(
        ("reports.Report.submitter_contact",), PHONE_LIST, MODERATORS, (), _phone_forms(PHONE_LIST)
    ),
    Planted(("reports.Report.surname_raw",), "Листовой", MODERATORS),
    # Relatives following a case and watching for someone.
    Planted(("conscripts.Follower.email",), "follower.kv7@example.invalid", NOBODY),
    Planted(("conscripts.Follower.email",), "follower.hidden.kv7@example.invalid", NOBODY),
    Planted(("reports.Watch.email",), "watcher.kv7@example.invalid", NOBODY),
    Planted(("reports.Watch.email",), "pending.watcher.kv7@example.invalid", NOBODY),
    Planted(("reports.Watch.surname",), "Лампадников", MODERATORS, ("pending_watch",)),
    # Mailed to the relative as written; no page shows it again.
    Planted(("reports.WatchHit.message",), "Сообщение-кв7 родственнику", NOBODY),
    # Another researcher's own things, and staff e-mail addresses.
    Planted(("sources.PastedList.text",), "Чужаков", MODERATORS),
    Planted(("research.SavedFilter.name",), "Чужой фильтр кв7", NOBODY),
    Planted(("knox.AuthToken.token_key",), "", NOBODY),  # the whole key, set when planted
    Planted(("auth.User.email",), "researcher.b.kv7@example.invalid", frozenset({ADMIN})),
)

#: Fields whose names look personal (PERSONAL_NAME) but are not, or are covered by
#: a planted field of the same data; each with the reason.
NOT_PERSONAL = {
    "auth.User.password": "a hash; no page shows it (the admin shows its algorithm)",
    "knox.AuthToken.digest": "a hash of the key; the key is shown once",
    "conscripts.Evidence.link_public": "a flag",
    "reports.Report.given_name_raw": "typed with the surname, which is planted",
    "reports.Report.patronymic_raw": "typed with the surname, which is planted",
    "reports.Report.submitter_language": "a language code",
    "reports.ListUpload.problems": "quotes cells of the list, whose contacts are planted",
    "reports.ListUpload.file": "a random name under uploads/ that nothing serves",
    "sources.Source.base_url": "a public channel's address, typed by moderators",
    "sources.Source.webhook_token_hash": "a hash; the token is shown once",
    "sources.SourceItem.text_sha256": "a hash",
    "sources.SourceItem.links": "links attached to a post, as planted in its text",
    "sources.SourceItem.failure_reason": "why a post could not be read",
    "sources.PastedList.lines": "the pasted text's lines and their public candidates",
    "research.ExportJob.file": "written per role; its downloads are in the matrix",
    "research.FiguresSnapshot.file": "public figures",
    "reports.Report.info_request": "a moderator's question to the submitter",
    "reports.WatchHit.reasons": "scores, no text",
}
PERSONAL_NAME = re.compile(
    r"email|phone|contact$|submitter|(^|_)ip($|_)|address|author|token|password|(^|_)text$"
    r"|message|details|reply|_raw$|url|links?$|file|problems|lines$"
)
PROJECT_APPS = ("conscripts", "reports", "sources", "research", "core", "auth", "knox")


# --- The planted world ------------------------------------------------------------------------
@dataclass
class World:
    users: dict[str, object]
    objects: dict[str, object]
    tokens: dict[str, tuple[str, str]]  # URL name → (token, owner)
    planted: list[Planted]
    by_model: dict[type, list] = field(default_factory=dict)


def _relatives_report(**kwargs) -> Report:
    return report_services.report_submit(
        source_kind="relative", consent=True, home_region=Region.objects.get(code="KRS"), **kwargs
    )


def _plant() -> World:
    krs = Region.objects.get(code="KRS")
    moderator = UserFactory(username="m-moderator", groups=[access.MODERATORS], is_staff=True)
    admin_user = UserFactory(username="m-admin", is_staff=True, is_superuser=True)
    researcher = UserFactory(username="m-researcher", groups=[access.RESEARCHERS])
    api_user = UserFactory(username="m-api", groups=[access.RESEARCHERS])
    relative = UserFactory(username="m-relative")
    other = UserFactory(
        username="m-researcher-b",
        email="researcher.b.kv7@example.invalid",
        groups=[access.RESEARCHERS],
    )
    users = {
        RESEARCHER: researcher,
        TOKEN: api_user,
        MODERATOR: moderator,
        ADMIN: admin_user,
        RELATIVE: relative,
        "other": other,
    }

    unit = UnitFactory(number="73301", name="Мотострелковый полк")
    person = ConscriptFactory(
        surname="Видимов", given_name="Тихон", patronymic="Ильич", unit=unit, birth_year=2004
    )
    EvidenceFactory(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        url="https://www.youtube.com/watch?v=PublicVideo01",
        link_public=True,
        archived_text="Архив-кв7 с телефоном",
    )
    private_link = EvidenceFactory(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        url="https://t.me/private_kv7/9",
        link_public=False,
    )
    conscript_services.conscript_recompute_status(conscript=person)

    # Published figures, before anyone is hidden (the file is filtered at download).
    figures = research_services.figures_snapshot_write(
        snapshot_id=research_services.figures_snapshot_request(user=moderator, note="").pk
    )

    hidden = ConscriptFactory(
        surname="Затворников",
        given_name="Евстигней",
        patronymic="Поликарпович",
        unit=unit,
        birth_date=date(2003, 4, 17),
        birth_year=2003,
    )
    hidden_evidence = EvidenceFactory(
        conscript=hidden,
        kind=EvidenceKind.EXCHANGE_LIST,
        url="https://example.org/exchange-list",
        summary="Сводка-кв7 скрытого",
    )
    # While he is public: a researcher's list names him, a relative follows his case, new
    # figures count him (and name him among the new people); then his family asks to
    # hide him.
    own_list = source_lists.pasted_list_create(
        text="Затворников Евстигней 2003\nВидимов Тихон", user=researcher
    )
    hidden_follower = conscript_services.follow_request(
        conscript=hidden, email="follower.hidden.kv7@example.invalid", language="ru"
    )
    figures_after = research_services.figures_snapshot_write(
        snapshot_id=research_services.figures_snapshot_request(user=moderator, note="").pk
    )
    takedown = report_services.report_submit(
        kind=ReportKind.TAKEDOWN,
        about=hidden,
        surname=hidden.surname,
        given_name=hidden.given_name,
        patronymic=hidden.patronymic,
        birth_year=hidden.birth_year,
        details="Семья просит убрать запись.",
        submitter_name="Затворникова Пелагея",
        submitter_contact="@pelageya_kv7",
        submitter_email="pelageya.zatvornikova.kv7@example.invalid",
        consent=True,
        ip="192.0.2.218",
    )
    report_services.report_hide(report=takedown, moderator=moderator, reason="семья просит")
    hidden.refresh_from_db()
    assert not hidden.is_public

    report_a = _relatives_report(
        surname="Огнивцев",
        given_name="Прохор",
        patronymic="Ферапонтович",
        birth_year=2005,
        unit_number="73301",
        claimed_status=Status.MISSING,
        evidence_urls=["https://t.me/c/kv7relatives/314"],
        details="Подробности-кв7: связь пропала у блокпоста.",
        submitter_name="Огнивцева Аполлинария",
        submitter_contact=PHONE_A,
        ip="192.0.2.217",
    )
    report_services.report_request_info(report=report_a, moderator=moderator, message="Рота?")
    report_services.report_reply(report=report_a, text="Ответ-кв7 про роту связи")

    report_b = _relatives_report(
        surname="Пропащев",
        given_name="Ермолай",
        birth_year=2004,
        claimed_status=Status.MISSING,
        evidence_kind=EvidenceKind.SEARCH_POST,
        evidence_urls=["https://t.me/c/kv7family/271"],
        submitter_contact=PHONE_B,
    )
    approved = report_services.report_approve_new(report=report_b, moderator=moderator)
    assert approved.evidence.filter(url="https://t.me/c/kv7family/271").exists()

    source = Source.objects.create(kind="vk", name="Родственники-м")
    item = SourceItem.objects.create(
        source=source,
        external_id="4242",
        url="https://vk.com/wall-777_4242",
        author="Семирядова Нина",
        text=f"Ищем брата кв7-пост: Семирядов Гурий, 2004. Звоните {PHONE_POST}",
        raw={"text": "Ищем брата кв7-пост"},
        phones=["+79135554421"],
        state="extracted",
    )
    ingested = report_services.report_submit(
        surname="Семирядов",
        given_name="Гурий",
        birth_year=2004,
        origin=Origin.SOURCE,
        origin_ref=f"vk:{source.pk}:4242#1",
        source_kind="vk",
        source_name=source.name,
        source_url=item.url,
        details=f"Ищем брата кв7-пост. Звоните {PHONE_POST}",
    )

    upload = uploads.list_upload_create(
        file_name="волонтёры-кв7.csv",
        data=f"ФИО;Год рождения;Контакт\nЛистовой Фрол Саввич;2004;{PHONE_LIST}\n".encode(),
        uploaded_by=moderator,
    )
    upload = uploads.list_upload_start(upload=upload, moderator=moderator)
    listed = Report.objects.get(upload=upload, submitter_contact=PHONE_LIST)

    follower = conscript_services.follow_request(
        conscript=person, email="follower.kv7@example.invalid", language="ru"
    )
    Follower.objects.filter(pk=follower.pk).update(confirmed_at=timezone.now())
    watch = watches.watch_request(
        email="watcher.kv7@example.invalid", surname="Видимов", given_name="Тихон"
    )
    watches.watch_confirm(token=watches.watch_token(watch, "confirm"))
    pending_watch = watches.watch_request(
        email="pending.watcher.kv7@example.invalid", surname="Лампадников", given_name="Савватий"
    )
    hit, _created = WatchHit.objects.get_or_create(
        watch=watch, conscript=person, report=None, defaults={"score": 0.97, "reasons": {}}
    )
    watches.watch_hit_confirm(hit=hit, moderator=moderator, message="Сообщение-кв7 родственнику")

    others_list = source_lists.pasted_list_create(text="Чужаков Игнат 2004", user=other)
    others_filter = research_services.saved_filter_create(
        owner=other, name="Чужой фильтр кв7", query_string="status=captured"
    )
    others_token = research_services.api_token_issue(user=other)
    own_filter = research_services.saved_filter_create(
        owner=researcher, name="Мой фильтр", query_string="status=missing"
    )

    # An export per role, written to a file (as a worker writes the large ones).
    jobs = []
    with override_settings(EXPORT_SYNC_LIMIT=0):
        for user, fmt in (
            (researcher, "csv"),
            (moderator, "csv"),
            (moderator, "json"),
            (admin_user, "csv"),
            (other, "json"),
        ):
            job = research_services.export_start(user=user, fmt=fmt, query_string="").job
            research_services.export_run(job_id=job.pk)
            jobs.append(ExportJob.objects.get(pk=job.pk))
    assert all(j.is_downloadable for j in jobs)

    planted = []
    for entry in PLANTED:
        if entry.fields == ("reports.Report.receipt_token",):
            entry = Planted(entry.fields, report_a.receipt_token, entry.allowed, entry.owners)
        elif entry.fields == ("knox.AuthToken.token_key",):
            entry = Planted(entry.fields, others_token.key, entry.allowed, entry.owners)
        planted.append(entry)

    objects = {
        "person": person,
        "hidden": hidden,
        "unit": unit,
        "approved": approved,
        "evidence_public": person.evidence.filter(link_public=True).first(),
        "evidence_private": private_link,
        "evidence_hidden": hidden_evidence,
        "evidence_relative": approved.evidence.first(),
        "report_a": report_a,
        "report_b": report_b,
        "takedown": takedown,
        "ingested": ingested,
        "listed": listed,
        "source": source,
        "item": item,
        "upload": upload,
        "follower": follower,
        "watch": watch,
        "pending_watch": pending_watch,
        "hit": hit,
        "own_list": own_list,
        "others_list": others_list,
        "own_filter": own_filter,
        "others_filter": others_filter,
        "figures": figures,
        "figures_after": figures_after,
        "jobs": jobs,
    }
    tokens = {
        "reports:receipt": [
            (report_a.receipt_token, "report_a"),
            (takedown.receipt_token, "takedown"),
            (report_b.receipt_token, "report_b"),
        ],
        "conscripts:follow-confirm": [
            (conscript_services.follow_token(follower, "confirm"), "follower"),
            (conscript_services.follow_token(hidden_follower, "confirm"), "hidden_follower"),
        ],
        "conscripts:unfollow": [
            (conscript_services.follow_token(hidden_follower, "unfollow"), "hidden_follower"),
            (conscript_services.follow_token(follower, "unfollow"), "follower"),
        ],
        "watch:confirm": [(watches.watch_token(pending_watch, "confirm"), "pending_watch")],
        "watch:manage": [
            (watches.watch_token(watch, "manage"), "watch"),
            (watches.watch_token(pending_watch, "manage"), "pending_watch"),
        ],
    }
    tokens["reports:receipt-reply"] = tokens["reports:receipt"]
    by_model = {
        Conscript: [person, hidden],
        Evidence: [objects["evidence_public"], private_link, hidden_evidence],
        Report: [report_a, takedown, ingested],
        Follower: [follower],
        SourceItem: [item],
        Source: [source],
        get_user_model(): [other],
        type(others_token): [others_token],
        krs.__class__: [krs],
        unit.__class__: [unit],
    }
    return World(users, objects, tokens, planted, by_model)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Planted once for the module, in a transaction rolled back at its end."""
    media = tmp_path_factory.mktemp("privacy-matrix-media")
    rates = {"anon": "1000000/minute", "user": "1000000/minute"}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, API_THROTTLE_RATES=rates),
    ):
        from conscripts.services import reference_data_load

        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            if not Region.objects.exists():
                reference_data_load()
            yield _plant()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            # Figures the pages cached from the rolled-back world must not outlive it.
            statistics_cache_forget()


# --- Every URL -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Leaf:
    route: str  # the patterns' text, joined
    pieces: tuple  # the pattern objects from the root
    name: str  # namespaced name, or the route for an unnamed pattern
    callback: object = None


def url_leaves(root: URLResolver | None = None) -> list[Leaf]:
    """Every pattern of the root URLconf (language prefixes are filled in ``visits``)."""
    leaves: list[Leaf] = []

    def walk(resolver: URLResolver, pieces: tuple, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            here = (*pieces, pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, here, inner)
            elif isinstance(pattern, URLPattern):
                route = "".join(str(p) for p in here)
                name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}{route}"
                leaves.append(Leaf(route, here, name, pattern.callback))

    walk(root or get_resolver(), (), "")
    return leaves


_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _parameters(leaf: Leaf) -> list[str]:
    names = []
    for piece in leaf.pieces:
        if isinstance(piece, LocalePrefixPattern):
            names.append("language")
        elif isinstance(piece, RoutePattern):
            names += [m["parameter"] for m in _ROUTE_PARAM.finditer(str(piece))]
        elif isinstance(piece, RegexPattern):
            names += [m["name"] for m in _REGEX_GROUP.finditer(str(piece))]
    return names


def _language_prefixes(leaf: Leaf) -> list[str]:
    """``i18n_patterns``: every language's prefix ("" for the default language when it
    has none)."""
    locale = next(p for p in leaf.pieces if isinstance(p, LocalePrefixPattern))
    default = settings.LANGUAGE_CODE
    return [
        "" if code == default and not locale.prefix_default_language else f"{code}/"
        for code, _name in settings.LANGUAGES
    ]


def _concrete(leaf: Leaf, values: dict[str, str]) -> str:
    path = ""
    for piece in leaf.pieces:
        text = str(piece)
        if isinstance(piece, LocalePrefixPattern):
            path += values["language"]
        elif isinstance(piece, RoutePattern):
            path += _ROUTE_PARAM.sub(lambda m: values[m["parameter"]], text)
        else:
            text = _REGEX_GROUP.sub(lambda m: values[m["name"]], text)
            path += text.removeprefix("^").removesuffix("$")
    return "/" + path


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    owner: str = ""  # whose private link (or own list) it is


def _admin_model(name: str):
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


def _admin_values(w: World, leaf: Leaf, parameter: str) -> list[str]:
    if parameter == "app_label":
        group = next(m for p in leaf.pieces for m in _REGEX_GROUP.finditer(str(p)))
        return group["body"].split("|")
    if parameter == "url":
        return ["no-such-page/"]
    if parameter == "content_type_id":
        return [str(ContentType.objects.get_for_model(Conscript).pk)]
    if parameter == "object_id" and leaf.name == "admin:view_on_site":
        return [str(w.objects["hidden"].pk)]
    route_model = re.search(r"admin/(\w+)/(\w+)/", leaf.route)
    model = _admin_model(leaf.name) or (
        apps.get_model(route_model[1], route_model[2]) if route_model else None
    )
    planted = w.by_model.get(model) or [model._default_manager.order_by("pk").first()]
    return [str(o.pk) for o in planted if o is not None] or ["0"]


def _ids(*objects) -> list[str]:
    return [str(o.pk) for o in objects]


def _fill(w: World) -> dict[str, dict[str, list[str]]]:
    """URL name → parameter → the values to try (the planted objects' ids)."""
    o = w.objects
    reports = _ids(o["report_a"], o["takedown"], o["ingested"], o["listed"])
    lists_ = _ids(o["own_list"], o["others_list"])
    jobs = _ids(*o["jobs"])
    people = _ids(o["person"], o["hidden"])
    evidence = _ids(o["evidence_public"], o["evidence_private"], o["evidence_hidden"])
    return {
        "conscripts:detail": {"pk": [*people, str(o["approved"].pk)]},
        "conscripts:follow": {"pk": people},
        "conscripts:evidence-retract": {"pk": evidence},
        "reports:reports/evidence/<int:pk>/retract/": {"pk": evidence},
        "sources:detail": {"pk": _ids(o["source"])},
        "sources:run": {"pk": _ids(o["source"])},
        **{
            f"sources:{n}": {"pk": lists_}
            for n in ("list-detail", "list-status", "list-csv", "list-confirm")
        },
        "reports:request": {"pk": people},
        "reports:hit-confirm": {"pk": _ids(o["hit"])},
        "reports:hit-dismiss": {"pk": _ids(o["hit"])},
        **{
            f"reports:{n}": {"pk": _ids(o["upload"])}
            for n in ("upload-detail", "upload-status", "upload-problems")
        },
        **{
            f"reports:{n}": {"pk": reports}
            for n in (
                "detail",
                "photo",
                "claim",
                "release",
                "approve",
                "merge",
                "reject",
                "duplicate",
                "request-info",
                "correct",
                "hide",
                "decline",
            )
        },
        "research:filter-delete": {"pk": _ids(o["own_filter"], o["others_filter"])},
        **{
            f"research:{n}": {"pk": jobs}
            for n in ("export-detail", "export-status", "export-download")
        },
        "research:statistics-csv": {"chart": ["status", "regions", "units", "weekly"]},
        "research:snapshot": {"pk": _ids(o["figures"], o["figures_after"])},
        "research:snapshot-records": {"pk": _ids(o["figures"], o["figures_after"])},
        "research:unit": {"pk": _ids(o["unit"])},
        "api:case-detail": {"pk": people},
        "api:evidence-detail": {"pk": evidence},
        "api:region-detail": {"pk": _ids(Region.objects.get(code="KRS"))},
        "api:unit-detail": {"pk": _ids(o["unit"])},
    }


def _queries(w: World) -> dict[str, list[str]]:
    """Query strings that ask for what a role must not get (besides the bare URL)."""
    hidden, unit = w.objects["hidden"], w.objects["unit"]
    by_name = ["q=Zatvornikov", "q=Ognivtsev", "q=Lampadnikov", f"unit={unit.number}"]
    return {
        "conscripts:search": by_name,
        "api-conscripts": by_name,
        "api:case-list": ["q=Zatvornikov", f"unit={unit.number}", "page_size=500"],
        "api:evidence-list": [f"conscript={hidden.pk}", "page_size=500"],
        "research:cases": ["q=Zatvornikov", f"unit={unit.number}"],
        "reports:new": [f"about={hidden.pk}"],
        "watch:new": ["q=Zatvornikov"],
        "research:unit": ["format=csv", "page=1"],
        "research:snapshot-records": [f"unit={unit.number}"],
        "reports:queue": ["state=needs_info", "state=approved"],
    }


#: Private links and own pages: which planted owner holds the path.
def _owned(name: str, values: dict[str, str], w: World) -> str:
    for token, owner in w.tokens.get(name, []):
        if values.get("token") == token:
            return owner
    if name.startswith("sources:list-") and values.get("pk") == str(w.objects["own_list"].pk):
        return "researcher_list"
    return ""


def visits(w: World) -> list[Visit]:
    fill, queries = _fill(w), _queries(w)
    result, unfilled = [], []
    for leaf in url_leaves():
        parameters = _parameters(leaf)
        options = {}
        for parameter in parameters:
            if parameter == "language":  # i18n_patterns: each language's prefix
                options[parameter] = _language_prefixes(leaf)
            elif leaf.name in w.tokens and parameter == "token":
                options[parameter] = [token for token, _owner in w.tokens[leaf.name]]
            elif leaf.name in fill and parameter in fill[leaf.name]:
                options[parameter] = fill[leaf.name][parameter]
            elif leaf.route.startswith("admin/"):
                options[parameter] = _admin_values(w, leaf, parameter)
            else:
                unfilled.append(f"{leaf.name} {parameter}")
        if any(p not in options for p in parameters):
            continue
        for combination in product(*(options[p] for p in parameters)):
            values = dict(zip(parameters, combination, strict=True))
            path = _concrete(leaf, values)
            match = resolve(path)
            assert match.func is leaf.callback, (path, leaf.route)
            owner = _owned(leaf.name, values, w)
            result.append(Visit(leaf.name, path, owner))
            result += [Visit(leaf.name, f"{path}?{q}", owner) for q in queries.get(leaf.name, [])]
    assert not unfilled, f"URL parameters the matrix does not fill: {unfilled}"
    return result


def api_visits(w: World) -> list[Visit]:
    """Every GET operation of the API schema, its path parameters filled; every other
    operation is asked with GET too (it must refuse without answering data)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    fill = _fill(w)
    result = []
    for template, operations in schema["paths"].items():
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            names = re.findall(r"{(\w+)}", template)
            match = resolve(re.sub(r"{\w+}", "1", template))
            url_name = f"{':'.join(match.namespaces)}:{match.url_name}".lstrip(":")
            values = [fill[url_name]["pk"] for _n in names] if names else []
            for combination in product(*values):
                path = template
                for name, value in zip(names, combination, strict=True):
                    path = path.replace("{" + name + "}", value)
                result.append(Visit(url_name, path))
    assert result
    return result


# --- The matrix -------------------------------------------------------------------------------
def _body(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return (headers + "\n" + data.decode("utf-8", errors="replace")).lower()


def _directives(response) -> set[str]:
    return {
        d.strip().split("=", 1)[0].lower()
        for d in response.get("Cache-Control", "").split(",")
        if d.strip()
    }


def _varies_on_cookie(response) -> bool:
    return "cookie" in {v.strip().lower() for v in response.get("Vary", "").split(",")}


#: Anonymous pages that are nobody's business but the link holder's, or that Django
#: marks uncacheable itself: they must not be cached, the rest must stay cacheable.
ANONYMOUS_UNCACHED = {
    "reports:receipt": "the submitter's private link",
    "conscripts:follow-confirm": "a follower's link",
    "conscripts:unfollow": "a follower's link",
    "watch:confirm": "a relative's link",
    "watch:manage": "a relative's link",
    "login": "Django's login view (never_cache)",
    "admin:login": "Django's login view (never_cache)",
    "healthz": "live figures",
}


@dataclass
class Tally:
    pairs: int = 0
    requests: int = 0
    leaks: list[str] = field(default_factory=list)
    cache: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # planted values some allowed role saw


def check(tally: Tally, w: World, role: str, visit: Visit, response, label: str = "") -> None:
    tally.requests += 1
    text = _body(response)
    where = f"{role} GET {visit.path}{label} → {response.status_code}"
    for entry in w.planted:
        may = role in entry.allowed or (visit.owner and visit.owner in entry.owners)
        if visit.owner == "researcher_list" and role != RESEARCHER:
            may = role in entry.allowed
        found = any(needle in text for needle in entry.needles)
        if may:
            if found:
                tally.seen.add(entry.value)
            continue
        tally.pairs += 1
        if found:
            tally.leaks.append(f"{where}: {entry.fields[0]} {entry.value!r}")
    _check_cache(tally, role, visit, response, where)


def _check_cache(tally: Tally, role: str, visit: Visit, response, where: str) -> None:
    directives = _directives(response)
    if not _varies_on_cookie(response):
        tally.cache.append(f"{where}: no Vary: Cookie")
    if role in SIGNED_IN:
        if not {"private", "no-store"} <= directives:
            tally.cache.append(f"{where}: Cache-Control {response.get('Cache-Control')!r}")
    elif response.status_code == 200:
        uncached = visit.name in ANONYMOUS_UNCACHED
        if uncached and "no-store" not in directives:
            tally.cache.append(f"{where}: a private link, cacheable")
        if not uncached and directives & {"private", "no-store", "no-cache"}:
            tally.cache.append(f"{where}: a public page, not cacheable ({directives})")


def _client(w: World, role: str) -> Client:
    return sign_in(Client(), role, w.users.get(role))


def _ask_as(tally: Tally, w: World, role: str) -> None:
    client = _client(w, role)
    for visit in dict.fromkeys(visits(w) + api_visits(w)):
        check(tally, w, role, visit, client.get(visit.path))
    # An export as this role (small: written into the response).
    if role in (RESEARCHER, TOKEN, MODERATOR, ADMIN):
        response = client.post("/research/exports/new/", {"format": "csv", "query_string": ""})
        visit = Visit("research:export-create", "/research/exports/new/")
        check(tally, w, role, visit, response, " (POST)")


def test_no_role_sees_what_it_must_not_on_any_url(world, record_property):
    """Every role in one test, so that the check that each value was seen by someone
    allowed (the plants work, the pages were not empty) sees all of them."""
    tally = Tally()
    for role in ROLES:
        _ask_as(tally, world, role)
    assert not tally.leaks, "\n".join(tally.leaks)
    assert not tally.cache, "\n".join(tally.cache)
    visible = [p for p in world.planted if p.allowed or p.owners]
    missing = [p.value for p in visible if p.value not in tally.seen]
    assert not missing, f"planted values that no allowed role saw anywhere: {missing}"
    urls = len({v.path for v in visits(world) + api_visits(world)})
    summary = (
        f"privacy matrix: {len(ROLES)} roles × {urls} URLs × {len(world.planted)} planted "
        f"values; {tally.requests} responses, {tally.pairs} (role, URL, field) pairs checked"
    )
    record_property("privacy_matrix", summary)
    print(summary)


def test_every_field_that_looks_personal_is_planted_or_reviewed():
    planted = {f for entry in PLANTED for f in entry.fields}
    unknown = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for model_field in model._meta.concrete_fields:
            key = f"{model._meta.label}.{model_field.name}"
            looks = PERSONAL_NAME.search(model_field.name) or isinstance(
                model_field, models.EmailField | models.GenericIPAddressField
            )
            if looks and key not in planted and key not in NOT_PERSONAL:
                unknown.append(key)
    assert not unknown, (
        f"fields that look personal, neither planted in the privacy matrix nor reviewed "
        f"in NOT_PERSONAL: {unknown}"
    )
    stale = [
        k
        for k in NOT_PERSONAL
        if k.rsplit(".", 1)[0] not in {m._meta.label for m in apps.get_models()}
    ]
    assert not stale, stale


def test_every_url_pattern_and_api_operation_is_in_the_matrix(world):
    names = {v.name for v in visits(world)}
    assert {leaf.name for leaf in url_leaves()} <= names
    assert len(api_visits(world)) >= 10


def test_language_prefixed_patterns_are_walked_in_every_language():
    from django.conf.urls.i18n import i18n_patterns
    from django.urls import path

    root = URLResolver(RegexPattern(r"^/"), i18n_patterns(path("about/<int:pk>/", print)))
    paths = [
        _concrete(leaf, {"language": prefix, "pk": "7"})
        for leaf in url_leaves(root)
        for prefix in _language_prefixes(leaf)
    ]
    assert paths == [f"/{code}/about/7/" for code, _name in settings.LANGUAGES]
