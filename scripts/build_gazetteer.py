"""Build conscripts/data/gazetteer.tsv from two open datasets (run from the repository root).

    .venv/bin/python scripts/build_gazetteer.py [--check]

Sources, committed gzipped under conscripts/data/sources/ so the build needs no network:

- ``hflabs_city.csv.gz``: «Города России» by HFLabs (github.com/hflabs/city, commit
  ae661bf, 2021-10-11), CC BY-SA 4.0: every town with the status of a city, its federal
  subject and population. Towns of over 10,000 people are kept.
- ``oktmo_koo2018_mreg.json.gz``: the OKTMO classifier (ОК 033-2013, Rosstat), as scraped
  from oktmo.ru in April 2019 by github.com/koo2018/oktmoregions (mreg.json, commit
  aedc6ff). Kept: every municipal district and municipal okrug, urban okrugs with an
  adjectival name (Губкинский → «Губкинский городской округ», also said «… район»), and
  the towns and urban-type settlements that are urban settlements of their own (district
  centres such as Глушково, Коренево), whatever their population.

Each district is written as «… район» and «… округ» (districts are being made municipal
okrugs), and in Tuva also «… кожуун», in Yakutia «… улус».

Output: one place a line, ``kind<TAB>name<TAB>region code<TAB>population<TAB>flag``:

- ``kind`` is ``town`` or ``district``; ``name`` the nominative (districts end in «район»,
  «округ» or «городской округ»); ``region`` a ``conscripts.geo`` code.
- ``flag`` is ``capital`` for a regional capital, ``word`` for a town whose name is also
  an everyday word, a surname or a given name to pymorphy3 («Губкин», «Бор», «Зима»,
  «Остров») and is neither a regional capital nor over 100,000 people: ``geo`` resolves it
  only after «г.», «город», «пос.».
- A town name found in several regions is written once per region; ``geo`` resolves it to
  None unless one of them is a regional capital (Киров, Благовещенск), never a coin toss.

``--check`` rebuilds in memory and exits 1 if the committed file differs (a CI test runs it).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pymorphy3  # noqa: E402

from conscripts import geo  # noqa: E402

SOURCES = ROOT / "conscripts/data/sources"
OUTPUT = ROOT / "conscripts/data/gazetteer.tsv"
MIN_POPULATION = 10_000
FREE_POPULATION = 100_000  # a town this big keeps its name even if it is also a word

_morph = pymorphy3.MorphAnalyzer()


def _region_code(text: str) -> str:
    text = re.sub(r"\(.*?\)|/.*?/", " ", text.replace("\xa0", " "))
    region = geo.resolve_region(" ".join(text.split()))
    if region is None:
        raise SystemExit(f"no region for {text!r}")
    return region.code


def _resolves(text: str) -> bool:
    return geo.resolve_region(text) is not None


def _is_word(name: str) -> bool:
    """A one-word name that pymorphy3 knows as something other than a place."""
    if " " in name:
        return False
    lower = name.lower().replace("ё", "е")
    for parse in _morph.parse(lower):
        if not any(m.__class__.__name__ == "DictionaryAnalyzer" for m, *_ in parse.methods_stack):
            continue
        tag = parse.tag
        if "Geox" in tag or "Poss" in tag or parse.score < 0.05:
            continue
        # Only the word itself in the nominative: «Азов» is also the genitive plural of
        # «азы», which no one would read into «из Азова».
        if tag.POS in {"NOUN", "ADJF"} and tag.case == "nomn" and tag.number != "plur":
            return True
        if tag.POS in {"ADJS", "VERB", "INFN", "ADVB", "NUMR"}:
            return True
    return False


def towns_from_cities() -> list[tuple[str, str, int, bool]]:
    """(name, region code, population, regional capital) of cities over MIN_POPULATION."""
    raw = gzip.decompress((SOURCES / "hflabs_city.csv.gz").read_bytes()).decode("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(raw)):
        name = row["city"] or row["address"].rpartition("г ")[2]
        if not name or not row["population"] or row["region_type"] == "г":
            continue  # Moscow, St Petersburg and Sevastopol are regions of their own
        population = int(row["population"])
        if population <= MIN_POPULATION:
            continue
        region_type = {"Аобл": "АО", "Чувашия": ""}.get(row["region_type"], row["region_type"])
        region = row["region"]
        candidates = [f"{region} {region_type}", f"Республика {region}", f"{region} Республика"]
        if region_type not in {"обл", "край", "АО", "Респ"}:
            candidates.insert(0, region)
        region = next((c for c in candidates if _resolves(c)), region)
        out.append((name, _region_code(region), population, row["capital_marker"] == "2"))
    return out


_HEADER = re.compile(
    r"^Муниципальные (?:образования|районы и городские округа)\s+(?P<region>.+?)/?$"
)
_DISTRICT = re.compile(r"^(?P<head>.+?)\s+муниципальный\s+(?P<kind>район|округ)$")
_ADJECTIVE = re.compile(r"^[А-ЯЁ][а-яё-]+(?:ий|ый|ой)$")
_SETTLEMENT = re.compile(
    r"^(?:город|рабочий поселок|поселок городского типа|поселок|курортный поселок)\s+"
    r"(?P<name>[А-ЯЁ][а-яё-]+(?:[ -][А-ЯЁ][а-яё-]+)*)$"
)


def from_oktmo() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(district name, region code) and (settlement name, region code) from OKTMO."""
    raw = gzip.decompress((SOURCES / "oktmo_koo2018_mreg.json.gz").read_bytes())
    entries = {key[:8]: " ".join(value.split()) for key, value in json.loads(raw).items()}
    regions: dict[str, str] = {}
    for code, name in entries.items():
        header = _HEADER.match(name)
        if header and (code[2:] == "000000" or code[3:] == "00000"):
            # Autonomous okrugs inside another region have a header of their own:
            # 11800000 Ненецкий, 71800000 Ханты-Мансийский, 71900000 Ямало-Ненецкий.
            prefix = code[:2] if code[2:] == "000000" else code[:3]
            regions[prefix] = _region_code(header.group("region"))

    def region_of(code: str) -> str:
        return regions.get(code[:3]) or regions[code[:2]]

    districts: list[tuple[str, str]] = []
    settlements: list[tuple[str, str]] = []
    for code, name in sorted(entries.items()):
        district = _DISTRICT.match(name)
        if district:
            # «Анабарский национальный (долгано-эвенкийский)» → «Анабарский национальный»
            head = re.sub(r"\s*\(.*?\)", "", district.group("head"))
            region = region_of(code)
            # Districts are being made municipal okrugs, and an okrug is still called a
            # district in speech: both names for each. Tuva's districts are кожууны and
            # Yakutia's улусы in speech and in their own administrations' posts.
            districts += [(f"{head} район", region), (f"{head} округ", region)]
            if region == "TY":
                districts.append((f"{head} кожуун", region))
            if region == "SA":
                districts.append((f"{head} улус", region))
            continue
        parent = entries.get(code[:6] + "00", "")
        if code[2] == "7" and code[5:] == "000" and _ADJECTIVE.match(name):
            # An adjectival urban okrug was a district until recently («Шебекинский»).
            districts.append((f"{name} городской округ", region_of(code)))
            districts.append((f"{name} район", region_of(code)))
            continue
        settlement = _SETTLEMENT.match(name)
        urban_settlement = parent.startswith("Городские поселения") or code[2] == "7"
        if settlement and urban_settlement and code[5:] != "000":
            settlements.append((settlement.group("name"), region_of(code)))
    return districts, settlements


def build() -> str:
    towns: dict[tuple[str, str], tuple[int, bool]] = {}
    for name, region, population, capital in towns_from_cities():
        old = towns.get((name, region), (0, False))
        towns[(name, region)] = (max(old[0], population), old[1] or capital)
    districts, settlements = from_oktmo()
    for name, region in settlements:
        towns.setdefault((name, region), (0, False))
    lines = []
    for (name, region), (population, capital) in sorted(towns.items()):
        if capital:
            flag = "capital"
        elif population < FREE_POPULATION and _is_word(name):
            flag = "word"
        else:
            flag = ""
        lines.append(f"town\t{name}\t{region}\t{population or ''}\t{flag}")
    for name, region in sorted(set(districts)):
        lines.append(f"district\t{name}\t{region}\t\t")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    text = build()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is stale: run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    kinds = [line.split("\t")[0] for line in text.splitlines()]
    print(f"{OUTPUT}: {kinds.count('town')} towns, {kinds.count('district')} districts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
