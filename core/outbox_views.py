"""`/outbox/`: the demo's sent mail, for superusers, when the outbox mail backend is on (else 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core import outbox


def _allowed(request: HttpRequest) -> None:
    if not outbox.outbox_enabled():
        raise Http404("No outbox: mail is sent for real.")
    if not request.user.is_superuser:
        raise PermissionDenied("Only a superuser can read the outbox: it holds every team's mail.")


@login_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "outbox/list.html", {"messages_sent": outbox.list_messages(), "section": "outbox"})


@login_required
def outbox_message(request: HttpRequest, message_id: str) -> HttpResponse:
    _allowed(request)
    message = outbox.read_message(message_id)
    if message is None:
        raise Http404("No such message.")
    return render(request, "outbox/message.html", {"message": message, "section": "outbox"})


@login_required
def outbox_attachment(request: HttpRequest, message_id: str, index: int) -> HttpResponse:
    _allowed(request)
    found = outbox.attachment_content(message_id, index)
    if found is None:
        raise Http404("No such attachment.")
    attachment, content = found
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.filename.replace(chr(34), "")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("outbox/", outbox_list, name="outbox"),
    path("outbox/<str:message_id>/", outbox_message, name="outbox-message"),
    path("outbox/<str:message_id>/attachments/<int:index>", outbox_attachment, name="outbox-attachment"),
]
