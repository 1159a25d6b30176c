"""The error tree: what callers branch on, and errors that survive pickling without secrets."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from oc_connector import errors as E
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.marts import count_rows
from oc_connector.wire.ratelimit import Limiter, RateLimit
from tests.sync.fakes import FakeShop

ENGINE = sa.create_engine("sqlite://")  # never connected to: the settings are refused first


@pytest.mark.parametrize(
    ("cls", "parent", "retriable"),
    [
        (E.ConfigurationError, E.OpenCartError, False),
        (E.ConnectError, E.TransportError, True),
        (E.ReadTimeout, E.TransportError, True),
        (E.TLSError, E.TransportError, False),
        (E.AuthenticationError, E.APIError, False),
        (E.IPNotAllowedError, E.APIError, False),
        (E.PermissionDenied, E.APIError, False),
        (E.NotFoundError, E.APIError, False),
        (E.ValidationError, E.APIError, False),
        (E.RateLimitedError, E.ResponseError, True),
        (E.ServerError, E.ResponseError, True),
        (E.RouteNotFoundError, E.ResponseError, False),
        (E.UnexpectedResponseError, E.ResponseError, True),
        (E.OutcomeUnknown, E.OpenCartError, False),
        (E.AdminLoginError, E.AdminError, False),
        (E.AdminFormError, E.AdminError, False),
        (E.AdminNotFoundError, E.AdminError, False),
        (E.AdminPageError, E.AdminError, False),
        (E.SyncLockedError, E.OpenCartError, False),
        (E.UnsupportedOnVersion, E.OpenCartError, False),
    ],
)
def test_tree_and_retriability(cls: type[E.OpenCartError], parent: type[Exception], retriable: bool) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, E.OpenCartError)
    assert cls.retriable is retriable


def test_configuration_error_is_also_a_value_error() -> None:
    assert issubclass(E.ConfigurationError, ValueError)
    with pytest.raises(ValueError, match="batch_size"):
        raise E.ConfigurationError("SyncOptions batch_size=0: each must be >= 1")


def test_the_docstring_draws_every_error_of_the_tree() -> None:
    classes = [getattr(E, name) for name in E.__all__]
    assert all(issubclass(cls, E.OpenCartError) for cls in classes)
    drawn = E.__doc__ or ""
    assert [name for name in E.__all__ if f"{name} " not in drawn] == []


def test_str_carries_route_status_and_excerpt() -> None:
    err = E.ValidationError(
        "firstname refused", route="api/customer", status=200, excerpt='{"error":{"firstname":"..."}}',
        fields={"firstname": "First Name must be between 1 and 32 characters!"},
    )
    text = str(err)
    assert "api/customer" in text and "http=200" in text and "firstname" in text
    assert err.fields == {"firstname": "First Name must be between 1 and 32 characters!"}


def test_errors_pickle_with_their_attributes() -> None:
    err = E.IPNotAllowedError("IP not allowed", route="api/login", ip="203.0.113.9", error={"ip": "x"})
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, E.IPNotAllowedError)
    assert back.ip == "203.0.113.9" and back.route == "api/login" and back.error == {"ip": "x"}
    unknown = E.OutcomeUnknown("order/add unknown", route="api/order/add", cause=E.ReadTimeout("slow"))
    assert isinstance(pickle.loads(pickle.dumps(unknown)).cause, E.ReadTimeout)


def test_admin_page_error_names_page_and_field_and_pickles() -> None:
    err = E.AdminPageError("unreadable amount '1,23'", page="sale/order", field="order 5 total")
    assert "sale/order" in str(err) and "order 5 total" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert (back.page, back.field, back.route) == ("sale/order", "order 5 total", "sale/order")


@pytest.mark.parametrize(
    ("build", "setting"),
    [
        (lambda: Secret(""), "non-empty"),
        (lambda: Limiter(RateLimit(per_second=0)), "per_second"),
        (lambda: OrderSync(FakeShop(), ENGINE, SyncOptions(batch_size=0)), "batch_size"),
        (lambda: OrderSync(FakeShop(), ENGINE).backfill(5, 4), "first_id"),
        (lambda: count_rows(ENGINE, name="mart_nope"), "mart_nope"),
    ],
    ids=["secret", "rate-limit", "sync-options", "backfill-range", "mart"],
)
def test_bad_settings_raise_configuration_error_naming_them(
    build: Callable[[], object], setting: str
) -> None:
    with pytest.raises(E.ConfigurationError, match=setting):
        build()
