"""Job search indexes: partial (`WHERE notes <> ''`) and without GIN's pending list (`fastupdate = off`).

At a million jobs, most without notes, the whole-table indexes of 0001 held an empty entry per job,
and every job update appended to GIN's pending list, which each search then read in full (about
80 pages, 2–5 ms per `<%` or `ILIKE` probe). Partial indexes hold only jobs with notes; with
`fastupdate = off` an insert or update goes straight into the index, so a search never scans a
pending list. The expressions are unchanged; `search.documents.JOB_NOTES` adds the predicate.
"""

from django.db import migrations

from search.migrations._postgres import PostgresOnlyRunSQL

VECTOR = "setweight(to_tsvector('english'::regconfig, COALESCE(notes, '')), 'A')"
TEXT = "COALESCE(notes, '')"
PARTIAL = "WITH (fastupdate = off) WHERE notes <> ''"


class Migration(migrations.Migration):

    dependencies = [("search", "0002_invoice_indexes")]

    operations = [
        PostgresOnlyRunSQL(
            sql=[
                "DROP INDEX IF EXISTS search_job_fts_idx",
                "DROP INDEX IF EXISTS search_job_trgm_idx",
                f"CREATE INDEX search_job_fts_idx ON jobs_job USING gin (({VECTOR})) {PARTIAL}",
                f"CREATE INDEX search_job_trgm_idx ON jobs_job USING gin (({TEXT}) gin_trgm_ops) {PARTIAL}",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS search_job_fts_idx",
                "DROP INDEX IF EXISTS search_job_trgm_idx",
                f"CREATE INDEX search_job_fts_idx ON jobs_job USING gin (({VECTOR}))",
                f"CREATE INDEX search_job_trgm_idx ON jobs_job USING gin (({TEXT}) gin_trgm_ops)",
            ],
        ),
    ]
