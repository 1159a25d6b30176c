"""The small HTTP seam the admin client talks through.

The admin channel needs: no automatic redirects (a 302 and its ``Location`` are the
answer), a cookie jar of its own, retries only for safe (read) requests, and
:class:`~oc_connector.errors.OutcomeUnknown` when a write's fate is unknown.
:class:`RequestsAdminHTTP` provides that on a private ``requests.Session``; any object
with the same ``request`` method can be passed to the client instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import requests
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from oc_connector.errors import ConnectError, OutcomeUnknown, ReadTimeout, TransportError
from oc_connector.secret import redact

FormData = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class AdminResponse:
    """What the client needs from one admin answer."""

    status: int
    text: str
    content_type: str = "text/html"
    location: str | None = None


class AdminHTTP(Protocol):
    """Sends one admin request (redirects are never followed)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str],
        data: FormData | None = None,
        safe: bool,
    ) -> AdminResponse:
        """Send the request; a safe one may be retried, an unsafe one never is."""
        ...


class _Retriable(Exception):
    """A 5xx answer to a safe request: worth another try."""

    def __init__(self, response: AdminResponse) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


class RequestsAdminHTTP:
    """:class:`AdminHTTP` on a private ``requests.Session`` (its own cookie jar).

    Args:
        timeout: (connect, read) seconds for every request.
        verify: TLS verification: True, False, or a CA bundle path.
        attempts: Tries for a safe request (connection errors, timeouts, 5xx).
        backoff: First wait between tries, in seconds (doubles, at most 8).
        session: An existing session (tests); a new one by default.
    """

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        verify: bool | str = True,
        attempts: int = 4,
        backoff: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        self._session = session or requests.Session()
        self._timeout = timeout
        self._verify = verify
        self._attempts = attempts
        self._backoff = backoff

    def _send(self, method: str, url: str, params: Mapping[str, str], data: FormData | None) -> AdminResponse:
        try:
            raw = self._session.request(
                method,
                url,
                params=dict(params),
                data=list(data) if data is not None else None,
                timeout=self._timeout,
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise ReadTimeout(redact(f"admin request timed out: {type(exc).__name__}")) from None
        except requests.ConnectionError as exc:
            raise ConnectError(redact(f"admin connection failed: {type(exc).__name__}")) from None
        return AdminResponse(
            status=raw.status_code,
            text=raw.text,
            content_type=raw.headers.get("Content-Type", ""),
            location=raw.headers.get("Location"),
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str],
        data: FormData | None = None,
        safe: bool,
    ) -> AdminResponse:
        """Send one request; see :class:`AdminHTTP`.

        Raises:
            TransportError: A safe request failed on every attempt.
            OutcomeUnknown: An unsafe request failed after it may have reached the shop.
        """
        if not safe:
            try:
                return self._send(method, url, params, data)
            except TransportError as exc:
                raise OutcomeUnknown(
                    "admin form post failed in transit; it may or may not have been applied",
                    cause=exc,
                    route=params.get("route"),
                ) from None
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_exponential(multiplier=self._backoff, max=8),
                retry=retry_if_exception_type((TransportError, _Retriable)),
                reraise=True,
            ):
                with attempt:
                    response = self._send(method, url, params, data)
                    if response.status >= 500:
                        raise _Retriable(response)
                    return response
        except _Retriable as exc:
            return exc.response
        raise AssertionError("unreachable")  # pragma: no cover
