"""The fictional people generator (plain Python, no database)."""

from collections import Counter, defaultdict
from datetime import date

import pytest

from conscripts import demo_data, geo, services, status_rules
from conscripts.demo_data import feminine_surname, patronymic


@pytest.fixture(scope="module")
def roster():
    return list(demo_data.people(20_000, seed=2024))


def _facts(person):
    return [
        services.evidence_fact(
            key=i,
            kind=e.kind,
            claimed_status=e.claimed_status,
            event_date=e.event_date,
            event_precision="day",
            published_at=e.published_at,
            added_at=e.added_at,
        )
        for i, e in enumerate(person.evidence)
    ]


def test_the_same_seed_gives_the_same_people():
    assert list(demo_data.people(500, seed=7)) == list(demo_data.people(500, seed=7))


def test_another_seed_gives_other_people():
    first = [p.full_name for p in demo_data.people(200, seed=1)]
    second = [p.full_name for p in demo_data.people(200, seed=2)]
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 5


def test_a_short_run_is_the_start_of_a_longer_one():
    assert list(demo_data.people(37, seed=3)) == list(demo_data.people(3000, seed=3))[:37]


def test_it_yields_exactly_n_people_numbered_from_zero():
    people = list(demo_data.people(1500, seed=4))
    assert [p.index for p in people] == list(range(1500))
    assert list(demo_data.people(0)) == []


@pytest.mark.parametrize(
    ("father", "expected"),
    [
        ("Сергей", "Сергеевич"),
        ("Андрей", "Андреевич"),
        ("Николай", "Николаевич"),
        ("Иван", "Иванович"),
        ("Петр", "Петрович"),
        ("Павел", "Павлович"),
        ("Лев", "Львович"),
        ("Михаил", "Михайлович"),
        ("Илья", "Ильич"),
        ("Никита", "Никитич"),
        ("Кузьма", "Кузьмич"),
        ("Фома", "Фомич"),
        ("Лука", "Лукич"),
        ("Савва", "Саввич"),
        ("Юрий", "Юрьевич"),
        ("Василий", "Васильевич"),
        ("Аркадий", "Аркадьевич"),
        ("Анатолий", "Анатольевич"),
        ("Евгений", "Евгеньевич"),
        ("Дмитрий", "Дмитриевич"),
        ("Георгий", "Георгиевич"),
        ("Игорь", "Игоревич"),
        ("Яков", "Яковлевич"),
        ("Данила", "Данилович"),
        ("Гаджи", "Гаджиевич"),
    ],
)
def test_patronymics_follow_the_russian_rules(father, expected):
    assert patronymic(father) == expected


@pytest.mark.parametrize(
    ("male", "female"),
    [
        ("Иванов", "Иванова"),
        ("Соловьев", "Соловьева"),
        ("Ильин", "Ильина"),
        ("Вишневский", "Вишневская"),
        ("Толстой", "Толстая"),
        ("Шевченко", "Шевченко"),
        ("Черных", "Черных"),
    ],
)
def test_a_surname_has_its_female_form(male, female):
    assert feminine_surname(male) == female


def test_names_are_male_cyrillic_and_written_with_e_not_yo(roster):
    for p in roster[:5000]:
        for part in (p.surname, p.given_name, p.patronymic):
            assert part and part[0].isupper() and "ё" not in part.lower(), p
            assert all("А" <= ch <= "я" or ch == "-" for ch in part), p
        assert p.patronymic.endswith(("ич", "вич")), p


def test_common_names_are_common_and_the_tail_is_long(roster):
    surnames = Counter(p.surname for p in roster)
    given = Counter(p.given_name for p in roster)
    assert len(surnames) > 1500
    assert given.most_common(1)[0][0] == "Александр"
    assert {"Смирнов", "Иванов", "Кузнецов"} & {s for s, _ in surnames.most_common(10)}


def test_some_people_share_a_full_name_and_differ_by_birth_year(roster):
    years = defaultdict(set)
    counts = Counter()
    for p in roster:
        years[p.full_name].add(p.birth_year)
        counts[p.full_name] += 1
    sharing = sum(n for n in counts.values() if n > 1) / len(roster)
    assert 0.01 <= sharing <= 0.06
    namesakes_by_year = sum(1 for name, n in counts.items() if n > 1 and len(years[name]) > 1)
    assert namesakes_by_year >= 0.005 * len(roster)


def test_conscripts_are_18_to_30_in_2024_and_mostly_born_2003_to_2006(roster):
    years = Counter(p.birth_year for p in roster)
    assert min(years) >= 1994 and max(years) <= 2006
    assert sum(years[y] for y in range(2003, 2007)) / len(roster) > 0.8


def test_each_was_18_by_the_end_of_his_draft_and_lost_contact_in_august_to_december_2024(
    roster,
):
    for p in roster:
        end = (
            date(p.draft_year, 7, 15) if p.draft_season == "spring" else date(p.draft_year, 12, 31)
        )
        assert (p.birth_year + 18, p.birth_date.month, p.birth_date.day) <= (
            end.year,
            end.month,
            end.day,
        ), p
        assert date(2024, 8, 6) <= p.last_contact_date <= date(2024, 12, 31)
        assert p.draft_season in ("spring", "autumn")


def test_evidence_is_dated_in_order_and_published_after_the_event(roster):
    kinds = Counter()
    for p in roster:
        assert p.evidence
        dated = [e.event_date for e in p.evidence if e.event_date]
        assert dated == sorted(dated), p
        for e in p.evidence:
            kinds[e.kind] += 1
            assert e.published_at.date() >= (e.event_date or date.min)
            assert e.added_at > e.published_at
            assert e.url.startswith("https://example.invalid/")
            assert e.source_name and e.summary
    assert set(kinds) == {
        "search_post",
        "prisoner_video",
        "exchange_list",
        "death_notice",
        "official",
        "media_report",
    }


def test_the_stories_lead_to_every_status_and_to_a_few_disputed_ones(roster):
    outcomes = [status_rules.derive_status(_facts(p)) for p in roster]
    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) == {"missing", "captured", "dead", "returned"}
    assert statuses["missing"] > statuses["captured"] > 0
    assert 0 < sum(o.disputed for o in outcomes) < 0.05 * len(roster)


def test_home_regions_are_geo_regions_with_border_regions_most_frequent(roster):
    names = {r.name_ru for r in geo.REGIONS}
    regions = Counter(p.region for p in roster)
    assert set(regions) - {None} <= names
    top = [r for r, _ in regions.most_common(4)]
    assert "Курская область" in top and "Белгородская область" in top
    assert 0 < regions[None] < 0.06 * len(roster)


def test_every_weighted_region_and_local_name_list_resolves_in_geo():
    for text in [*demo_data.REGION_WEIGHTS, *(entry[0] for entry in demo_data._LOCAL_NAMES)]:
        assert geo.resolve_region(text) is not None, text


def test_units_are_about_150_with_five_digit_numbers_some_named(roster):
    numbered = [u for u in demo_data.UNITS if u.number]
    assert 140 <= len(numbered) <= 160
    assert all(len(u.number) == 5 and u.number.isdigit() for u in numbered)
    assert len({u.number for u in numbered}) == len(numbered)
    assert any(u.name.endswith("мотострелковый полк") for u in demo_data.UNITS)
    assert all(u.name for u in demo_data.UNITS if not u.number)
    assert len({p.unit for p in roster if p.unit}) > 100


def test_a_few_records_are_hidden(roster):
    hidden = sum(not p.is_public for p in roster)
    assert 0 < hidden < 0.03 * len(roster)
