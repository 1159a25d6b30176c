"""The one status-to-error table, and that the catalog API and the admin channel both go through it."""

from __future__ import annotations

import pytest
import responses

from oc_connector import errors
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.wire.decode import status_error
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport

BASE = "https://shop.example/"
ONCE = RetryPolicy(max_attempts=1, initial_backoff=0.0, jitter=0.0)
LOGIN_OK = '{"success":"Success: API session successfully started!","api_token":"aaaaaaaaaaaaaaaaaaaaaaaa01"}'
ADMIN_LOGGED_IN = f"{BASE}admin/index.php?route=common/dashboard&user_token=AbCdEfGhIjKlMnOpQrStUvWxYz012345"


@pytest.mark.parametrize(
    ("status", "cls", "retriable"),
    [
        (429, errors.RateLimitedError, True),
        (500, errors.ServerError, True),
        (501, errors.ServerError, True),
        (502, errors.ServerError, True),
        (503, errors.ServerError, True),
        (504, errors.ServerError, True),
        (599, errors.ServerError, True),
        (404, errors.RouteNotFoundError, False),
    ],
)
def test_error_statuses(status: int, cls: type[errors.ResponseError], retriable: bool) -> None:
    err = status_error(status, route="api/order/info", body=lambda: "<b>Fatal</b> api_token=abcdef0123456789",
                       retry_after=3.0)
    assert type(err) is cls and err.retriable is retriable
    assert (err.route, err.status) == ("api/order/info", status)
    assert err.excerpt is not None and "<b>" not in err.excerpt and "abcdef0123456789" not in err.excerpt
    if isinstance(err, errors.RateLimitedError | errors.ServerError):
        assert err.retry_after == 3.0


@pytest.mark.parametrize("status", [200, 204, 302, 400, 401, 403, 405, 418])
def test_other_statuses_leave_it_to_the_body_which_is_not_read(status: int) -> None:
    def unread() -> str:
        raise AssertionError("the body was read")

    assert status_error(status, route="api/order/info", body=unread) is None


def _catalog() -> OpenCartClient:
    transport = Transport(BASE, rate_limit=None, retry=ONCE, sleep=lambda _s: None)
    return OpenCartClient(BASE, api_key="SECRET-api-key-0123456789", transport=transport)


def _admin() -> AdminClient:
    transport = Transport(BASE, rate_limit=None, retry=ONCE, sleep=lambda _s: None)
    return AdminClient(BASE, username="admin", password="pw-Very-Secret-42", transport=transport)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(404, errors.RouteNotFoundError), (429, errors.RateLimitedError), (507, errors.ServerError)],
)
@responses.activate
def test_both_channels_turn_a_status_into_the_same_error(
    status: int, cls: type[errors.ResponseError]
) -> None:
    answer = {"status": status, "body": "<html>nope</html>", "headers": {"Retry-After": "4"}}
    responses.post(f"{BASE}index.php", body=LOGIN_OK)
    responses.get(f"{BASE}index.php", **answer)
    responses.post(f"{BASE}admin/index.php", status=302, headers={"Location": ADMIN_LOGGED_IN})
    responses.get(f"{BASE}admin/index.php", **answer)
    with pytest.raises(cls) as catalog:
        _catalog().order_info_raw(9)
    with pytest.raises(cls) as admin:
        _admin().coupon_form(3)
    got = [(type(e.value), e.value.status, e.value.excerpt, getattr(e.value, "retry_after", None))
           for e in (catalog, admin)]
    assert got[0] == got[1]
    assert (catalog.value.route, admin.value.route) == ("api/order/info", "marketing/coupon/edit")
