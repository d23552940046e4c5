"""python manage.py ingest PATH --kind telegram|vk|rss|csv [--source NAME] [--sync]"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sources import adapters, services
from sources.models import SourceKind

_KINDS = [SourceKind.TELEGRAM, SourceKind.VK, SourceKind.RSS, SourceKind.CSV]


class Command(BaseCommand):
    help = (
        "Read a Telegram export, VK wall.get JSON, RSS/Atom feed or CSV file into a source, "
        "then extract its new posts into reports. CSV columns: "
        + ",".join(adapters.CSV_HEADER)
        + ", in any order, in any common encoding and delimiter, also named in Russian "
        "(№, Дата, Автор, Ссылка, Текст) or otherwise; the command says which it used."
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
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, kind, source, base_url, sync, no_progress, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        name = source or file.stem
        src = services.source_get_or_create(name=name, kind=kind, location=str(file.resolve()))
        if base_url and src.base_url != base_url:
            src.base_url = base_url
            src.save(update_fields=["base_url"])
        in_process = sync or settings.CELERY_TASK_ALWAYS_EAGER
        try:
            result = services.source_ingest_file(source=src, path=file, enqueue=not in_process)
        except adapters.SourceFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        stats = result.stats
        if result.columns:
            used = ", ".join(f"{name} ← «{header}»" for name, header in result.columns.items())
            self.stdout.write(f"columns used: {used}")
            if result.ignored:
                ignored = ", ".join(f"«{h}»" for h in result.ignored)
                self.stdout.write(f"columns not used: {ignored}")
        if in_process:
            from tqdm import tqdm

            from sources.extraction import load_models

            load_models()
            regions = services._regions()
            for item_id in tqdm(
                result.new_item_ids,
                desc="extracting",
                unit="post",
                disable=no_progress or not result.new_item_ids,
                file=self.stderr,
            ):
                stats.reports_created += services.item_extract(item_id=item_id, regions=regions)
            services.source_record_run(source=src, stats=stats)
            self.stdout.write(stats.summary())
        else:
            self.stdout.write(stats.summary())
            self.stdout.write(
                f"{len(result.new_item_ids)} posts enqueued for extraction by the workers "
                "(reports appear as they finish; use --sync to extract here)."
            )
