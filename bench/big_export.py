"""Peak memory of `manage.py ingest` on a big Telegram export, before and after streaming.

    .venv/bin/python bench/big_export.py [--mb 200] [--before /work/main]

Writes a fictional Telegram Desktop export of about ``--mb`` megabytes
(tests/exports.py), then for each checkout (``--before``, if given, and this one)
creates a scratch PostgreSQL database, migrates it with that checkout's code and runs
`manage.py ingest FILE --kind telegram` from it with a broker configured (Redis
database 15 of REDIS_URL's server, emptied before and after), so the command parses,
stores and queues every post, as in production, without extracting. Prints the peak
RSS of the command (ru_maxrss), its time, the posts stored, and the ratio of peak RSS
to the file's size. DEBUG is off (Django keeps no query log).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scratch  # noqa: E402  (bench/scratch.py)

from tests.exports import write_telegram_export  # noqa: E402


def broker_url() -> str:
    if os.environ.get("BENCH_REDIS_URL"):  # a database of one's own (it is emptied)
        return os.environ["BENCH_REDIS_URL"]
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return urlunsplit(urlsplit(base)._replace(path="/15"))


def flush_broker() -> None:
    import redis

    redis.Redis.from_url(broker_url()).flushdb()


def measured(command: list[str], *, cwd: Path, env: dict) -> tuple[int, float, str]:
    """Run ``command`` in a child of a fresh wrapper process; (peak RSS kB, seconds, out)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(done.stdout + done.stderr[-2000:])\n"
        "print(f'@@ {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} "
        "{time.monotonic() - t:.1f} {done.returncode}')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    marker = out.rsplit("@@ ", 1)[1].split()
    if marker[2] != "0":
        raise SystemExit(f"ingest failed in {cwd}:\n{out}")
    return int(marker[0]), float(marker[1]), out


def run(checkout: Path, export: Path, label: str) -> dict:
    database = f"bench_big_export_{label}"
    scratch.create_database(database)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"{scratch.PG_URL}/{database}",
        "REDIS_URL": broker_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "OPENBLAS_NUM_THREADS": "1",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    try:
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=checkout, env=env, check=True
        )
        flush_broker()
        peak_kb, seconds, out = measured(
            [python, "manage.py", "ingest", str(export), "--kind", "telegram", "--no-progress"],
            cwd=checkout,
            env=env,
        )
    finally:
        flush_broker()
        scratch.drop_database(database)
    summary = next((line for line in out.splitlines() if line.startswith("read ")), out[:200])
    return {"label": label, "peak_mb": peak_kb / 1024, "seconds": seconds, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the export (default 200)")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    args = parser.parse_args()
    print(f"$ .venv/bin/python bench/big_export.py --mb {args.mb}", end="")
    print(f" --before {args.before}" if args.before else "")
    print("load average:", Path("/proc/loadavg").read_text().strip())
    with tempfile.TemporaryDirectory() as directory:
        export = Path(directory) / "result.json"
        count = write_telegram_export(export, target_bytes=args.mb * 1024 * 1024)
        size_mb = export.stat().st_size / 1024 / 1024
        print(f"export: {size_mb:.0f} MB, {count:,} messages (fictional)")
        runs = []
        if args.before:
            runs.append(run(args.before, export, "before"))
        runs.append(run(ROOT, export, "after"))
    for r in runs:
        print(
            f"{r['label']:>6}: peak RSS {r['peak_mb']:,.0f} MB "
            f"({r['peak_mb'] / size_mb:.2f}x the file), {r['seconds']:.0f} s; {r['summary']}"
        )
    if len(runs) == 2:
        print(f"peak RSS after / before: {runs[1]['peak_mb'] / runs[0]['peak_mb']:.3f}")


if __name__ == "__main__":
    main()
