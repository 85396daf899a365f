"""The demo's outbox: mail is kept, one log line each, and a superuser reads it with its attachments."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client

from core.outbox import BACKEND
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = BACKEND
    settings.EMAIL_OUTBOX_DIR = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def send_report() -> None:
    message = EmailMessage("Service report for job 42", "Hello,\n\nyour report is attached.", to=["ops@acme.example"])
    message.attach("report.pdf", b"%PDF-1.7 fake", "application/pdf")
    message.send()


def test_a_message_is_kept_with_one_log_line(outbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="shocking.mail"):
        send_report()
    assert len(list(outbox.glob("*.eml"))) == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "shocking.mail"]
    assert len(lines) == 1
    assert "ops@acme.example" in lines[0] and "Service report for job 42" in lines[0] and "[1 attachment]" in lines[0]
    assert "base64" not in lines[0] and "%PDF" not in lines[0]


def test_a_superuser_reads_the_message_and_downloads_the_attachment(outbox: Path) -> None:
    send_report()
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = browser.get("/outbox/")
    assert listing.status_code == 200
    assert b"Service report for job 42" in listing.content
    message_id = next(outbox.glob("*.eml")).stem
    page = browser.get(f"/outbox/{message_id}/")
    assert page.status_code == 200 and b"your report is attached" in page.content and b"report.pdf" in page.content
    attachment = browser.get(f"/outbox/{message_id}/attachments/0")
    assert attachment.status_code == 200
    assert attachment["Content-Type"] == "application/pdf" and attachment.content == b"%PDF-1.7 fake"
    assert browser.get(f"/outbox/{message_id}/attachments/1").status_code == 404
    assert browser.get("/outbox/..%2F..%2Fetc%2Fpasswd/").status_code == 404


def test_only_superusers_and_only_with_the_outbox_on(outbox: Path, settings: Any) -> None:
    send_report()
    member = Client()
    member.force_login(UserFactory(is_staff=True))
    assert member.get("/outbox/").status_code == 403
    assert Client().get("/outbox/").status_code == 302  # to sign-in
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert admin.get("/outbox/").status_code == 404
