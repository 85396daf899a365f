"""WSGI entry point (gunicorn sync workers): /v1 through its own leaner handler (core/api/handler.py)."""

import gc
import os

import django
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # as get_wsgi_application does

from core.api.handler import Application  # noqa: E402

application = Application()

# Import every view now (the URL conf pulls them in), then move all that is loaded out of the
# cyclic garbage collector's reach: those objects live as long as the worker, and a full
# collection would otherwise walk every one of them again, a pause of tens of milliseconds in
# the middle of some request.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
