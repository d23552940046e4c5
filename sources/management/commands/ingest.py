"""python manage.py ingest PATH --kind telegram|vk|rss|csv [--source NAME] [--sync] [--items]"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.outbox import relay_interval
from sources import adapters, services
from sources.models import SourceKind

_KINDS = [SourceKind.TELEGRAM, SourceKind.VK, SourceKind.RSS, SourceKind.CSV]
#: Failed and conflicting posts listed one per line; more are counted.
_LISTED = 100


class Command(BaseCommand):
    help = (
        "Read a Telegram export, VK wall.get JSON, RSS/Atom feed or CSV file into a source, "
        "then extract its new posts into reports. CSV header: "
        + ",".join(adapters.CSV_HEADER)
        + ", in any order, in any common encoding and delimiter, also named in Russian "
        "(№, Дата, Автор, Ссылка, Текст) or otherwise; the command says which it used. "
        "Prints what was stored, what was there already, what conflicted or failed "
        "(with the reason) and what was queued for extraction. Exit status 1 when "
        "reading stopped before the end (the posts before it are stored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to read")
        parser.add_argument("--kind", required=True, choices=[str(k) for k in _KINDS])
        parser.add_argument("--source", help="source name (default: the file name)")
        parser.add_argument(
            "--base-url", default="", help="Telegram: https://t.me/<channel>, to link posts"
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="extract in this process even when a broker is configured",
        )
        parser.add_argument(
            "--items",
            action="store_true",
            help="print what became of every post, one JSON line each",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, kind, source, base_url, sync, items, no_progress, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        name = source or file.stem
        src = services.source_get_or_create(name=name, kind=kind, location=str(file.resolve()))
        if base_url and src.base_url != base_url:
            src.base_url = base_url
            src.save(update_fields=["base_url"])
        in_process = sync or settings.CELERY_TASK_ALWAYS_EAGER
        interrupted = None
        try:
            result = services.source_ingest_file(
                source=src,
                path=file,
                enqueue=not in_process,
                results="all" if items else "problems",
            )
        except adapters.SourceFormatError as exc:
            raise CommandError(f"{path}: {exc}; nothing was stored") from None
        except services.IngestInterrupted as exc:
            result, interrupted = exc.result, exc
        stats = result.stats
        if result.columns:
            used = ", ".join(f"{name} ← «{header}»" for name, header in result.columns.items())
            self.stdout.write(f"columns used: {used}")
            if result.ignored:
                ignored = ", ".join(f"«{h}»" for h in result.ignored)
                self.stdout.write(f"columns not used: {ignored}")
        if in_process and interrupted is None:
            self._extract_here(result, no_progress=no_progress)
            services.source_record_run(source=src, stats=stats, error=stats.interrupted)
        self._report(result, file=file, items=items, in_process=in_process)
        if stats.interrupted:
            raise CommandError(
                f"{file.name}: reading stopped after {stats.read} posts: {stats.interrupted}. "
                "The posts before it are stored (and queued); run the command again to "
                "store the rest: posts already stored are skipped."
            )

    def _extract_here(self, result: services.StoreResult, *, no_progress: bool) -> None:
        from tqdm import tqdm

        from sources.extraction import load_models

        if not result.new_item_ids:
            return
        load_models()
        regions = services._regions()
        for item_id in tqdm(
            result.new_item_ids,
            desc="extracting",
            unit="post",
            disable=no_progress,
            file=self.stderr,
        ):
            result.stats.reports_created += services.item_extract(item_id=item_id, regions=regions)

    def _report(
        self, result: services.StoreResult, *, file: Path, items: bool, in_process: bool
    ) -> None:
        stats = result.stats
        self.stdout.write(stats.summary())
        for warning in stats.warnings:
            self.stdout.write(f"warning: {warning}")
        if items:
            for item in result.items:
                self.stdout.write(json.dumps(item.as_dict(), ensure_ascii=False))
        else:
            bad = result.bad
            for item in bad[:_LISTED]:
                self.stdout.write(
                    f"{item.result}: post #{item.index} (id {item.external_id}): {item.reason}"
                )
            if len(bad) > _LISTED:
                self.stdout.write(f"… and {len(bad) - _LISTED} more (--items lists them all)")
        if in_process:
            return
        if stats.waiting:
            self.stdout.write(
                f"{stats.queued} posts queued for extraction; {stats.waiting} of them wait for "
                f"the broker (sent within {relay_interval():.0f} s once it answers)."
            )
        else:
            self.stdout.write(
                f"{stats.queued} posts queued for extraction and sent to the workers "
                "(reports appear as they finish; use --sync to extract here)."
            )
