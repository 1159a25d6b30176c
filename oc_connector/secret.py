"""Secrets and redaction.

A :class:`Secret` wraps a credential (API key, admin password, api_token) so that it never shows in
``repr``, ``str``, logs or tracebacks. :func:`redact` removes secret values and secret-looking
parameters (``api_token``, ``key``, ``password``, ``user_token``) from any text, and
:class:`RedactingFilter` applies it to log records.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from oc_connector.errors import ConfigurationError

__all__ = ["REDACTED", "RedactingFilter", "Secret", "install_log_redaction", "redact", "register_secret"]

REDACTED = "***"

# query/form parameters whose values are secrets wherever they appear
_SECRET_PARAMS = ("api_token", "user_token", "key", "password", "token", "api_key", "apikey")
_PARAM_RE = re.compile(
    r"(?P<name>(?<![A-Za-z0-9_])(?:" + "|".join(_SECRET_PARAMS) + r"))"
    r"(?P<sep>=|%3D|\"\s*:\s*\"|'\s*:\s*'|:\s*)"
    r"(?P<value>[^&\s\"',;}]+)",
    re.IGNORECASE,
)
_AUTH_HEADER_RE = re.compile(
    r"(Authorization['\"]?\s*[:=]\s*['\"]?(?:Basic|Bearer)\s+)[A-Za-z0-9+/=._-]+", re.IGNORECASE
)

_known: set[str] = set()
_known_lock = threading.Lock()


class Secret:
    """A credential that never prints itself.

    Args:
        value: the secret text. Empty values are refused: a missing credential is a configuration
            error, never an empty default.

    Raises:
        ConfigurationError: ``value`` is empty or not a string.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.get()
        if not isinstance(value, str) or not value:
            raise ConfigurationError("a secret (API key, admin password, token) must be a non-empty string")
        self._value = value
        register_secret(value)

    def get(self) -> str:
        """Return the secret value (only to put it on the wire)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


def register_secret(value: str | None) -> None:
    """Remember a secret value (e.g. a fresh api_token) so that :func:`redact` removes it everywhere."""
    if value and len(value) >= 4:
        with _known_lock:
            _known.add(value)


def redact(text: Any, extra: Iterable[str | Secret | None] = ()) -> str:
    """Return ``text`` with every known secret and every secret-looking parameter value masked.

    Args:
        text: any object; it is converted with ``str``.
        extra: further secret values to mask.
    """
    out = str(text)
    if not out:
        return out
    with _known_lock:
        values = set(_known)
    for item in extra:
        if isinstance(item, Secret):
            values.add(item.get())
        elif item:
            values.add(item)
    # longest first, so that a secret containing another is masked whole
    for value in sorted(values, key=len, reverse=True):
        if value in out:
            out = out.replace(value, REDACTED)
    out = _PARAM_RE.sub(lambda m: f"{m.group('name')}{m.group('sep')}{REDACTED}", out)
    return _AUTH_HEADER_RE.sub(lambda m: f"{m.group(1)}{REDACTED}", out)


def _redact_message(record: logging.LogRecord) -> None:
    """Format the record's message now and keep it redacted (the arguments are dropped)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not break logging
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets from the formatted message and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        _redact_message(record)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_factory_lock = threading.Lock()
_installed = False


def install_log_redaction() -> None:
    """Redact every log record of the process when it is created, whoever logs it.

    A filter on a handler only cleans what reaches that handler; libraries underneath (urllib3
    logs each request URL, api_token included, at DEBUG) reach whatever handlers an application
    configures. Applications (the CLI, the Dagster definitions) call this once; it is idempotent.
    The library itself never changes global logging.
    """
    global _installed
    with _factory_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_message(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
