"""PHP-style form handling: bracket-syntax POST parsing (``$_POST``), PHP comparisons, printed warnings.

``parse_form`` turns ``product[0][option][227]=17``, ``option[223][]=8``, ``voucher[0][code]=X``,
``custom_field[1]=a`` into nested dicts exactly as PHP builds ``$_POST``: every PHP array is a ``dict``
with string keys (``[]`` appends under the next integer key), every leaf a string cleaned like
OpenCart's request object (htmlspecialchars + trim, keys too).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.app import escape, php_json

if TYPE_CHECKING:
    from oc_connector_sandbox.app import CatalogApp, Request

__all__ = [
    "as_list",
    "email_valid",
    "is_php_array",
    "option_json",
    "parse_form",
    "php_empty",
    "php_gt",
    "php_lt",
    "post_form",
    "undefined_key",
    "with_warnings",
]

_NAME = re.compile(r"^([^\[]+)((?:\[[^\]]*\])*)$")
_SUB = re.compile(r"\[([^\]]*)\]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


def _next_index(d: dict[str, Any]) -> str:
    ints = [int(k) for k in d if re.fullmatch(r"-?\d+", k)]
    return str(max(ints) + 1 if ints and max(ints) >= 0 else 0)


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Build PHP's ``$_POST`` from raw (unescaped) name/value pairs; keys and leaves are escaped."""
    out: dict[str, Any] = {}
    for raw_name, raw_value in pairs:
        value = escape(raw_value)
        m = _NAME.match(raw_name)
        if m is None:  # PHP turns an unmatched "[" into "_" and keeps the rest as a flat name
            out[escape(raw_name.replace("[", "_", 1))] = value
            continue
        base = escape(m.group(1))
        subs = [escape(s) for s in _SUB.findall(m.group(2))]
        if not subs:
            out[base] = value
            continue
        node = out.get(base)
        if not isinstance(node, dict):
            node = out[base] = {}
        for i, sub in enumerate(subs):
            key = _next_index(node) if sub == "" else sub
            if i == len(subs) - 1:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return out


def post_form(req: Request) -> dict[str, Any]:
    """The request's POST body as PHP's ``$_POST``."""
    return parse_form(list(getattr(req, "post_pairs", None) or list(req.post.items())))


def is_php_array(value: Any) -> bool:
    """Whether a parsed form value is a PHP array."""
    return isinstance(value, dict)


def as_list(value: Any) -> list[Any]:
    """Values of a PHP array in order (``foreach``), a scalar gives nothing."""
    return list(value.values()) if isinstance(value, dict) else []


def _phpish(value: Any) -> Any:
    """Dicts keyed exactly 0..n-1 become lists, as PHP's json_encode renders them."""
    if isinstance(value, dict):
        conv = {k: _phpish(v) for k, v in value.items()}
        if list(conv) == [str(i) for i in range(len(conv))]:
            return list(conv.values())
        return conv
    return value


def option_json(option: Any) -> str:
    """``json_encode($option)`` as stored in ``oc_cart.option`` (empty -> ``[]``)."""
    value = _phpish(option) if isinstance(option, dict) else (option if option is not None else [])
    if value == {}:
        value = []
    return php_json(value).decode()


def php_empty(value: Any) -> bool:
    """PHP ``empty()``."""
    return value is None or value in ("", "0", 0, 0.0, False) or value == {} or value == []


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    return None


def _cmp(a: Any, b: Any) -> int:
    """PHP 8 loose comparison of scalars (null/strings/numbers): -1, 0 or 1."""
    if a is None or b is None:
        sa, sb = ("" if a is None else str(a)), ("" if b is None else str(b))
        if isinstance(a, bool | int | float) or isinstance(b, bool | int | float):
            fa, fb = _num(a) or 0.0, _num(b) or 0.0
            return (fa > fb) - (fa < fb)
        return (sa > sb) - (sa < sb)
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    sa, sb = str(a), str(b)
    return (sa > sb) - (sa < sb)


def php_gt(a: Any, b: Any) -> bool:
    """PHP ``a > b``."""
    return _cmp(a, b) > 0


def php_lt(a: Any, b: Any) -> bool:
    """PHP ``a < b``."""
    return _cmp(a, b) < 0


def email_valid(value: str) -> bool:
    """``filter_var(..., FILTER_VALIDATE_EMAIL)`` approximately, plus OpenCart's 96-character limit."""
    return len(value) <= 96 and len(value) <= 320 and bool(_EMAIL.match(value))


def undefined_key(key: str, file: str, line: int) -> str:
    """The HTML of PHP 8's "Undefined array key" warning with ``config_error_display`` on."""
    return f'<b>Warning</b>: Undefined array key "{key}" in <b><OC_ROOT>/{file}</b> on line <b>{line}</b>'


def with_warnings(app: CatalogApp, warnings: list[str], result: Any) -> Any:
    """``result`` as JSON preceded by the PHP warnings, when the shop displays errors."""
    from oc_connector_sandbox.app import Response

    shown = getattr(app.state, "php_notices", True) and int(app.state.get_setting("config_error_display", 1))
    if not warnings or not shown:
        return result
    return Response("".join(warnings).encode() + php_json(result))


def loads_option(text: str | None) -> Any:
    """Decode a stored ``oc_cart.option``."""
    try:
        return json.loads(text or "[]")
    except ValueError:
        return []
