"""Content negotiation: JSON at once for the usual `Accept`; the first renderer for file downloads."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class FirstRendererNegotiation(BaseContentNegotiation):
    """Always the view's first renderer, whatever `Accept` says: the file on success, JSON for errors."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)


class JSONFirstNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the common case decided without parsing `Accept`.

    Nearly every call sends no `Accept`, `*/*` or `application/json`: each picks the first renderer,
    JSON, exactly as the full negotiation would, so that answer is given at once (parsing the header
    into media types was ~3% of a hot list's time). Anything else (a `?format=`, another type, q
    values) goes through the full negotiation, 406 included.
    """

    FAST_ACCEPTS = frozenset({"", "*/*", "application/json"})

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        listed = list(renderers)
        first = listed[0] if listed else None
        if (
            first is not None
            and first.media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT", "").strip() in self.FAST_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, listed, format_suffix)
