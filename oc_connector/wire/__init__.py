"""The wire: HTTP transport, TLS policy, timeouts, rate limit, retries and response decoding.

Everything that touches a socket goes through :class:`~oc_connector.wire.transport.Transport`;
the catalog API (:mod:`oc_connector.api`) and the admin channel (:mod:`oc_connector.admin`) are
built on it and share one limiter per shop.
"""
