"""`{% my_day_url as url %}`: My day's address for people who do the team's jobs, else "" (for the
navigation of our pages and the admin's header)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from jobs.field.views import may_work

register = template.Library()


@register.simple_tag(takes_context=True)
def my_day_url(context: dict[str, Any]) -> str:
    request = context.get("request")
    return reverse("my-day") if request is not None and may_work(request) else ""
