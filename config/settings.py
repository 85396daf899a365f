"""Settings for Shocking Energy, read from the environment (django-environ).

`DATABASE_URL` unset means a local SQLite file: the zero-setup demo default. PostgreSQL is the
system of record and what the tests and CI use. `config.settings_prod` layers the hardened
production settings on top of this module.
"""

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    API_RATE_LIMIT=(str, "600/min"),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-0bq7v1cz8l9x3m2n4k5j6h7g8f9d0s1a2p3o4i5u6y7t8r9e")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_jsonform",
    "core",
    "accounts",
    "projects",
    "assets",
    "jobs",
    "flows",
    "invoicing",
    "plans",
    "search",
    "metrics",
]

MIDDLEWARE = [
    "core.api.middleware.APIEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "core.security.CompressStaticMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.api.middleware.PagesSessionMiddleware",  # Django's, skipped on /v1 (see there)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.api.middleware.PagesAuthenticationMiddleware",
    "core.api.middleware.PagesMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# What /v1 does without (core/api/handler.py): static files, sessions, the signed-in user, flash
# messages and CSRF (DRF's views are exempt; /v1 authenticates by bearer token only).
PAGES_ONLY_MIDDLEWARE = frozenset(
    {
        "core.security.CompressStaticMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "core.api.middleware.PagesSessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "core.api.middleware.PagesAuthenticationMiddleware",
        "core.api.middleware.PagesMessageMiddleware",
    }
)
API_MIDDLEWARE = [name for name in MIDDLEWARE if name not in PAGES_ONLY_MIDDLEWARE]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

SEARCH_WORD_SIMILARITY_THRESHOLD = 0.45


def database(url_variable: str, default: str) -> dict[str, Any]:
    """A database from a URL in the environment, with the connection settings every path shares."""
    config: dict[str, Any] = env.db(url_variable, default=default)
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Server-side binding (off by default) would let psycopg prepare statements it has run a few
        # times on a connection, sparing PostgreSQL the planning. Measured on the 1M-job bench it
        # gained nothing visible on the job list (two queries, planned in ~0.15 ms each on a warm
        # connection) and lost on metrics: once PostgreSQL switches a prepared statement to its
        # generic plan, a parameter such as `status = $1` no longer matches a partial index's
        # `WHERE status = 'COMPLETED'`. See docs/scaling.md.
        options = config.setdefault("OPTIONS", {})
        options.update(
            server_side_binding=env.bool("DB_SERVER_SIDE_BINDING", default=False),
            prepare_threshold=env.int("DB_PREPARE_THRESHOLD", default=5),
        )
        # Search's trigram matching reads this threshold (pg_trgm's default, 0.6, misses one-letter
        # typos in short words); set per session so a search needs no extra statement.
        session = f"-c pg_trgm.word_similarity_threshold={SEARCH_WORD_SIMILARITY_THRESHOLD}"
        if not options["server_side_binding"]:
            # Only the hot reads' own cursors prepare statements (core.api.fast: a statement kept per
            # shape of request). Their join takes PostgreSQL ~10-17 ms to plan and ~0.5 ms to run, and
            # its cost model rates the generic plan above a custom one, so "auto" would plan every
            # execution anew: the generic plan (the same index scans here) is made once per connection.
            session += " -c plan_cache_mode=force_generic_plan"
        options["options"] = f"{options.get('options', '')} {session}".strip()
        if env.bool("DB_POOL", default=False):
            # Under ASGI (config.asgi turns this on) each request runs in its own context, and Django's
            # connections are per context: without a pool every request opened a new connection to
            # PostgreSQL (~30 ms: `make bench`'s uvicorn figure). psycopg's pool keeps them open and
            # checks each one it hands out (CONN_HEALTH_CHECKS); it needs CONN_MAX_AGE = 0.
            config["CONN_MAX_AGE"] = 0
            options["pool"] = {"min_size": 1, "max_size": env.int("DB_POOL_MAX_SIZE", default=8), "timeout": 10}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # `make run`'s zero-setup database, shared by the server and the worker: WAL lets one write
        # while the other reads; IMMEDIATE transactions take the write lock at BEGIN and the busy
        # timeout waits for it, instead of failing at once with "database is locked".
        config.setdefault("OPTIONS", {}).update(
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            transaction_mode="IMMEDIATE",
            timeout=20,
        )
    return config


DATABASES = {"default": database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

if env("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies over 1 MiB are refused with 413 (see core.api.middleware).
API_MAX_BODY_BYTES = 1024 * 1024
API_MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # multipart bodies (job photos: 10 MiB a file, checked by the view)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

API_RATE_LIMIT = env("API_RATE_LIMIT")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.CredentialRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.JSONFirstNegotiation",
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.CamelCaseJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.EnvelopeAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shocking Energy API",
    "DESCRIPTION": (
        "The versioned REST API of Shocking Energy. Authenticate with `Authorization: Bearer <token>` "
        "(API keys `se_…`, OAuth tokens `se_oauth_…`). Every operation names the scope it needs. "
        "Lists are keyset-paginated with `limit` and `lastEvaluatedKey`. Errors use one envelope."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobStatus": "jobs.models.JobStatus",
        "ResultType": "jobs.models.ResultType",
        "FlowStatus": "flows.models.FlowStatus",
        "FlowGroupStatus": "flows.models.FlowGroupStatus",
        "FlowKind": "flows.models.FlowKind",
        "FlowStage": "flows.models.FlowStage",
        "FlowAttemptOutcome": "flows.models.AttemptOutcome",
        "RecipientRule": "flows.models.RecipientRule",
        "ClientType": "projects.models.ClientType",
        "ProjectStatus": "projects.models.ProjectStatus",
        "AssetStatus": "assets.models.AssetStatus",
        "AssetHistoryAction": "assets.models.AssetHistoryAction",
        "InvoiceStatus": "invoicing.models.InvoiceStatus",
        "RateUnit": "invoicing.models.RateUnit",
        "LineUnit": "invoicing.models.LineUnit",
        "SearchType": "search.types.SearchType",
        "CredentialKind": "accounts.api.serializers.CredentialKind",
        "MemberRole": "accounts.models.Role",
        "MetricsInterval": "core.timerange.Interval",
        "WebhookDeliveryStatus": "webhooks.models.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "core.api.schema.add_error_component",
        "core.api.schema_contract.publish_contract",
    ],
    "CONTACT": {"name": "Shocking Energy API support", "email": "api@shocking-energy.example"},
    "LICENSE": {"name": "Proprietary: for customers of Shocking Energy", "identifier": "LicenseRef-Proprietary"},
    "SERVERS": [{"url": "/", "description": "The server this schema was fetched from"}],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DISABLE_ERRORS_AND_WARNINGS": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# camelCase on the wire; free-form JSON documents (job payloads, a plan's default payload for its
# jobs, results, JSON Schemas) keep the keys their authors chose, in both directions.
FREE_FORM_JSON_FIELDS = (
    "payload", "default_payload", "defaultPayload", "result", "payload_schema", "payloadSchema", "attributes",
    "attributes_schema", "attributesSchema", "snapshot", "result_schema", "resultSchema",
)  # fmt: skip
JSON_CAMEL_CASE = {
    "JSON_UNDERSCOREIZE": {
        "no_underscore_before_number": True,
        "ignore_fields": FREE_FORM_JSON_FIELDS,
    },
}

# Serve static files (admin, Swagger UI) straight from the apps in development; prod collects them.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS

# --- Flows: background work, email, documents ---------------------------------------------------
# django-tasks with its database backend: the queue lives in the same database, so a task enqueued
# inside a transaction exists only if that transaction commits. `manage.py run_worker` runs it.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "flows", "webhooks", "plans"]}}

# EMAIL_URL: smtp://user:password@host:587 (submission, STARTTLS), smtp+ssl://..., consolemail://,
# filemail:///path. Unset (the demo): each email is kept in the outbox, EMAIL_OUTBOX_DIR, readable by
# superusers at /outbox/, with one log line per message (core/outbox.py).
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "core.outbox.OutboxEmailBackend"
EMAIL_OUTBOX_DIR = env("EMAIL_OUTBOX_DIR", default=str(BASE_DIR / "outbox"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Shocking Energy <documents@shocking.example.com>")

FLOWS_MAX_ATTEMPTS = env.int("FLOWS_MAX_ATTEMPTS", default=5)
FLOWS_RETRY_BASE_SECONDS = env.int("FLOWS_RETRY_BASE_SECONDS", default=30)  # 30 s, 1 min, 2 min, 4 min...
FLOWS_RETRY_MAX_SECONDS = env.int("FLOWS_RETRY_MAX_SECONDS", default=3600)
FLOWS_LEASE_SECONDS = env.int("FLOWS_LEASE_SECONDS", default=300)
FLOWS_DOCUMENT_LINK_SECONDS = env.int("FLOWS_DOCUMENT_LINK_SECONDS", default=300)

# --- OAuth 2.1 (django-oauth-toolkit) and the MCP endpoint ---------------------------------------
# Access tokens are `se_oauth_…`, stored only as a SHA-256 checksum, valid one hour, bound to the team
# chosen on the consent screen (see accounts/oauth.py and docs/oauth.md). `agents` serves /mcp.
INSTALLED_APPS += ["oauth2_provider", "agents"]
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_GENERATOR": "accounts.oauth.generate_access_token",
    "REFRESH_TOKEN_GENERATOR": "accounts.oauth.generate_refresh_token",
    "OAUTH2_VALIDATOR_CLASS": "accounts.oauth.TeamOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "accounts.oauth.APIScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    # http redirect URIs are accepted for loopback hosts only (RFC 8252 native apps such as MCP
    # clients); TeamOAuth2Validator refuses every other http redirect, hence W008 is silenced below.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["none", "client_secret_basic", "client_secret_post"],
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Shocking Energy API",
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
}
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]
# The toolkit's own models (named so migrations can refer to them; none is swapped).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "oauth2_provider.DeviceGrant"
# Dynamic client registration is open to anyone (MCP clients register themselves), so it is
# rate-limited per client IP address.
OAUTH_REGISTRATION_RATE_LIMIT = env("OAUTH_REGISTRATION_RATE_LIMIT", default="20/hour")
# WeasyPrint logs every layout step at INFO.
LOGGING["loggers"] = {
    "weasyprint": {"level": "WARNING"},
    "fontTools": {"level": "WARNING"},
    # Two INFO lines a task (started, finished): the worker writes one itself (core.work); failures still show.
    "django_tasks": {"level": "WARNING"},
}

# --- Webhooks (see docs/webhooks.md) ------------------------------------------------------------
# Deliveries run on the background worker (`manage.py run_worker`, queue "webhooks").
INSTALLED_APPS += ["webhooks"]
# Development and tests only: allow http(s) URLs on loopback addresses (everything else stays refused).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Fernet keys (urlsafe base64, 32 bytes) encrypting signing secrets at rest; the first encrypts, all
# decrypt (rotation). Empty: one key derived from SECRET_KEY.
WEBHOOKS_ENCRYPTION_KEYS = env.list("WEBHOOKS_ENCRYPTION_KEYS", default=[])
WEBHOOKS_TIMEOUT_SECONDS = env.int("WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_RETRY_BASE_SECONDS = env.int("WEBHOOKS_RETRY_BASE_SECONDS", default=60)  # ~1 min, 2, 4, 8... with jitter
WEBHOOKS_RETRY_MAX_SECONDS = env.int("WEBHOOKS_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOKS_RETRY_WINDOW_SECONDS = env.int("WEBHOOKS_RETRY_WINDOW_SECONDS", default=3 * 24 * 3600)
WEBHOOKS_DISABLE_AFTER_SECONDS = env.int("WEBHOOKS_DISABLE_AFTER_SECONDS", default=3 * 24 * 3600)
WEBHOOKS_LEASE_SECONDS = env.int("WEBHOOKS_LEASE_SECONDS", default=120)
WEBHOOKS_SECRET_OVERLAP_SECONDS = env.int("WEBHOOKS_SECRET_OVERLAP_SECONDS", default=24 * 3600)
