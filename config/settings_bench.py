"""Benchmark settings: production settings over loopback HTTP, plus the comparison views in bench/."""

from config.settings_prod import *  # noqa: F403
from config.settings_prod import env

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
API_RATE_LIMIT = env("API_RATE_LIMIT", default="100000000/min")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
