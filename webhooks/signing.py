"""Signing secrets: made, encrypted at rest, and used to sign bodies like Stripe does.

`SE-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` — one `v1` per secret
that signs (two during a rotation's overlap). `verify_signature` is the receiver's side, the same
code docs/webhooks.md shows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SIGNATURE_HEADER = "SE-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SecretUnreadableError(Exception):
    """The stored secret cannot be decrypted with any configured key."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet() -> MultiFernet:
    """Keys from `WEBHOOKS_ENCRYPTION_KEYS` (first encrypts, all decrypt), else one derived from SECRET_KEY."""
    keys: list[str] = list(settings.WEBHOOKS_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(b"shocking.webhooks.secret:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadableError("The signing secret cannot be decrypted with the configured keys.") from None


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: Iterable[str], body: bytes, timestamp: int | None = None) -> str:
    """The `SE-Signature` value for `body`, signed by every secret given (current first)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={stamp}", *(f"v1={compute_signature(s, stamp, body)}" for s in signing_secrets)])


def verify_signature(
    body: bytes, header: str, secret: str, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True when `header` carries a `v1` signature of `body` by `secret` made within `tolerance` seconds.

    Receivers should verify the raw request body (before any JSON parsing) and reject old timestamps,
    which stops replays of a captured request.
    """
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
