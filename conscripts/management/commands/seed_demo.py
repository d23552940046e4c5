"""Fill the database with fictional people, units, evidence and status histories.

Every person comes from ``conscripts.demo_data``; their status and timeline are
derived from their evidence with ``conscripts.status_rules.derive_status``, the
rule the services apply, replayed in the order the evidence was approved, so
the rows look exactly as if each piece had gone through ``evidence_add``.

Rows are written in chunks, each in one transaction with ids reserved up front
(so evidence and status rows name their person without a round trip): COPY on
PostgreSQL, ``bulk_create`` elsewhere. A million people fit.
"""

from __future__ import annotations

import itertools
import operator
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from conscripts import demo_data, search, services, status_rules
from conscripts.models import (
    Conscript,
    DatePrecision,
    Evidence,
    EvidenceKind,
    EvidenceSource,
    MilitaryUnit,
    Region,
    StatusChange,
    evidence_kinds_mask,
)
from conscripts.tallies import tallies_rebuild


def person_extra_columns(person: demo_data.PersonRecord) -> dict[str, object]:
    """Columns computed per person at seed time, beyond what the record holds.

    The one place to fill a precomputed column added to ``Conscript``: return it
    here by field attname. Today these are the name search keys.
    """
    return search.name_keys(
        surname=person.surname, given_name=person.given_name, patronymic=person.patronymic
    )


def demo_source_kind(evidence: demo_data.EvidenceRecord) -> str:
    """Where a demo piece of evidence came from, read off its fictional source's name."""
    if evidence.kind == EvidenceKind.OFFICIAL_STATEMENT:
        return EvidenceSource.RELATIVE  # an official answer a family passed on
    if evidence.kind == EvidenceKind.MEDIA_REPORT or "газета" in evidence.source_name:
        return EvidenceSource.FEED
    if "(группа)" in evidence.source_name:
        return EvidenceSource.VK
    return EvidenceSource.TELEGRAM


# --- Status timeline -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Transition:
    from_status: str
    to_status: str
    since: date | None
    since_precision: str
    because_of: int  # index of the deciding evidence in the person's list
    at: datetime  # when the evidence that caused it was approved


def replay(evidence: Sequence[demo_data.EvidenceRecord]) -> tuple[status_rules.Outcome, list]:
    """The final outcome and the transitions ``evidence_add`` would have recorded.

    Evidence is taken in approval order; after each piece the status is derived
    from everything approved so far and ``status_rules.transition`` says whether a
    change is recorded, as in ``conscripts.services.conscript_recompute_status``.
    """
    order = sorted(range(len(evidence)), key=lambda i: evidence[i].added_at)
    facts: list[status_rules.Fact] = []
    state = status_rules.INITIAL
    outcome = status_rules.derive_status(facts)
    transitions: list[Transition] = []
    for i in order:
        e = evidence[i]
        facts.append(
            services.evidence_fact(
                key=i,
                kind=e.kind,
                claimed_status=e.claimed_status,
                event_date=e.event_date,
                event_precision=DatePrecision.DAY,
                published_at=e.published_at,
                added_at=e.added_at,
            )
        )
        outcome = status_rules.derive_status(facts)
        step = status_rules.transition(state, outcome, recorded=bool(transitions))
        if step is not None:
            transitions.append(
                Transition(
                    from_status=step.from_status,
                    to_status=step.to_status,
                    since=step.since,
                    since_precision=step.since_precision,
                    because_of=step.because_of,
                    at=e.added_at,
                )
            )
        state = status_rules.state_of(outcome)
    return outcome, transitions


# --- Writers ---------------------------------------------------------------------------
class _Table:
    """A model's concrete columns, with the values of columns a loader leaves out."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.name = model._meta.db_table
        # Generated columns (Conscript.in_kursk_window) are the database's to write.
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]

    def defaults(self, now: datetime) -> dict[str, object]:
        """Column values when a loader gives none; required columns are left out."""
        out = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                out[f.attname] = now
                continue
            value = f.get_default()  # "" for blank text, None for nullable columns
            if value is not None or f.null:
                out[f.attname] = value
        return out

    def row_maker(self, now: datetime) -> Callable[[dict[str, object]], tuple]:
        """Turns {attname: value} into a row; a missing required column is an error."""
        defaults = self.defaults(now)
        missing = [a for a in self.attnames if a not in defaults]
        row_of = operator.itemgetter(*self.attnames)

        def make(values: dict[str, object]) -> tuple:
            try:
                return row_of(defaults | values)
            except KeyError as exc:
                raise CommandError(
                    f"seed_demo has no value for {self.name}.{exc.args[0]} "
                    f"(required columns without default: {missing}); "
                    "add it in person_extra_columns or the row builders"
                ) from None

        return make


_BASE_TYPE = re.compile(r"\(.*\)$")  # varchar(100) → varchar


class _PostgresWriter:
    """COPY into the tables, ids taken from their sequences under a table lock."""

    def reserve(self, cursor, table: _Table, count: int) -> int:
        if count == 0:
            return 0
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table.name])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first

    def lock(self, cursor, tables: Sequence[_Table]) -> None:
        # Blocks other writers (not readers) of these tables until the chunk
        # commits, so that nobody draws an id from a block we reserved.
        names = ", ".join(connection.ops.quote_name(t.name) for t in tables)
        cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")

    def write(self, cursor, table: _Table, rows: Iterable[tuple]) -> None:
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        sql = f"COPY {connection.ops.quote_name(table.name)} ({columns}) FROM STDIN"
        # Binary COPY is about twice as fast, but needs each column's type; a
        # column of a type psycopg does not know falls back to text.
        types = [_BASE_TYPE.sub("", f.db_type(connection) or "") for f in table.fields]
        known = all(cursor.connection.adapters.types.get(t) for t in types)
        with cursor.copy(f"{sql} (FORMAT BINARY)" if known else sql) as copy:
            if known:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)


class _BulkCreateWriter:
    """bulk_create in batches (SQLite and other backends)."""

    def reserve(self, cursor, table: _Table, count: int) -> int:
        # The database is locked for writing from the first insert of the chunk
        # on; a seed is not run beside other writers.
        top = table.model.objects.aggregate(top=models.Max("pk"))["top"] or 0
        return top + 1

    def lock(self, cursor, tables: Sequence[_Table]) -> None:
        pass

    def write(self, cursor, table: _Table, rows: Iterable[tuple]) -> None:
        model, attnames = table.model, table.attnames
        objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=500)


# --- The command -----------------------------------------------------------------------
class Command(BaseCommand):
    help = (
        "Fill the database with fictional conscripts, units, evidence and status histories "
        "(conscripts.demo_data). Statuses follow from the evidence as the services derive "
        "them. COPY on PostgreSQL; a million people fit."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--people", type=int, default=300, help="How many (default 300).")
        parser.add_argument(
            "--seed", default="2024", help="Random seed: the same seed, the same people."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any conscript exists (what `make run` uses).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=20_000,
            help="People per transaction (default 20,000).",
        )

    def handle(self, *args, people: int, seed: str, if_empty: bool, chunk_size: int, **options):
        if people < 0 or chunk_size < 1:
            raise CommandError("--people must be 0 or more and --chunk-size at least 1")
        if if_empty and Conscript.objects.exists():
            self.stdout.write("The database already has people; nothing seeded (--if-empty).")
            return
        started = time.perf_counter()
        seed_value: int | str = int(seed) if seed.lstrip("-").isdigit() else seed
        loader = _Loader(
            writer=_PostgresWriter() if connection.vendor == "postgresql" else _BulkCreateWriter()
        )
        loader.prepare()
        with tqdm(
            total=people, unit=" people", file=sys.stderr, disable=None, dynamic_ncols=True
        ) as bar:
            for chunk in _batched(demo_data.people(people, seed_value), chunk_size):
                loader.write_chunk(chunk)
                bar.update(len(chunk))
        loader.finish()
        # The rows went in around the services (COPY): count them into the statistics.
        tallies_rebuild()
        elapsed = time.perf_counter() - started
        counts = loader.counts
        rates = ", ".join(f"{name} {n:,} ({n / elapsed:,.0f}/s)" for name, n in counts.items())
        self.stdout.write(
            f"Seeded {counts['people']:,} fictional people in {elapsed:.1f} s: {rates}."
        )


class _Loader:
    def __init__(self, *, writer) -> None:
        self.writer = writer
        self.people = _Table(Conscript)
        self.evidence = _Table(Evidence)
        self.changes = _Table(StatusChange)
        self.counts = {"people": 0, "evidence": 0, "status changes": 0}

    def prepare(self) -> None:
        self.regions = dict(Region.objects.values_list("name_ru", "pk"))
        self.units = _units_ensure(demo_data.UNITS)

    def write_chunk(self, chunk: Sequence[demo_data.PersonRecord]) -> None:
        now = timezone.now()
        make_person = self.people.row_maker(now)
        make_evidence = self.evidence.row_maker(now)
        make_change = self.changes.row_maker(now)
        stories = [replay(p.evidence) for p in chunk]
        n_evidence = sum(len(p.evidence) for p in chunk)
        n_changes = sum(len(transitions) for _, transitions in stories)
        tables = (self.people, self.evidence, self.changes)
        with transaction.atomic(), connection.cursor() as cursor:
            self.writer.lock(cursor, tables)
            person_id = self.writer.reserve(cursor, self.people, len(chunk))
            evidence_id = self.writer.reserve(cursor, self.evidence, n_evidence)
            change_id = self.writer.reserve(cursor, self.changes, n_changes)
            people_rows, evidence_rows, change_rows = [], [], []
            for person, (outcome, transitions) in zip(chunk, stories, strict=True):
                ev = person.evidence
                values = {
                    "id": person_id,
                    "surname": person.surname,
                    "given_name": person.given_name,
                    "patronymic": person.patronymic,
                    "birth_date": person.birth_date,
                    "birth_year": person.birth_date.year,
                    "home_region_id": self.regions.get(person.region),
                    "unit_id": self.units[person.unit] if person.unit else None,
                    "draft_season": person.draft_season,
                    "draft_year": person.draft_year,
                    "last_contact_date": person.last_contact_date,
                    "last_known_place": person.last_known_place,
                    "status": outcome.status,
                    "status_since": outcome.since,
                    "status_since_precision": outcome.since_precision,
                    "is_disputed": outcome.disputed,
                    "disputed_reason": outcome.reason,
                    "evidence_kinds": evidence_kinds_mask(e.kind for e in ev),
                    "is_public": person.is_public,
                    "created_at": min((e.added_at for e in ev), default=now),
                }
                values.update(person_extra_columns(person))
                people_rows.append(make_person(values))
                for i, e in enumerate(ev):
                    evidence_rows.append(
                        make_evidence(
                            {
                                "id": evidence_id + i,
                                "conscript_id": person_id,
                                "kind": e.kind,
                                "url": e.url,
                                "link_public": e.kind != EvidenceKind.SEARCH_POST,
                                "source_kind": demo_source_kind(e),
                                "source_name": e.source_name,
                                "published_at": e.published_at,
                                "event_date": e.event_date,
                                "claimed_status": e.claimed_status,
                                "summary": e.summary,
                                "added_at": e.added_at,
                            }
                        )
                    )
                for t in transitions:
                    change_rows.append(
                        make_change(
                            {
                                "id": change_id,
                                "conscript_id": person_id,
                                "from_status": t.from_status,
                                "to_status": t.to_status,
                                "effective_date": t.since,
                                "effective_precision": t.since_precision,
                                "changed_at": t.at,
                                "evidence_id": evidence_id + t.because_of,
                            }
                        )
                    )
                    change_id += 1
                person_id += 1
                evidence_id += len(ev)
            self.writer.write(cursor, self.people, people_rows)
            self.writer.write(cursor, self.evidence, evidence_rows)
            self.writer.write(cursor, self.changes, change_rows)
        self.counts["people"] += len(chunk)
        self.counts["evidence"] += n_evidence
        self.counts["status changes"] += n_changes

    def finish(self) -> None:
        search.vocabulary_rebuild()
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the first searches get the right plans.
            with connection.cursor() as cursor:
                for table in (self.people, self.evidence, self.changes):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _units_ensure(units: Sequence[demo_data.Unit]) -> dict[demo_data.Unit, int]:
    """The ids of the demo units, creating those that are missing."""
    numbers = [u.number for u in units if u.number]
    names = [u.name for u in units if not u.number]

    def known() -> tuple[dict[str, int], dict[str, int]]:
        by_number = dict(
            MilitaryUnit.objects.filter(number__in=numbers).values_list("number", "pk")
        )
        by_name = dict(
            MilitaryUnit.objects.filter(number__isnull=True, name__in=names)
            .order_by("pk")
            .values_list("name", "pk")
        )
        return by_number, by_name

    by_number, by_name = known()
    new = [
        MilitaryUnit(number=u.number, name=u.name)
        for u in units
        if (u.number and u.number not in by_number) or (not u.number and u.name not in by_name)
    ]
    if new:
        MilitaryUnit.objects.bulk_create(new, ignore_conflicts=True)
        by_number, by_name = known()
    return {u: by_number[u.number] if u.number else by_name[u.name] for u in units}
