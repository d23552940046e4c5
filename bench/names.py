"""Benchmark conscripts.names: throughput and nominative accuracy.

Run: .venv/bin/python bench/names.py [--n 2000] [--seed 7] [--throughput 200000]

Accuracy: known-good nominative names (both genders) are declined into all six cases with
pymorphy3's own ``inflect``, in surname-first and given-name-first order, and
``to_nominative`` must give the original back exactly.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conscripts import names

SURNAMES = """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Федоров
Морозов Волков Алексеев Лебедев Семенов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьев Борисов Яковлев Григорьев Романов Воробьев Сергеев
Кузьмин Фролов Александров Дмитриев Королев Гусев Киселев Ильин Максимов Поляков Сорокин
Виноградов Ковалев Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов
Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов
Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин
Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышев Быков Маслов
Родионов Коновалов Лазарев Воронин Климов Филатов Пономарев Голубев Кудрявцев Прохоров Наумов
Потапов Журавлев Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов
Никифоров Грачев Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев
Акимов Кондратьев Бирюков Горбунов Анисимов Еремин Тихомиров Галкин Лукьянов Михеев Скворцов
Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов
Аксенов Софронов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков
Сафонов Плотников Демин Хохлов Жданов Носков Рябов Блинов Шубин Хабибуллин Мухаметшин
Ахметов Галиев Садыков Шевцов Лапин Ляпин Уткин Ершов Пестов Рыжов Зуев Глебов Шестаков
Черных Белых Бондаренко Шевченко Коваленко Кравченко Ткаченко Шевчук Мельничук Кох Цой Ким
Седых Гладких Долгих Зубрицкий Покровский Вишневский Островский Троицкий Успенский Толстой
Луговой Крутой Берестовой Римский-Корсаков Бонч-Бруевич Ли Гусь Дрозд Соловей Воробей""".split()  # noqa: SIM905 - a word list reads better as text

MALE = """Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артем Богдан Борис Вадим
Валентин Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий Георгий
Глеб Григорий Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Лев Леонид
Максим Марат Матвей Михаил Никита Николай Олег Павел Петр Роман Руслан Семен Сергей
Станислав Степан Тимофей Тимур Федор Эдуард Юрий Ярослав Ринат Ильдар Фома Савва Лука""".split()  # noqa: SIM905 - a word list reads better as text

FEMALE = """Александра Алена Алина Анастасия Ангелина Анна Валентина Валерия Вера Виктория Галина
Дарья Диана Евгения Екатерина Елена Елизавета Жанна Зоя Инна Ирина Кристина Ксения Лариса
Лидия Любовь Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Светлана
Софья Тамара Татьяна Ульяна Юлия Яна Гульнара Эльвира Ассоль""".split()  # noqa: SIM905 - a word list reads better as text

PATRONYMICS_M = """Александрович Алексеевич Анатольевич Андреевич Борисович Вадимович Валерьевич
Васильевич Викторович Витальевич Владимирович Геннадьевич Георгиевич Григорьевич Дмитриевич
Евгеньевич Иванович Игоревич Ильич Кириллович Константинович Леонидович Максимович Михайлович
Николаевич Олегович Павлович Петрович Романович Сергеевич Станиславович Степанович Федорович
Юрьевич Ярославович Маратович Рустамович Никитич Кузьмич Фомич Лукич""".split()  # noqa: SIM905 - a word list reads better as text

PATRONYMICS_F = """Александровна Алексеевна Анатольевна Андреевна Борисовна Вадимовна Валерьевна
Васильевна Викторовна Витальевна Владимировна Геннадьевна Георгиевна Григорьевна Дмитриевна
Евгеньевна Ивановна Игоревна Ильинична Кирилловна Константиновна Леонидовна Максимовна
Михайловна Николаевна Олеговна Павловна Петровна Романовна Сергеевна Станиславовна Степановна
Федоровна Юрьевна Ярославовна Маратовна Никитична Кузьминична Фоминична Лукинична""".split()  # noqa: SIM905 - a word list reads better as text

# Not used while tuning the transliteration rules: an honest check of them.
HELD_OUT = """Голованов Шапошников Черемисин Хрущев Дьяченко Ященко Цыганков Чижов Щукин Жилин
Юсупов Яхин Ежиков Хлебников Зыков Шишкин Чайковский Гарифуллин Нуриев Валиев Зиганшин
Шайхутдинов Джабаров Дзюба Ляхов Тюрин Вьюгин Подъячев Завьялов Соловьёв Артемьев Ильюшин
Лукьяненко Пьянков Бельский Козьмин Объедков Мещеряков Хайруллин Цапко Чечевицын Шувалов
Жеребцов Съедин Юшков Яшин Евдокимов Эминов Ёлкина Хвостов Щеглов Добрынин Кочетков
Ярослав Всеволод Святослав Елисей Вениамин Филипп Захар Ефим Прохор Матвей Фёдор Савелий
Всеволодович Святославовна Елисеевич Вениаминович Захарович Ефимовна Прохорович""".split()  # noqa: SIM905 - a word list reads better as text

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


def _parse_as(word: str, grammeme: str, gender: str | None = None):
    for p in names._parses(word.lower()):
        tag = p.tag
        gender_fits = gender is None or tag.gender == gender or "Fixd" in tag
        if grammeme in tag and tag.case == "nomn" and "sing" in tag and gender_fits:
            return p
    return None


def _decline(word: str, grammeme: str, case: str, gender: str) -> str | None:
    """Decline one nominative name part with pymorphy3; None when it cannot."""
    parts = word.split("-")
    out = []
    for part in parts:
        p = _parse_as(part, grammeme, gender if grammeme != "Name" else None)
        if p is None:
            return None
        if "Fixd" in p.tag:
            out.append(part.lower())
            continue
        wanted = {case, "sing"} | ({gender} if grammeme != "Name" else set())
        form = p.inflect(wanted)
        if form is None:
            return None
        out.append(form.word)
    return names.clean("-".join(out))


def _female_surname(surname: str) -> str | None:
    return _decline(surname, "Surn", "nomn", "femn")


def generate(n: int, rng: random.Random) -> list[tuple[str, names.NameParts]]:
    """Declined full names (and a share of two-part names) with their nominative."""
    out: list[tuple[str, names.NameParts]] = []
    while len(out) < n:
        female = rng.random() < 0.35
        surname = rng.choice(SURNAMES)
        if female:
            surname = _female_surname(surname)
            if surname is None:
                continue
            given, patr, gender = rng.choice(FEMALE), rng.choice(PATRONYMICS_F), "femn"
        else:
            given, patr, gender = rng.choice(MALE), rng.choice(PATRONYMICS_M), "masc"
        with_patronymic = rng.random() < 0.7
        expected = names.NameParts(surname, given, patr if with_patronymic else "")
        for case in CASES:
            s = _decline(surname, "Surn", case, gender)
            g = _decline(given, "Name", case, gender)
            p = _decline(patr, "Patr", case, gender) if with_patronymic else ""
            if s is None or g is None or p is None:
                continue
            words = [s, g, p] if with_patronymic else [s, g]
            if rng.random() < 0.3:  # given-name-first order
                words = [g, p, s] if with_patronymic else [g, s]
            if rng.random() < 0.2:
                words = [w.upper() for w in words]
            out.append((" ".join(w for w in words if w), expected))
    return out[:n]


def accuracy(samples: list[tuple[str, names.NameParts]], show: int = 15) -> float:
    wrong: Counter[str] = Counter()
    ok = 0
    for text, expected in samples:
        got = names.to_nominative(text.split())
        if got == expected:
            ok += 1
        elif len(wrong) < show:
            wrong[f"{text!r}: got {got}, expected {expected}"] += 1
    for line in wrong:
        print("   miss:", line)
    return ok / len(samples)


def throughput(label: str, fn, items: list, *, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            fn(item)
    elapsed = time.perf_counter() - start
    rate = len(items) * repeat / elapsed
    print(f"{label:48} {rate:>12,.0f} /s")
    return rate


def _clear_caches() -> None:
    for fn in (names.clean, names._cyrillic_skeleton, names._readings, names._parses):
        fn.cache_clear()


def bench_throughput(rng: random.Random, n: int = 200_000) -> None:
    """Unique full names with cold caches (worst case), then a realistic repeat-heavy mix."""
    male = [(s, g, p) for s in SURNAMES for g in MALE for p in PATRONYMICS_M]
    rng.shuffle(male)
    unique = [" ".join(parts) for parts in male[:n]]
    shouted = [u.upper() for u in unique[: n // 4]]
    # A seed draws from pools, so the same words recur: what the caches are for.
    repeated = [" ".join(rng.choice(male)) for _ in range(n)]
    latin_pool = sorted({sp for name in SURNAMES[:80] for sp in names.latin_spellings(name)})
    declined = [text for text, _ in generate(min(3000, n), rng)]

    print("throughput (one core):")
    _clear_caches()
    throughput("clean, unique full names, cold cache", names.clean, unique)
    throughput("clean, ALL CAPS full names, cold cache", names.clean, shouted)
    _clear_caches()
    throughput("skeleton, unique Cyrillic full names, cold", names.skeleton, unique)
    _clear_caches()
    throughput("skeleton, seed-like Cyrillic full names", names.skeleton, repeated)
    throughput("skeleton, same again (warm cache)", names.skeleton, repeated)
    names._latin_word_readings.cache_clear()
    names._ranked_latin_word_costs.cache_clear()
    throughput("skeletons, Latin surnames (all schemes), cold", names.skeletons, latin_pool)
    _clear_caches()
    throughput(
        "to_nominative, declined full names, cold",
        lambda t: names.to_nominative(t.split()),
        declined,
    )
    throughput(
        "to_nominative, same again (warm)", lambda t: names.to_nominative(t.split()), declined
    )
    throughput(
        "parse_query", names.parse_query, [f"ищем {t} 2004 г.р. в/ч 12345" for t in declined]
    )


def bench_transliteration(corpus: list[str], label: str) -> None:
    """Do all romanisations of a name reach its stored key? Do distinct names stay apart?"""
    pairs = in_set = single = 0
    misses: list[str] = []
    key_counts: list[int] = []
    for name in corpus:
        key = names.skeleton(name)
        for spelling in sorted(names.latin_spellings(name)):
            pairs += 1
            keys = names.skeletons(spelling)
            key_counts.append(len(keys))
            if key in keys:
                in_set += 1
            elif len(misses) < 12:
                misses.append(f"{name} ← {spelling}: {sorted(keys)} (want {key})")
            single += names.skeleton(spelling) == key
    print(f"transliteration, {label}: {len(corpus)} names, {pairs} (name, spelling) pairs")
    print(f"   stored key among skeletons(latin): {in_set / pairs:.4f}")
    print(f"   skeleton(latin) == stored key:     {single / pairs:.4f}")
    mean = sum(key_counts) / len(key_counts)
    print(f"   keys per Latin word: mean {mean:.2f}, max {max(key_counts)}")
    for line in misses:
        print("   miss:", line)
    by_key: dict[str, list[str]] = {}
    for name in corpus:
        by_key.setdefault(names.skeleton(name), []).append(name)
    shared = {k: v for k, v in by_key.items() if len(v) > 1}
    print(f"   distinct names {len(corpus)}, distinct keys {len(by_key)}; shared keys: {shared}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--throughput", type=int, default=200_000, help="names per throughput run")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    samples = generate(args.n, rng)
    print(f"nominative accuracy on {len(samples)} declined names:")
    acc = accuracy(samples)
    print(f"   to_nominative accuracy: {acc:.4f}")
    tuned = sorted(set(SURNAMES + MALE + FEMALE + PATRONYMICS_M + PATRONYMICS_F))
    bench_transliteration(tuned, "tuning set")
    bench_transliteration(HELD_OUT, "held-out set")
    bench_throughput(rng, args.throughput)


if __name__ == "__main__":
    main()
