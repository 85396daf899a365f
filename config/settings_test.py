"""Test settings: PostgreSQL (a fresh database per run), fast hashing, in-process cache."""

import os
import uuid

from config.settings import *  # noqa: F403
from config.settings import database

DATABASES = {"default": database("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shocking")}
# Live-server threads would otherwise leave persistent connections for the garbage collector.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Each run gets its own test database name, so parallel runs on one server never collide.
RUN_ID = os.environ.setdefault("SHOCKING_TEST_RUN_ID", uuid.uuid4().hex[:8])
DATABASES["default"]["TEST"] = {"NAME": f"test_shocking_{RUN_ID}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_RATE_LIMIT = "100000/min"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
# Tests change keys through the ORM between requests; the lookup cache has its own tests.
API_KEY_CACHE_SECONDS = 0
