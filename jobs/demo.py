"""Demo job types (the starter catalogue) and jobs, bulk-inserted so that a million jobs seed in minutes."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from PIL import Image, ImageDraw
from psycopg.types.json import Jsonb

from accounts.models import Actor, Team, User
from assets.models import Asset
from core.demo import DemoContext, Progress
from jobs import starter
from jobs.models import Job, JobEvent, JobSignature, JobStatus, JobType, ResultType
from jobs.services import add_attachment

# (key, name, payload schema) of the demo's job types: the starter catalogue.
JOB_TYPES = [(t.key, t.name, t.payload_schema) for t in starter.STARTER_JOB_TYPES]
BATCH = 5000
BULK_LOAD_THRESHOLD = 50_000


def insert_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Bulk insert plain rows (attname → value): PostgreSQL's COPY, else bulk_create.

    COPY with values prepared once per column type is several times faster than INSERT or
    model instances at a million rows. Columns a row leaves out take the field's default.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)  # type: ignore[attr-defined]
        return
    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [row.get(f.attname, defaults[f.attname]) for f in fields]
                copy.write_row([Jsonb(v) if f.attname in json_fields and v is not None else v
                                for f, v in zip(fields, values, strict=True)])  # fmt: skip


@contextmanager
def secondary_indexes_deferred(models: list[type[Model]], enabled: bool) -> Iterator[None]:
    """For a large load on PostgreSQL: drop the tables' secondary indexes, load, rebuild them.

    Everything runs in one transaction (PostgreSQL DDL is transactional), so an interrupted seed
    rolls back to the previous state, indexes included. Building an index once over a million
    rows is far cheaper than maintaining thirty of them row by row.
    """
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                 SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        definitions = cursor.fetchall()
        for name, _ in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys before DDL
        for _, definition in definitions:
            cursor.execute(definition)


def seed(context: DemoContext) -> None:
    team = context.team
    types = starter.seed(team=team, actor=Actor())
    missing = context.jobs - Job.objects.filter(team=team).count()
    if missing > 0:
        _top_up(context, types, missing)
    _field_work(team)


def _demo_image(image_format: str, size: tuple[int, int], ink: tuple[int, int, int]) -> bytes:
    """A small drawn picture: a boiler-ish box for a photo, a scribble for a signature."""
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    width, height = size
    if image_format == "PNG":  # a signature
        points = [(20 + i * 12, height // 2 + (15 if i % 2 else -15)) for i in range((width - 40) // 12)]
        draw.line(points, fill=ink, width=3)
    else:
        draw.rectangle((width // 4, height // 6, 3 * width // 4, 5 * height // 6), outline=ink, width=6)
        draw.ellipse((width // 2 - 30, height // 2 - 30, width // 2 + 30, height // 2 + 30), fill=ink)
    output = io.BytesIO()
    image.save(output, format=image_format)
    return output.getvalue()


def _field_work(team: Team) -> None:
    """A photo and the customer's signature on two completed jobs, once per team (for the report and the API)."""
    if JobSignature.objects.filter(team=team).exists():
        return
    completed = Job.objects.filter(team=team, status=JobStatus.COMPLETED, completed_at__isnull=False)
    for job in completed.order_by("created_at", "id")[:2]:
        photo = _demo_image("JPEG", (640, 480), (15, 118, 110))
        add_attachment(job=job, actor=Actor(), content=photo, filename="boiler.jpg", caption="Boiler after service")
        JobSignature.objects.create(
            team=team,
            job=job,
            signer_name="Dana Whitfield",
            image=ContentFile(_demo_image("PNG", (360, 120), (17, 24, 39)), name="signature.png"),
            signed_at=job.completed_at or timezone.now(),
        )


def _top_up(context: DemoContext, types: list[JobType], missing: int) -> None:
    now = timezone.now()
    # Creation times advance with the row number across the past year, so that every index led by
    # (team, …, created_at) grows at its right edge: seeding a million rows stays I/O-friendly.
    first = now - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / max(missing, 1)
    with secondary_indexes_deferred([Job, JobEvent], enabled=missing >= BULK_LOAD_THRESHOLD):
        _load(context, types, missing, first, step)


def _load(context: DemoContext, types: list[JobType], missing: int, first: dt.datetime, step: dt.timedelta) -> None:
    team, rng = context.team, context.rng
    engineers: list[User | None] = [u for h, u in context.members.items() if h.startswith("eng")] or [None]
    sites = context.records.get("sites", []) or [None]
    assets_by_site: dict[Any, Asset] = {}
    for asset in context.records.get("assets", []):
        assets_by_site.setdefault(asset.site_id, asset)
    statuses = [JobStatus.PENDING, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED,
                JobStatus.COMPLETED, JobStatus.COMPLETED, JobStatus.CANCELLED]  # fmt: skip
    progress = Progress(f"Seeding {missing} jobs for {team.slug}", missing)
    with_events = context.jobs <= 50_000  # a full event log for demo-sized data; bulk benchmarks skip it
    made = 0
    remaining = missing
    while remaining > 0:
        count = min(BATCH, remaining)
        jobs: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for _ in range(count):
            status = rng.choice(statuses)
            created = first + step * made + dt.timedelta(seconds=rng.random())
            made += 1
            site = rng.choice(sites)
            engineer = rng.choice(engineers) if status != JobStatus.PENDING else None
            asset = assets_by_site.get(getattr(site, "pk", None))
            job_id = uuid.uuid4()
            jobs.append({
                "id": job_id,
                "team_id": team.pk,
                "created_at": created,
                "updated_at": created,
                "job_type_id": rng.choice(types).pk,
                "status": status,
                "payload": {},
                "scheduled_date": (created + dt.timedelta(days=rng.randint(1, 30))).date(),
                "assigned_to_id": getattr(engineer, "pk", None),
                "site_id": getattr(site, "pk", None),
                "client_id": getattr(site, "client_id", None),
                "asset_id": getattr(asset, "pk", None),
                "assigned_at": created if engineer else None,
                "started_at": created if status in (JobStatus.IN_PROGRESS, JobStatus.COMPLETED) else None,
                "completed_at": created + dt.timedelta(hours=2) if status == JobStatus.COMPLETED else None,
                "result_type": rng.choice(ResultType.values) if status == JobStatus.COMPLETED else None,
                "cancelled_at": created if status == JobStatus.CANCELLED else None,
                "cancel_reason": "Customer rescheduled" if status == JobStatus.CANCELLED else "",
            })  # fmt: skip
            if with_events:
                events.append({"id": uuid.uuid4(), "job_id": job_id, "to_status": JobStatus.PENDING, "at": created})
                if status != JobStatus.PENDING:
                    events.append({"id": uuid.uuid4(), "job_id": job_id, "from_status": JobStatus.PENDING,
                                   "to_status": status, "at": created})  # fmt: skip
        with transaction.atomic():
            insert_rows(Job, jobs)
            insert_rows(JobEvent, events)
        remaining -= count
        progress.advance(count)
