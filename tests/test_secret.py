"""Secrets never print themselves, and redaction masks them in any text and in log records."""

from __future__ import annotations

import logging
import pickle

import pytest

from oc_connector.secret import (
    REDACTED,
    RedactingFilter,
    Secret,
    install_log_redaction,
    redact,
    register_secret,
)

KEY = "k3yK3yk3y" * 8  # 72 characters, like a real API key


def test_secret_hides_value_in_repr_str_and_format() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret)
    assert KEY not in str(secret)
    assert KEY not in f"{secret} {secret!r}"
    assert secret.get() == KEY


def test_secret_refuses_empty_values() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Secret("")


def test_secret_survives_pickling_and_compares_by_value() -> None:
    secret = Secret(KEY)
    assert pickle.loads(pickle.dumps(secret)) == secret
    assert Secret(KEY) != Secret(KEY + "x")


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("GET /index.php?route=api/order/info&api_token=0123456789abcdef0123456789&order_id=1",
         "0123456789abcdef0123456789"),
        ("POST body username=Default&key=supersecretkey123", "supersecretkey123"),
        ('{"api_token":"abcdefabcdefabcdefabcdef12"}', "abcdefabcdefabcdefabcdef12"),
        ("Location: /admin/index.php?route=common/dashboard&user_token=AbCdEf0123456789AbCdEf0123456789",
         "AbCdEf0123456789AbCdEf0123456789"),
        ("password=hunter2hunter2&username=admin", "hunter2hunter2"),
        ("Authorization: Basic RGVmYXVsdDpzZWNyZXQ=", "RGVmYXVsdDpzZWNyZXQ="),
        ("api_token%3Dfeedfacefeedfacefeedface00", "feedfacefeedfacefeedface00"),
    ],
)
def test_redact_masks_secret_parameters(text: str, leak: str) -> None:
    out = redact(text)
    assert leak not in out
    assert REDACTED in out


def test_redact_masks_registered_values_anywhere() -> None:
    token = "9f8e7d6c5b4a39281706f5e4d3"
    register_secret(token)
    assert token not in redact(f"the shop said: session {token} is gone")
    secret = Secret("an-admin-password-42")
    assert "an-admin-password-42" not in redact("login failed for an-admin-password-42")
    assert "plain" in redact("plain words stay", extra=[secret])


def test_redacting_filter_cleans_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("oc_connector.test_secret")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.DEBUG, logger=logger.name):
            logger.debug("calling %s", f"index.php?route=api/login&key={KEY}")
            try:
                raise RuntimeError(f"boom api_token=cafebabecafebabecafebabe00 {KEY}")
            except RuntimeError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert KEY not in text
    assert "cafebabecafebabecafebabe00" not in text
    assert "failed" in text and "calling" in text


def test_installed_redaction_cleans_records_of_any_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    token = "abcdef0123456789abcdef0123"
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        logging.getLogger("urllib3.connectionpool").debug(
            '%s://%s:%s "%s %s %s" %s', "http", "127.0.0.1", 8080, "GET",
            f"/index.php?route=api/order/info&api_token={token}&order_id=1", "HTTP/1.1", 200,
        )
    (record,) = [r for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert token not in record.getMessage()
    assert "api_token=***&order_id=1" in record.getMessage()
