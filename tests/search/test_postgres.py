"""The search statements' match expressions are the ones the GIN expression indexes were built on."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from assets.models import Asset
from invoicing.models import Invoice
from jobs.models import Job
from projects.models import Client, Project, Site
from search import documents
from search.types import SearchType
from tests.factories import ClientFactory, JobTypeFactory, SiteFactory, TeamFactory

pytestmark = pytest.mark.django_db

ROWS = 2000

# table → (index name stem, the document its rows are matched with)
DOCUMENTS = {
    "projects_client": ("client", documents.CLIENT),
    "projects_site": ("site", documents.SITE),
    "projects_project": ("project", documents.PROJECT),
    "assets_asset": ("asset", documents.ASSET),
    "jobs_job": ("job", documents.JOB_NOTES),
    "invoicing_invoice": ("invoice", documents.INVOICE),
}


def fill(table: str, rows: int) -> None:
    """`rows` rows in `table` for one team, analyzed, so that the planner weighs the indexes with real statistics."""
    team = TeamFactory()
    client = ClientFactory(team=team)
    site = SiteFactory(team=team, client=client)
    job_type = JobTypeFactory(team=team)
    builders: dict[str, Any] = {
        "projects_client": lambda i: Client(team=team, name=f"Bulk client {i}", email=f"c{i}@example.com"),
        "projects_site": lambda i: Site(team=team, client=client, name=f"Site {i}", postcode=f"AB{i} 1CD"),
        "projects_project": lambda i: Project(team=team, client=client, name=f"Project {i}"),
        "assets_asset": lambda i: Asset(team=team, site=site, name=f"Boiler {i}", asset_type="Boiler"),
        "jobs_job": lambda i: Job(team=team, job_type=job_type, notes=f"Routine visit {i}"),
        "invoicing_invoice": lambda i: Invoice(team=team, client=client, currency="EUR"),
    }
    model = {"projects_client": Client, "projects_site": Site, "projects_project": Project,
             "assets_asset": Asset, "jobs_job": Job, "invoicing_invoice": Invoice}[table]  # fmt: skip
    model.objects.bulk_create(builders[table](i) for i in range(rows))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def plan(table: str, document: documents.Document, query: str) -> str:
    """The plan of the match condition the search statements use for one table.

    The team condition is left out and seq scans are off: on test-sized tables the planner would
    rightly prefer the team index, and what is checked here is that the expressions match the GIN
    indexes at all (which index wins at scale is measured by the benchmarks).
    """
    params = {"q": query, "like": f"%{query}%"}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT r.id FROM {table} r WHERE {document.match('r')}", params)  # noqa: S608
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("table", list(DOCUMENTS))
def test_each_kind_is_matched_through_its_two_gin_indexes(table: str) -> None:
    name, document = DOCUMENTS[table]
    fill(table, ROWS)
    explained = plan(table, document, "heat pump")
    assert "BitmapOr" in explained, explained
    assert f"search_{name}_fts_idx" in explained, explained
    assert explained.count(f"search_{name}_trgm_idx") == 2, "both `<%` and ILIKE use the trigram index"


def test_the_indexes_exist_and_are_expression_gin_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'search\\_%%'")
        indexes = dict(cursor.fetchall())
    assert len(indexes) == 2 * len(SearchType)
    assert all("USING gin" in definition for definition in indexes.values())
    assert "gin_trgm_ops" in indexes["search_asset_trgm_idx"]
    assert "to_tsvector" in indexes["search_job_fts_idx"]


def test_the_job_indexes_are_partial_on_notes_without_a_pending_list() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid), c.reloptions FROM pg_class c "
            "WHERE c.relname IN ('search_job_fts_idx', 'search_job_trgm_idx')"
        )
        rows = cursor.fetchall()
    assert len(rows) == 2
    for name, definition, options in rows:
        assert "WHERE (notes <> ''::text)" in definition, (name, definition)
        assert options == ["fastupdate=off"], (name, options)
