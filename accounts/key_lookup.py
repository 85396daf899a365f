"""API keys looked up by their hash, with a short per-worker cache (the Bearer authentication's read).

Not an HTTP module: `core.api.authentication` reads through it and `accounts.services.revoke_api_key`
drops a revoked key from it, so the service imports no `api` module.
"""

from __future__ import annotations

import time

from django.conf import settings

from accounts.models import APIKey

# Looked-up keys are kept in the worker's memory for `API_KEY_CACHE_SECONDS` (default 1 s), so that
# a busy integration costs no query per request; a revocation or expiry reaches every worker within
# that time (and the revoking worker at once). Entries hold only the hash, never the token.
_key_cache: dict[str, tuple[float, APIKey]] = {}
_KEY_CACHE_MAX = 10_000


def find_api_key(digest: str) -> APIKey | None:
    """The key whose SHA-256 hash is `digest` (with its team and creator), from the cache when fresh."""
    ttl = float(getattr(settings, "API_KEY_CACHE_SECONDS", 1.0))
    now = time.monotonic()
    cached = _key_cache.get(digest)
    if cached is not None and cached[0] > now:
        return cached[1]
    key = APIKey.objects.select_related("team", "created_by").filter(hashed_token=digest).first()
    if key is not None and ttl > 0:
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()
        _key_cache[digest] = (now + ttl, key)
    return key


def forget_api_key(hashed_token: str) -> None:
    """Drop a key from this worker's lookup cache (called when a key is revoked)."""
    _key_cache.pop(hashed_token, None)
