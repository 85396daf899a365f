"""Demo flow templates: a service report, a certificate and a completion notice for every demo job type."""

from __future__ import annotations

from django.db import transaction

from core.demo import DemoContext
from flows.models import FlowGroup, FlowKind, FlowTemplate
from flows.services import start_flow_group
from jobs.demo import JOB_TYPES
from jobs.models import Job, JobStatus, JobType

READINGS = """
{% if readings %}
<h2>Readings and results</h2>
<table>
  <tr><th>Measurement</th><th>Value</th></tr>
  {% for reading in readings %}<tr><td>{{ reading.label }}</td><td>{{ reading.value }}</td></tr>{% endfor %}
</table>
{% endif %}
"""

REPORT = (
    """
<h2>Summary</h2>
<p>Our engineer{% if job.engineer %}, {{ job.engineer }},{% endif %} attended {{ site.name|default:"the site" }}
on {{ job.completed_at }} to carry out the {{ job.type|lower }}.
The outcome was <strong>{{ job.result_label|lower }}</strong>.</p>
"""
    + READINGS
    + """
<h2>Next steps</h2>
<p>We will remind you when the next {{ job.type|lower }} is due. If you have any questions about this report,
reply to the email it came with and quote job {{ job.reference }}.</p>
"""
)

CERTIFICATE = (
    """
<h2>Declaration</h2>
<p>The installation and appliances listed were inspected and tested on {{ job.completed_at }}
{% if asset %}({{ asset.name }}{% if asset.serial_number %}, serial {{ asset.serial_number }}{% endif %}){% endif %}.
{% if job.result_type == "SUCCESS" %}At the time of inspection they were found to be <strong>safe to use</strong>.
{% else %}Defects were recorded: see the results below and the engineer's notes.{% endif %}</p>
"""
    + READINGS
    + """
<p>Keep this certificate: landlords must give a copy to tenants and keep it for two years.</p>
"""
)

NOTICE = """
<h2>Your job is complete</h2>
<p>The {{ job.type|lower }} at {{ site.name|default:"your site" }} was completed on {{ job.completed_at }}
{% if job.engineer %}by {{ job.engineer }}{% endif %}.</p>
<p>Thank you for choosing {{ team.name }}.</p>
"""

# (key suffix, name, kind, subject, body)
TEMPLATES = [
    (
        "report",
        "Service report",
        FlowKind.REPORT,
        "{{ job.type }} report — {{ site.name|default:client.name }}",
        REPORT,
    ),
    (
        "certificate",
        "Safety certificate",
        FlowKind.CERTIFICATE,
        "Safety certificate — {{ site.name|default:client.name }}",
        CERTIFICATE,
    ),
    ("notice", "Completion notice", FlowKind.NOTICE, "Your {{ job.type|lower }} is complete", NOTICE),
]

RECENT_JOBS_WITH_DOCUMENTS = 5


def seed(context: DemoContext) -> None:
    """Give every demo job type the three templates, and queue documents for a few recent completions."""
    by_key = {job_type.key: job_type for job_type in JobType.objects.filter(team=context.team)}
    for job_type in [by_key[key] for key, _, _ in JOB_TYPES if key in by_key]:
        for _, name, kind, subject, body in TEMPLATES:
            FlowTemplate.objects.get_or_create(
                team=context.team,
                job_type=job_type,
                name=name,
                defaults={"kind": kind, "subject": subject, "body": body},
            )
    if FlowGroup.objects.filter(team=context.team).exists():
        return
    recent = Job.objects.filter(team=context.team, status=JobStatus.COMPLETED).order_by("-completed_at")
    for job in recent.select_related("job_type")[:RECENT_JOBS_WITH_DOCUMENTS]:
        with transaction.atomic():
            start_flow_group(job=job)
