"""The error tree: what callers branch on, and errors that survive pickling without secrets."""

from __future__ import annotations

import pickle

import pytest

from oc_connector import errors as E


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
    ],
)
def test_tree_and_retriability(cls: type[E.OpenCartError], parent: type[Exception], retriable: bool) -> None:
    assert issubclass(cls, parent)
    assert issubclass(cls, E.OpenCartError)
    assert cls.retriable is retriable


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
