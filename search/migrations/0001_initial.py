"""Full-text and trigram search on PostgreSQL: the pg_trgm extension and GIN expression indexes.

The indexes live on other apps' tables but belong to search: each is an expression over stable
columns, identical to the expression `search.documents` queries with, so PostgreSQL maintains the
`tsvector` and the trigram text itself (no triggers, no stored columns). On SQLite (the demo
default) this migration does nothing and search falls back to `icontains`.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from search.migrations._postgres import search_indexes, text_of


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("assets", "0001_initial"),
        ("jobs", "0001_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        search_indexes(
            "client",
            "projects_client",
            "setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, COALESCE(email, '')), 'B')",
            text_of("name", "email"),
        ),
        search_indexes(
            "site",
            "projects_site",
            "setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, COALESCE(postcode, '') || ' ' || "
            "COALESCE(address_line1, '') || ' ' || COALESCE(city, '')), 'B')",
            text_of("name", "postcode", "address_line1", "city"),
        ),
        search_indexes(
            "project",
            "projects_project",
            "setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A')",
            text_of("name"),
        ),
        search_indexes(
            "asset",
            "assets_asset",
            "setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, COALESCE(serial_number, '') || ' ' || "
            "COALESCE(model, '') || ' ' || COALESCE(manufacturer, '')), 'B')",
            text_of("name", "serial_number", "model", "manufacturer"),
        ),
        search_indexes(
            "job",
            "jobs_job",
            "setweight(to_tsvector('english'::regconfig, COALESCE(notes, '')), 'A')",
            text_of("notes"),
        ),
    ]
