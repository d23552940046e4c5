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
