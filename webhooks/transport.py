"""The HTTP POST of one webhook attempt: checked address, no redirects, a hard deadline, a bounded read.

`http.client` follows no redirects (a 3xx is just a non-2xx answer). The connection goes to the IP
address `targets.resolve_target` checked, while the Host header and TLS (SNI and certificate
verification) use the URL's host name.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from webhooks.targets import Target, UnsafeTargetError, resolve_target

RESPONSE_BODY_LIMIT = 2048
USER_AGENT = "ShockingEnergy-Webhooks/1.0 (+https://shocking.example.com/docs/webhooks)"


class TransportError(Exception):
    """The request did not get an HTTP answer: refused target, DNS, connection, TLS or timeout."""


@dataclass(frozen=True)
class TransportResponse:
    status_code: int
    body: str  # the first RESPONSE_BODY_LIMIT bytes, decoded leniently


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> TransportResponse: ...


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def _abort(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class HTTPTransport:
    """The real transport: SSRF re-check at send time, then one POST with an overall deadline."""

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> TransportResponse:
        try:
            target = resolve_target(url)
        except UnsafeTargetError as exc:
            raise TransportError(str(exc)) from None
        connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(target, timeout)
        # The socket timeout bounds each read; the watchdog bounds the whole exchange (a slow drip).
        watchdog = threading.Timer(timeout, _abort, args=(connection,))
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        try:
            connection.request("POST", target.path, body=body, headers={**headers, "User-Agent": USER_AGENT})
            response = connection.getresponse()
            content = response.read(RESPONSE_BODY_LIMIT)
            return TransportResponse(response.status, content.decode("utf-8", errors="replace"))
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() - started >= timeout or isinstance(exc, TimeoutError | socket.timeout):
                raise TransportError(f"Timed out after {timeout:g} s.") from None
            raise TransportError(f"{type(exc).__name__}: {exc}"[:500]) from None
        finally:
            watchdog.cancel()
            connection.close()
