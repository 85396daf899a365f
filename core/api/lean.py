"""The lean dispatch of a hot list: a plain `GET` answered by DRF's own steps, without its general machinery.

A hot list (a `TeamScopedViewSet` with a `hot_list`, `core.api.statements`) is the most called
request of the API. For a plain `GET` of it — no `?format=`, an `Accept` that JSON answers at once
(`JSONFirstNegotiation.FAST_ACCEPTS`) — everything DRF's `APIView.dispatch` decides is known
before the request arrives except the caller, its scopes, its rate and the page. So the view the
router mounts for the list route serves such a request itself, calling the viewset's own methods
in DRF's order:

- the viewset instance, its action map and `request` as DRF's viewset view sets them up, the
  request wrapped by the viewset's `initialize_request`;
- the renderer the negotiation would pick (the first, JSON) without running it; no versioning
  (a viewset with a versioning class is refused at import);
- `perform_authentication`, `check_permissions`, `check_throttles`: the same authentication,
  scopes and rate limit, in the same order; the rate limit's count is sent to Redis before the
  page is read and its answer read after (`_check_throttles`), so both servers work at once;
- the page: `hot_list.page` (the filters, the keyset, the kept statement and the rows, as the
  DRF path's `list`), rendered by the viewset's renderer straight into an `HttpResponse` — not a
  `Response` rendered later through Django's template-response machinery;
- any exception through the viewset's `handle_exception` (the same error envelopes), and every
  answer through its `finalize_response` (`Allow`, `Vary`, the `RateLimit-*` headers).

Every other request of the route (a `POST`, a `HEAD`, another `Accept`, `?format=`) goes through
DRF's dispatch. What DRF's dispatch does on top (format suffix, negotiation, versioning) is
skipped only where its outcome is fixed. `tests/api/test_lean.py` compares the two paths'
answers (status, headers, body) for successes and every kind of error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings

from core.api.negotiation import JSONFirstNegotiation
from core.api.throttling import Pending

View = Callable[..., HttpResponseBase]


def is_plain_get(request: HttpRequest) -> bool:
    """A `GET` whose answer is JSON whatever the full negotiation would weigh (see the module's text)."""
    return (
        request.method == "GET"
        and request.META.get("HTTP_ACCEPT", "").strip() in JSONFirstNegotiation.FAST_ACCEPTS
        and api_settings.URL_FORMAT_OVERRIDE not in request.GET
    )


def list_view(cls: Any, drf_view: View) -> View:
    """The view function for `cls`'s list route: plain `GET`s dispatched lean, the rest by DRF (`drf_view`)."""
    if cls.versioning_class is not None or cls.content_negotiation_class is not JSONFirstNegotiation:
        raise ImproperlyConfigured(f"{cls.__qualname__}: a lean list needs JSON-first negotiation and no versioning")
    renderer_class = cls.renderer_classes[0]
    if renderer_class.media_type != "application/json":
        raise ImproperlyConfigured(f"{cls.__qualname__}: a lean list answers JSON first")
    actions: dict[str, str] = drf_view.actions  # type: ignore[attr-defined]
    initkwargs: dict[str, Any] = drf_view.initkwargs  # type: ignore[attr-defined]

    @functools.wraps(drf_view)  # `cls`, `actions`, `initkwargs`, `csrf_exempt`: the schema and Django read them
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_plain_get(request):
            return drf_view(request, *args, **kwargs)
        self = cls(**initkwargs)
        if "get" in actions and "head" not in actions:
            actions["head"] = actions["get"]  # as DRF's viewset view does
        self.action_map = actions
        for method, action in actions.items():
            setattr(self, method, getattr(self, action))
        self.args, self.kwargs = args, kwargs
        self.format_kwarg = None
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        renderer = renderer_class()
        drf_request.accepted_renderer, drf_request.accepted_media_type = renderer, renderer.media_type
        drf_request.version, drf_request.versioning_scheme = None, None
        response: HttpResponseBase
        counting: list[Pending] = []
        try:
            self.perform_authentication(drf_request)
            self.check_permissions(drf_request)
            _check_throttles(self, drf_request, counting)
            try:
                body = self.paginator.body(self.hot_list.page(self, drf_request))
            finally:
                for pending in counting:
                    pending.settle()
            if (refusal := _refusal(counting)) is not None:
                raise refusal
            response = HttpResponse(renderer.render(body, renderer.media_type), content_type=renderer.media_type)
        except Exception as exc:
            # Over the limit, that answers whatever the read raised, as in DRF's order.
            response = self.handle_exception(_refusal(counting) or exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return self.response

    return view


def _refusal(counting: list[Pending]) -> Throttled | None:
    """The 429 of a settled count over the limit (as DRF's `throttled` raises it), or None."""
    refused = [pending for pending in counting if not pending.allowed]
    return Throttled(wait=max(pending.throttle.wait() for pending in refused)) if refused else None


def _check_throttles(view: Any, request: Any, counting: list[Pending]) -> None:
    """DRF's `check_throttles`, except that a throttle able to count while the page is read
    (`CredentialRateThrottle.start`) leaves its `Pending` count in `counting`, settled once the page is
    read: the rate limit's Redis round trip overlaps the page's query. The page's read is wasted for a
    request over the limit (still refused, with the same 429); reads only, so nothing changes.
    """
    waits = []
    for throttle in view.get_throttles():
        start = getattr(throttle, "start", None)
        pending = start(request, view) if start is not None else None
        if pending is not None:
            counting.append(pending)
        elif not throttle.allow_request(request, view):
            waits.append(throttle.wait())
    if waits:
        for pending in counting:
            pending.settle()
        view.throttled(request, max(wait for wait in waits if wait is not None))
