"""`{% dispatch_board_url as url %}`: the board's address for people who may dispatch, else "" (for the
navigation of our pages and the admin's header)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from jobs.board.views import may_dispatch

register = template.Library()


@register.simple_tag(takes_context=True)
def dispatch_board_url(context: dict[str, Any]) -> str:
    request = context.get("request")
    return reverse("dispatch-board") if request is not None and may_dispatch(request) else ""
