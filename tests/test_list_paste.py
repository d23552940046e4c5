"""Paste a list of names (or an exchange announcement), match each line, download the
result; a moderator turns the confirmed lines into evidence in one reviewed step."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conscripts import services as conscript_services
from conscripts.models import Evidence, EvidenceKind, Status
from core.models import AuditAction, AuditEntry
from sources import lists
from sources.models import PastedList, PasteMode, PasteState
from tests.factories import ConscriptFactory, UserFactory
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

EXCHANGE = "https://t.me/example_official/2408"


@pytest.fixture
def people():
    return {
        "kr": ConscriptFactory(
            surname="Кречетов", given_name="Тимофей", patronymic="Павлович", birth_year=2005
        ),
        "zy": ConscriptFactory(
            surname="Зябликов", given_name="Кирилл", patronymic="Андреевич", birth_year=2004
        ),
        "la": ConscriptFactory(
            surname="Ладыгин", given_name="Матвей", patronymic="Игоревич", birth_year=2005
        ),
        # Namesakes told apart by the year.
        "me1": ConscriptFactory(
            surname="Мерзляков", given_name="Егор", patronymic="Олегович", birth_year=2003
        ),
        "me2": ConscriptFactory(
            surname="Мерзляков", given_name="Егор", patronymic="Олегович", birth_year=2005
        ),
    }


LIST = """Список военнослужащих, возвращённых из плена 24.08.2024:
1. Кречетов Тимофей Павлович, 2005 г.р.
2. Зяблеков Кирилл Андреевич
3) ЛАДЫГИН Матвей Игоревич 2005

4. Мерзляков Егор Олегович 2005 г.р.
5. Тихомиров Аркадий Львович, 1999 г.р.
"""


def by_line(pasted: PastedList) -> dict[int, dict]:
    return {line["n"]: line for line in pasted.lines}


def test_each_line_gets_its_best_match_its_confidence_and_the_other_candidates(people, researcher):
    pasted = lists.pasted_list_create(text=LIST, user=researcher)
    assert (pasted.mode, pasted.state) == (PasteMode.NAMES, PasteState.DONE)
    lines = by_line(pasted)
    assert lines[1]["skip"]  # the heading is not a name
    assert lines[2]["candidates"][0]["id"] == people["kr"].pk
    assert lines[2]["confidence"] == "high"
    assert lines[3]["candidates"][0]["id"] == people["zy"].pk  # a typo
    assert lines[3]["confidence"] in ("medium", "low")
    assert lines[4]["candidates"][0]["id"] == people["la"].pk  # capitals, «3)»
    # The year tells the namesakes apart; the other one is still offered.
    assert [c["id"] for c in lines[6]["candidates"]][:2] == [people["me2"].pk, people["me1"].pk]
    assert lines[7]["candidates"] == [] and lines[7]["confidence"] == "none"


def test_the_result_downloads_as_csv(people, researcher_client, researcher):
    pasted = lists.pasted_list_create(text=LIST, user=researcher)
    response = researcher_client.get(reverse("sources:list-csv", args=[pasted.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5  # header and one row per name line
    assert rows[1][3] == str(people["kr"].pk) and rows[1][4] == "Кречетов Тимофей Павлович"
    assert rows[5][2] in ("not found", "не найден")
    assert f"#{people['me1'].pk}" in rows[4][9]


def test_hidden_records_are_candidates_for_moderators_only(people, researcher, moderator):
    hidden = people["la"]
    hidden.is_public = False
    hidden.save()
    mine = lists.pasted_list_create(text="Ладыгин Матвей Игоревич", user=researcher)
    assert mine.lines[0]["candidates"] == []
    theirs = lists.pasted_list_create(text="Ладыгин Матвей Игоревич", user=moderator)
    assert theirs.lines[0]["candidates"][0]["id"] == hidden.pk


def test_a_record_hidden_after_matching_leaves_the_researchers_list_but_not_the_moderators(
    people, researcher, moderator, researcher_client
):
    pasted = lists.pasted_list_create(text="Ладыгин Матвей 2005\nКречетов Тимофей", user=researcher)
    assert pasted.lines[0]["candidates"][0]["id"] == people["la"].pk
    conscript_services.conscript_set_public(
        conscript=people["la"], is_public=False, acting_user=moderator, reason="семья просит"
    )
    page = researcher_client.get(reverse("sources:list-detail", args=[pasted.pk]))
    matches = researcher_client.get(reverse("sources:list-csv", args=[pasted.pk]))
    for response in (page, matches):
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "Игоревич" not in text and f"#{people['la'].pk}" not in text
        assert "Кречетов Тимофей Павлович" in text
    seen = lists.pasted_list_get(pk=pasted.pk, user=researcher)
    assert seen.lines[0]["candidates"] == [] and seen.lines[0]["confidence"] == "none"
    theirs = lists.pasted_list_get(pk=pasted.pk, user=moderator)
    assert theirs.lines[0]["candidates"][0]["id"] == people["la"].pk
    assert PastedList.objects.get(pk=pasted.pk).lines[0]["candidates"][0]["id"] == people["la"].pk


def test_a_list_is_seen_by_its_author_and_moderators_only(people, researcher, moderator, client):
    pasted = lists.pasted_list_create(text=LIST, user=researcher)
    url = reverse("sources:list-detail", args=[pasted.pk])
    other = UserFactory(username="other-researcher", groups=["researchers"])
    log_in(client, other)
    assert client.get(url).status_code == 404
    log_in(client, moderator)
    assert client.get(url).status_code == 200
    log_in(client, researcher)
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    # Researchers see the matches, not the confirmation form.
    assert b"confirm-form" not in page.content
    log_in(client, UserFactory(username="nobody"))
    assert client.get(reverse("sources:list-paste")).status_code == 403


def test_an_announcement_is_read_for_its_names(people, researcher):
    text = (
        "В результате переговорного процесса 24 августа 2024 года с территории, "
        "контролируемой киевским режимом, возвращены российские военнослужащие. "
        "Среди них рядовой Кречетов Тимофей Павлович, 2005 года рождения, и "
        "рядовой Зябликов Кирилл Андреевич, которых искали родные."
    )
    pasted = lists.pasted_list_create(text=text, user=researcher)
    assert (pasted.mode, pasted.state) == (PasteMode.ANNOUNCEMENT, PasteState.QUEUED)
    lists.pasted_list_match(list_id=pasted.pk)  # what the extraction worker does
    pasted.refresh_from_db()
    found = {line["candidates"][0]["id"] for line in pasted.lines if line["candidates"]}
    assert found == {people["kr"].pk, people["zy"].pk}


# --- Evidence from confirmed lines ---------------------------------------------------------
def evidence_post(**extra) -> dict:
    return {
        "claimed_status": "returned",
        "kind": "exchange_list",
        "event_date": "24.08.2024",
        "url": EXCHANGE,
        "source_name": "Официальный канал (вымышленный)",
        "source_kind": "telegram",
        "link_public": "on",
        "summary": "Вернулся в ходе обмена 24 августа 2024 года.",
        **extra,
    }


def test_confirmed_lines_become_evidence_after_a_review_step(people, moderator, moderator_client):
    pasted = lists.pasted_list_create(text=LIST, user=moderator)
    index = {line["n"]: i for i, line in enumerate(pasted.lines)}
    picks = {
        "line": [index[2], index[4], index[6]],
        f"pick_{index[2]}": people["kr"].pk,
        f"pick_{index[4]}": people["la"].pk,
        f"pick_{index[6]}": people["me2"].pk,
    }
    url = reverse("sources:list-confirm", args=[pasted.pk])
    review = moderator_client.post(url, {**evidence_post(), **picks, "action": "review"})
    assert review.status_code == 200
    assert review.content.decode().count('data-testid="confirm-line"') == 3
    assert not Evidence.objects.exists()  # nothing is written before the last look

    done = moderator_client.post(url, {**evidence_post(), **picks, "action": "write"})
    assert done.status_code == 302
    for key in ("kr", "la", "me2"):
        person = people[key]
        person.refresh_from_db()
        assert (person.status, person.status_since) == (Status.RETURNED, date(2024, 8, 24))
        evidence = person.evidence.get()
        assert (evidence.kind, evidence.url, evidence.public_url) == (
            EvidenceKind.EXCHANGE_LIST,
            EXCHANGE,
            EXCHANGE,
        )
        assert evidence.added_by == moderator and evidence.source_kind == "telegram"
    people["me1"].refresh_from_db()
    assert people["me1"].status == Status.MISSING  # the namesake is untouched
    entries = AuditEntry.objects.filter(action=AuditAction.LIST_EVIDENCE)
    assert entries.count() == 3 and {e.actor for e in entries} == {moderator}
    assert entries.first().after["list"] == f"pasted-list:{pasted.pk}"
    pasted.refresh_from_db()
    assert pasted.applied[0]["lines"] == [2, 4, 6]
    # Confirming the same lines again adds nothing.
    moderator_client.post(url, {**evidence_post(), **picks, "action": "write"})
    assert Evidence.objects.count() == 3


def test_a_line_may_only_be_given_one_of_its_candidates(people, moderator):
    pasted = lists.pasted_list_create(text=LIST, user=moderator)
    index = {line["n"]: i for i, line in enumerate(pasted.lines)}
    with pytest.raises(ValidationError):
        lists.pasted_list_confirm(
            pasted=pasted,
            moderator=moderator,
            picks=[(index[2], people["zy"].pk)],  # not a candidate of «Кречетов»
            evidence=conscript_services.ListEvidence(),
        )
    assert not Evidence.objects.exists()


def test_only_moderators_confirm(people, researcher, researcher_client):
    pasted = lists.pasted_list_create(text=LIST, user=researcher)
    with pytest.raises(PermissionDenied):
        lists.pasted_list_confirm(
            pasted=pasted,
            moderator=researcher,
            picks=[(1, people["kr"].pk)],
            evidence=conscript_services.ListEvidence(),
        )
    response = researcher_client.post(
        reverse("sources:list-confirm", args=[pasted.pk]),
        {**evidence_post(), "line": [1], "pick_1": people["kr"].pk, "action": "write"},
    )
    assert response.status_code == 403 and not Evidence.objects.exists()


def test_the_paste_page_lists_ones_lists_in_a_constant_number_of_queries(
    people, researcher, researcher_client, django_assert_max_num_queries
):
    lists.pasted_list_create(text="Кречетов Тимофей", user=researcher)
    with django_assert_max_num_queries(12) as few:
        researcher_client.get(reverse("sources:list-paste"))
    for _ in range(5):
        lists.pasted_list_create(text="Зябликов Кирилл", user=researcher)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = researcher_client.get(reverse("sources:list-paste"))
    assert response.content.decode().count("/sources/lists/") >= 6
