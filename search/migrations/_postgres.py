"""Operations shared by the search migrations (a leading underscore keeps this out of the migration graph)."""

from django.db import migrations


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that is a no-op on databases other than PostgreSQL (SQLite, the demo default)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def text_of(*columns):
    """The trigram text: the columns joined by spaces (`||`, immutable, so it can be indexed)."""
    return " || ' ' || ".join(f"COALESCE({column}, '')" for column in columns)


def search_indexes(name, table, vector, text):
    """A GIN index on the weighted tsvector and a GIN trigram index on the text, both expressions."""
    return PostgresOnlyRunSQL(
        sql=[
            f"CREATE INDEX search_{name}_fts_idx ON {table} USING gin (({vector}))",
            f"CREATE INDEX search_{name}_trgm_idx ON {table} USING gin (({text}) gin_trgm_ops)",
        ],
        reverse_sql=[f"DROP INDEX IF EXISTS search_{name}_fts_idx", f"DROP INDEX IF EXISTS search_{name}_trgm_idx"],
    )
