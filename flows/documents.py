"""Rendering a flow's document: the template context, the subject and body, the PDF and the email."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone

from core.exceptions import InvalidInputError
from flows.models import Flow, FlowKind, FlowTemplate, RecipientRule
from jobs.attachments import report_media
from jobs.models import Job, ResultType

# Templates written by a team are rendered by an engine of their own: no loaders (no include or
# extends of project files), no custom tag libraries, autoescaping on. Their context is plain data
# (dicts and strings), never model instances, so a template can read but never call into the ORM.
TEAM_TEMPLATES = Engine(dirs=[], app_dirs=False, autoescape=True, libraries={}, string_if_invalid="")

PDF_CONTENT_TYPE = "application/pdf"


class DocumentError(Exception):
    """A document cannot be produced from the current data; retrying will not help."""


def check_template(source: str, path: str) -> None:
    """Refuse (400 on `path`) a subject or body that is not a valid Django template."""
    try:
        TEAM_TEMPLATES.from_string(source)
    except TemplateSyntaxError as exc:
        raise InvalidInputError(f"Not a valid template: {exc}", path) from None


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, dt.UTC).strftime("%d %b %Y, %H:%M UTC")
    return value.strftime("%d %b %Y")


def _address(*parts: str) -> list[str]:
    return [part for part in parts if part]


def _label(key: str) -> str:
    """`flueGasCo2` / `flue_gas_co2` → `Flue gas co2`: a payload key as a reader would write it."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else key


def _readings(*documents: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, dict):
            rows.extend({"key": key, "label": _label(str(key)), "value": value} for key, value in document.items())
    return rows


def document_context(job: Job, kind: str, name: str) -> dict[str, Any]:
    """The data a flow template sees: job, payload, result, readings, site, client, asset, team, document.

    `readings` lists the payload's and the result's top-level entries as `{key, label, value}`.
    """
    site, client, asset = job.site, job.client, job.asset
    engineer = job.assigned_to
    return {
        "job": {
            "id": str(job.pk),
            "reference": str(job.pk)[:8].upper(),
            "type": job.job_type.name,
            "type_key": job.job_type.key,
            "status": job.status,
            "result_type": job.result_type or "",
            "result_label": ResultType(job.result_type).label if job.result_type else "",
            "scheduled_date": _date(job.scheduled_date),
            "started_at": _date(job.started_at),
            "completed_at": _date(job.completed_at),
            "notes": job.notes,
            "engineer": (engineer.full_name or engineer.email) if engineer else "",
        },
        "payload": job.payload or {},
        "result": job.result or {},
        "readings": _readings(job.payload, job.result),
        "site": None
        if site is None
        else {
            "name": site.name,
            "address": _address(site.address_line1, site.address_line2, site.city, site.region, site.postcode),
            "postcode": site.postcode,
            "contact_name": site.contact_name,
            "contact_email": site.contact_email,
            "contact_phone": site.contact_phone,
        },
        "client": None
        if client is None
        else {
            "name": client.name,
            "email": client.email,
            "phone": client.phone,
            "address": _address(
                client.billing_line1,
                client.billing_line2,
                client.billing_city,
                client.billing_region,
                client.billing_postcode,
            ),
        },
        "asset": None
        if asset is None
        else {
            "name": asset.name,
            "type": asset.asset_type,
            "manufacturer": asset.manufacturer,
            "model": asset.model,
            "serial_number": asset.serial_number,
            "location": asset.location_note,
        },
        "team": {"name": job.team.name},
        "document": {"kind": kind, "kind_label": FlowKind(kind).label, "name": name},
        **report_media(job),  # the customer's signature and the photos (jobs.attachments)
    }


def resolve_recipients(template: FlowTemplate, job: Job) -> list[str]:
    """The addresses a template's recipient rule names for this job, from current data."""
    if template.recipient_rule == RecipientRule.CLIENT:
        found = [job.client.email] if job.client is not None and job.client.email else []
    elif template.recipient_rule == RecipientRule.SITE_CONTACT:
        found = [job.site.contact_email] if job.site is not None and job.site.contact_email else []
    else:
        found = [str(address) for address in template.fixed_recipients or []]
    return list(dict.fromkeys(found))


@dataclass
class RenderedDocument:
    subject: str
    html: str
    pdf: bytes
    recipients: list[str]


def render_html(template: FlowTemplate, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (one line, plain text) and the full HTML page of a document."""
    try:
        subject = TEAM_TEMPLATES.from_string(template.subject).render(Context(context, autoescape=False))
        body = TEAM_TEMPLATES.from_string(template.body).render(Context(context))
    except TemplateSyntaxError as exc:
        raise DocumentError(f"The template '{template.name}' does not compile: {exc}") from exc
    one_line = " ".join(subject.split())[:500]
    html = render_to_string("flows/document.html", {**context, "subject": one_line, "body": body})
    return one_line, html


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """HTML → PDF bytes with WeasyPrint (imported lazily: it costs ~0.5 s)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()
    return pdf


def render_document(flow: Flow) -> RenderedDocument:
    """Render a flow from the job's current data. Raises `DocumentError` when it cannot be produced."""
    template = flow.template
    if template is None:
        raise DocumentError("The flow template was deleted; this document can no longer be rendered.")
    job = flow.group.job
    recipients = resolve_recipients(template, job)
    if not recipients:
        rule = RecipientRule(template.recipient_rule).label
        raise DocumentError(f"No recipient: the rule '{rule}' gives no email address for this job.")
    subject, html = render_html(template, document_context(job, flow.kind, flow.name))
    return RenderedDocument(subject=subject, html=html, pdf=render_pdf(html), recipients=recipients)


def message_id(flow: Flow, send_request: int) -> str:
    """The email's Message-ID, the same for every try of one send request (receivers can de-duplicate)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<flow-{flow.pk}-{send_request}@{domain}>"


def build_email(flow: Flow, pdf: bytes, send_request: int) -> EmailMultiAlternatives:
    """The email that carries a flow's PDF to its recipients."""
    job = flow.group.job
    context = {
        "subject": flow.subject,
        "team": job.team.name,
        "kind_label": FlowKind(flow.kind).label.lower(),
        "job_type": job.job_type.name,
        "site": job.site.name if job.site is not None else "",
        "completed_at": _date(job.completed_at),
    }
    text = render_to_string("flows/email.txt", context)
    html = render_to_string("flows/email.html", context)
    email = EmailMultiAlternatives(
        subject=flow.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(flow.recipients),
        headers={"Message-ID": message_id(flow, send_request)},
    )
    email.attach_alternative(html, "text/html")
    email.attach(attachment_name(flow), pdf, PDF_CONTENT_TYPE)
    return email


def attachment_name(flow: Flow) -> str:
    reference = str(flow.group.job_id)[:8].upper()
    slug = "-".join(flow.name.lower().split())[:60] or flow.kind.lower()
    return f"{slug}-{reference}.pdf"
