"""What a 4.0 shop answers instead of JSON: the storefront's Not Found page and PHP's error texts.

Paths in PHP messages use :data:`OC_ROOT`, the sandbox's stand-in for the shop's document root
(the recordings show it as ``<OC_ROOT>``).
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "OC_ROOT",
    "SESSION_FATAL",
    "not_found_page",
    "php_error",
    "php_warning",
    "token_type_error",
]

OC_ROOT = "/var/www/html"
_TITLE = "The page you requested cannot be found!"


def php_error(message: str, file: str, line: int) -> str:
    """An uncaught PHP error as OpenCart 4.0's error handler prints it (``file`` relative to the root)."""
    return f"<b>{message}</b>: in <b>{OC_ROOT}/{file}</b> on line <b>{line}</b>"


def php_warning(message: str, file: str, line: int) -> str:
    """A PHP warning printed into the page with ``config_error_display`` on."""
    return f"<b>Warning</b>: {message} in <b>{OC_ROOT}/{file}</b> on line <b>{line}</b>"


SESSION_FATAL = php_error(
    "Typed property Opencart\\System\\Library\\Session::$session_id"
    " must not be accessed before initialization",
    "system/library/session.php",
    56,
)
"""The body of the HTTP 500 for an unknown, expired, disabled-user or IP-revoked ``api_token``."""


def token_type_error(function: str, argument: str, file: str, line: int) -> str:
    """The ``TypeError`` text of a string argument sent as an array (``api_token[]``, ``key[]``)."""
    return php_error(f"{function}(): Argument {argument} must be of type string, array given", file, line)


def _requested_url(base_url: str, environ: dict[str, Any]) -> str:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    route = next((v for k, v in pairs if k == "route"), "")
    rest = "&".join(f"{k}={v}" for k, v in pairs if k != "route")
    url = f"{base_url}index.php?route={route}" + (f"&{rest}" if rest else "")
    return html.escape(url, quote=True).replace("&#x27;", "'")


def not_found_page(base_url: str, environ: dict[str, Any], currencies: list[tuple[str, str]]) -> str:
    """The 4.0 storefront's Not Found page (HTTP 404), linking back to the requested URL.

    ``currencies`` are the enabled (code, label) pairs of the header's currency switcher.
    """
    url = _requested_url(base_url, environ)
    home = f"{base_url}index.php?route=common/home&amp;language=en-gb"
    items = "\n".join(
        f'          <li><a href="{code}" class="dropdown-item">{html.escape(label)}</a></li>'
        for code, label in currencies
    )
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
  <meta charset="UTF-8"/>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_TITLE}</title>
  <base href="{base_url}"/>
  <link href="catalog/view/stylesheet/stylesheet.css" type="text/css" rel="stylesheet"/>
</head>
<body>
<nav id="top">
  <div class="container">
    <form action="{base_url}index.php?route=common/currency.save&amp;language=en-gb" method="post"
      enctype="multipart/form-data" id="form-currency">
      <ul class="dropdown-menu">
{items}
      </ul>
      <input type="hidden" name="code" value=""/> <input type="hidden" name="redirect" value="{url}"/>
    </form>
  </div>
</nav>
<main>
<div id="error-not-found" class="container">
  <ul class="breadcrumb">
    <li class="breadcrumb-item"><a href="{home}"><i class="fas fa-home"></i></a></li>
    <li class="breadcrumb-item"><a href="{url}">{_TITLE}</a></li>
  </ul>
  <div class="row">
    <div id="content" class="col">
      <h1>{_TITLE}</h1>
      <p>The page you requested cannot be found.</p>
      <div class="text-end"><a href="{home}" class="btn btn-primary">Continue</a></div>
    </div>
  </div>
</div>
</main>
<footer><div class="container"><p>Powered By <a href="https://www.opencart.com">OpenCart</a></p></div></footer>
</body></html>
"""
