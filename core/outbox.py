"""The demo's mail outbox: every email is kept as a `.eml` file a person can open in the browser.

With no `EMAIL_URL` configured (`make run`), emails are not printed to the terminal (whole MIME
messages with base64 PDFs would bury everything else): `OutboxEmailBackend` writes each to
`EMAIL_OUTBOX_DIR` and logs one line. Superusers read them at `/outbox/` — headers, the text, and each
attachment as a download. The page answers 404 whenever another mail backend is configured.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger("shocking.mail")
BACKEND = "core.outbox.OutboxEmailBackend"
MESSAGE_ID = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{32}$")


def outbox_dir() -> Path:
    return Path(settings.EMAIL_OUTBOX_DIR)


def outbox_enabled() -> bool:
    return settings.EMAIL_BACKEND == BACKEND


class OutboxEmailBackend(BaseEmailBackend):
    """Keeps each message as `<UTC time>-<uuid>.eml`, one log line each."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex}"
            (folder / f"{name}.eml").write_bytes(message.message().as_bytes())
            attachments = len(message.attachments)
            logger.info(
                "Mail to %s: %s%s (in the outbox: /outbox/%s/)",
                ", ".join(message.recipients()),
                message.subject,
                f" [{attachments} attachment{'s' if attachments != 1 else ''}]" if attachments else "",
                name,
            )
        return len(email_messages)


@dataclass(frozen=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    sent_at: str
    sender: str
    recipients: str
    subject: str
    text: str
    attachments: list[Attachment]


def _parse(path: Path) -> ParsedMessage:
    parsed: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return parsed  # the default policy gives an EmailMessage


def _attachment_parts(parsed: ParsedMessage) -> list[Any]:
    return list(parsed.iter_attachments())


def read_message(message_id: str) -> OutboxMessage | None:
    """One message of the outbox, or None for an unknown (or malformed) id."""
    if not MESSAGE_ID.match(message_id):
        return None
    path = outbox_dir() / f"{message_id}.eml"
    if not path.is_file():
        return None
    parsed = _parse(path)
    body = parsed.get_body(preferencelist=("plain", "html"))
    attachments = [
        Attachment(
            index, part.get_filename() or f"attachment-{index}", part.get_content_type(), len(part.get_content())
        )
        for index, part in enumerate(_attachment_parts(parsed))
    ]
    return OutboxMessage(
        id=message_id,
        sent_at=str(parsed.get("Date", "")),
        sender=str(parsed.get("From", "")),
        recipients=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        text=body.get_content() if body is not None else "",
        attachments=attachments,
    )


def list_messages(*, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first (at most `limit`)."""
    if not outbox_dir().is_dir():
        return []
    names = sorted((path.stem for path in outbox_dir().glob("*.eml")), reverse=True)[:limit]
    return [message for name in names if (message := read_message(name)) is not None]


def attachment_content(message_id: str, index: int) -> tuple[Attachment, bytes] | None:
    message = read_message(message_id)
    if message is None or not 0 <= index < len(message.attachments):
        return None
    part = _attachment_parts(_parse(outbox_dir() / f"{message_id}.eml"))[index]
    content = part.get_content()
    return message.attachments[index], content if isinstance(content, bytes) else str(content).encode()
