"""PostgreSQL backend that creates test databases with a UTF-8 ``LC_CTYPE``.

pg_trgm extracts no trigrams from Cyrillic text when the database's
``LC_CTYPE`` is ``C``, and ``lower()`` leaves Cyrillic unchanged, so name
search would silently find nothing. A cluster initialised with ``C`` as its
default would give a test database exactly that; this backend asks for
``C.UTF-8`` explicitly. Production databases are created by their operator
(docker-compose's postgres image defaults to a UTF-8 locale).
"""

from django.db.backends.postgresql import base
from django.db.backends.postgresql.creation import DatabaseCreation as BaseCreation


class DatabaseCreation(BaseCreation):
    def sql_table_creation_suffix(self) -> str:
        test_settings = self.connection.settings_dict["TEST"]
        locale = test_settings.get("LC_CTYPE", "C.UTF-8")
        return (
            f"WITH ENCODING 'UTF8' LC_COLLATE '{locale}' LC_CTYPE '{locale}' "
            f"TEMPLATE {self._quote_name(test_settings.get('TEMPLATE') or 'template0')}"
        )


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def init_connection_state(self):
        """Bound the parallel workers one query may take (``DATABASE_PARALLEL_WORKERS``,
        the settings' ``PARALLEL_WORKERS``): with PostgreSQL's default of 2 per gather, one
        researcher's sort of a million rows took both cores of a small machine (issue 16).
        Set per connection, so it holds for every request and task; through PgBouncer,
        only in session pooling."""
        super().init_connection_state()
        workers = self.settings_dict.get("PARALLEL_WORKERS")
        if workers is not None:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('max_parallel_workers_per_gather', %s, false)",
                    [str(int(workers))],
                )
