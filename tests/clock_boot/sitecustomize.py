"""Put a Python subprocess of a ``pytest --clock`` run on the test's clock (tests/clock.py).

On PYTHONPATH only while that option is given. The subprocess starts at the test's
instant plus the real time since the test began, so its clock agrees with the test's.
"""

import os
import sys


def _travel() -> None:
    value = os.environ.get("CONSCRIPTS_TEST_CLOCK")
    if not value:
        return
    try:
        import time_machine
    except ImportError:  # a Python without it (e.g. Debian's, running docker-compose)
        return
    import time
    from datetime import datetime, timedelta

    instant, started = value.split()
    # Not travelling yet: the real clock, unless the whole run is under faketime, which
    # restarts each process's clock (then the difference can be negative).
    elapsed = max(0.0, time.time() - float(started))
    # Left running for the life of the process; forked children (Celery's pool) inherit it.
    time_machine.travel(datetime.fromisoformat(instant) + timedelta(seconds=elapsed)).start()


def _chain() -> None:
    """Run the sitecustomize this file shadows (e.g. Debian's), as Python would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or os.getcwd(), "sitecustomize.py")
        if os.path.abspath(entry or os.getcwd()) != here and os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as source:
                exec(compile(source.read(), candidate, "exec"), {"__name__": "sitecustomize"})  # noqa: S102
            return


_travel()
_chain()
