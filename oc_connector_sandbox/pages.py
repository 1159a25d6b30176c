"""The storefront HTML pages the API can end up on: Not Found and maintenance."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["maintenance_page", "not_found_page"]

_TITLE = "The page you requested cannot be found!"


def _requested_url(base_url: str, environ: dict[str, Any]) -> str:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    route = next((v for k, v in pairs if k == "route"), "")
    rest = "&".join(f"{k}={v}" for k, v in pairs if k != "route")
    url = f"{base_url}index.php?route={route}" + (f"&{rest}" if rest else "")
    return html.escape(url, quote=True).replace("&#x27;", "'")


def not_found_page(base_url: str, environ: dict[str, Any]) -> str:
    """The storefront's Not Found page (HTTP 404), with the requested URL in its links."""
    url = _requested_url(base_url, environ)
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
<meta charset="UTF-8" />
<title>{_TITLE}</title>
<base href="{base_url}" />
</head>
<body>
<form action="{base_url}index.php?route=common/currency/currency" method="post" id="form-currency">
    <input type="hidden" name="code" value="" />
    <input type="hidden" name="redirect" value="{url}" />
</form>
<div id="error-not-found" class="container">
  <ul class="breadcrumb">
        <li><a href="{base_url}index.php?route=common/home"><i class="fa fa-home"></i></a></li>
        <li><a href="{url}">{_TITLE}</a></li>
      </ul>
  <div class="row">
    <div id="content" class="col-sm-12">
      <h1>{_TITLE}</h1>
      <p>The page you requested cannot be found.</p>
      <div class="buttons clearfix">
        <div class="pull-right"><a href="{base_url}index.php?route=common/home"
          class="btn btn-primary">Continue</a></div>
      </div>
    </div>
  </div>
</div>
</body></html>
"""


def maintenance_page(base_url: str) -> str:
    """The storefront's maintenance page (served with HTTP 503 by the maintenance fault)."""
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="en">
<head><meta charset="UTF-8" /><title>Maintenance</title><base href="{base_url}" /></head>
<body><div class="container"><div class="row"><div class="col-sm-12">
<h1 style="text-align:center;">We are currently performing some scheduled maintenance.
<br/>We will be back as soon as possible. Please check back soon.</h1>
</div></div></div></body></html>
"""
