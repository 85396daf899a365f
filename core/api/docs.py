"""`/v1/openapi.json` built once per process and served compressed and cacheable.

The schema only changes with a deploy, but drf-spectacular rebuilds it (1.6 MB, seconds of work) on
every request. Here it is generated on first use, kept as bytes with a gzip copy and an ETag, and
answered with `Cache-Control` so browsers and Swagger UI revalidate instead of downloading again.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from drf_spectacular.generators import SchemaGenerator

CACHE_CONTROL = "public, max-age=300, must-revalidate"


@functools.cache
def published_schema() -> tuple[bytes, bytes, str]:
    """The schema as JSON bytes, its gzip copy and its ETag."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    body = json.dumps(document, default=str, ensure_ascii=False, separators=(",", ":")).encode()
    return body, gzip.compress(body, compresslevel=6, mtime=0), f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def openapi_json(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    body, compressed, etag = published_schema()
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, content_type="application/vnd.oai.openapi+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/vnd.oai.openapi+json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
