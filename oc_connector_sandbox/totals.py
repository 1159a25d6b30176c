"""Order totals like the shop's default order-total extensions (spec 4.5, 6; INDEX.md demo tax rules).

Extensions in ``sort_order``: sub_total (1), reward (2), shipping (3), coupon (4), tax (5), credit (7),
voucher (8), total (9). Amounts are floats in the default currency; ``format_money`` renders them in the
session currency like OpenCart's ``currency->format``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oc_connector_sandbox.app import CatalogApp

__all__ = [
    "CartLine",
    "Total",
    "TotalsResult",
    "cart_lines",
    "compute_totals",
    "compute_totals_full",
    "display_totals",
    "format_money",
    "logged_customer_id",
    "needs_shipping",
    "php_round",
    "product_taxes",
    "reward_balance",
    "session_currency",
    "session_vouchers",
    "tax_address_is_gb",
    "with_tax",
]

TAXABLE_CLASS = 9
VAT_RATE_ID, ECO_RATE_ID = 86, 87
VAT_TITLE, ECO_TITLE = "VAT (20%)", "Eco Tax (-2.00)"
SORT = {
    "sub_total": 1,
    "reward": 2,
    "shipping": 3,
    "coupon": 4,
    "tax": 5,
    "credit": 7,
    "voucher": 8,
    "total": 9,
}


@dataclass
class Total:
    """One order-total line."""

    code: str
    title: str
    value: float
    sort_order: int


@dataclass
class CartLine:
    """One cart line with its product data (prices exclude tax, default currency)."""

    cart_id: int
    product_id: int
    name: str
    model: str
    shipping: int
    quantity: int
    price: float
    total: float
    tax_class_id: int
    reward: int
    points: int
    minimum: int
    stock: bool
    option: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TotalsResult:
    """Totals plus the per-tax-rate amounts they were built from."""

    totals: list[Total]
    total: float
    taxes: dict[int, float]


def php_round(value: float, places: int = 2) -> float:
    """PHP round(): half away from zero, on the decimal representation."""
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def session_currency(app: CatalogApp, session: dict[str, Any]) -> dict[str, Any]:
    """The session currency row (falls back to ``config_currency``)."""
    st = app.state
    code = session.get("currency") or st.get_setting("config_currency", "USD")
    rows = st.query("SELECT * FROM oc_currency WHERE code = ? AND status = 1", (code,))
    if not rows:
        rows = st.query(
            "SELECT * FROM oc_currency WHERE code = ?", (st.get_setting("config_currency", "USD"),)
        )
    if not rows:
        return {
            "currency_id": 0,
            "code": "USD",
            "symbol_left": "$",
            "symbol_right": "",
            "decimal_place": "2",
            "value": "1.00000000",
        }
    return rows[0]


def format_money(app: CatalogApp, session: dict[str, Any], amount: float) -> str:
    """``currency->format(amount, session currency)``: converted, rounded, thousands separator."""
    cur = session_currency(app, session)
    places = int(cur["decimal_place"] or 0)
    value = php_round(float(amount) * float(cur["value"]), places)
    text = f"{value:,.{places}f}"
    if text.startswith("-") and value == 0:
        text = text[1:]
    return f"{cur['symbol_left']}{text}{cur['symbol_right']}"


# -- cart -----------------------------------------------------------------------------------------
def cart_lines(app: CatalogApp, session: dict[str, Any], token: str | None) -> list[CartLine]:
    """The session's cart lines (``cart.cart_lines``: available products only, quantity > 0)."""
    from oc_connector_sandbox import cart  # cart imports CartLine from here

    return cart.cart_lines(app, session, token)


def needs_shipping(lines: list[CartLine]) -> bool:
    """Whether any cart line requires shipping."""
    return any(line.shipping for line in lines)


def session_vouchers(session: dict[str, Any]) -> list[dict[str, Any]]:
    """Session gift vouchers to sell (``vouchers`` keyed by session code or a list)."""
    raw = session.get("vouchers") or {}
    items = list(raw.values()) if isinstance(raw, dict) else list(raw)
    return [v for v in items if isinstance(v, dict)]


# -- tax --------------------------------------------------------------------------------------------
def tax_address_is_gb(app: CatalogApp, session: dict[str, Any]) -> bool:
    """Demo rules are shipping-address based; before one is set the store address (GB) applies."""
    addr = session.get("shipping_address")
    country_id = (addr or {}).get("country_id") if addr else app.state.get_setting("config_country_id", 222)
    rows = app.state.query("SELECT iso_code_2 FROM oc_country WHERE country_id = ?", (str(country_id or 0),))
    return bool(rows) and rows[0]["iso_code_2"] == "GB"


def product_taxes(
    app: CatalogApp, session: dict[str, Any], amount: float, tax_class_id: int
) -> dict[int, float]:
    """Per-rate tax of one unit amount: VAT 20 % and Eco Tax 2.00 for class 9 on GB addresses."""
    if tax_class_id != TAXABLE_CLASS or not tax_address_is_gb(app, session):
        return {}
    return {ECO_RATE_ID: 2.0, VAT_RATE_ID: amount * 0.2}


def with_tax(app: CatalogApp, session: dict[str, Any], amount: float, tax_class_id: int) -> float:
    """``tax->calculate`` with ``config_tax`` on."""
    if not int(app.state.get_setting("config_tax", 1)):
        return amount
    return amount + sum(product_taxes(app, session, amount, tax_class_id).values())


def _number(value: Any) -> float:
    try:
        return abs(float(value or 0))
    except (TypeError, ValueError):
        return 0.0


def logged_customer_id(session: dict[str, Any]) -> int:
    """The logged-in customer (``customer_id``, else the session ``customer`` entry), 0 for guests."""
    cid = session.get("customer_id") or (session.get("customer") or {}).get("customer_id") or 0
    try:
        return int(cid)
    except (TypeError, ValueError):
        return 0


def reward_balance(app: CatalogApp, session: dict[str, Any]) -> int | None:
    """``customer->getRewardPoints()``: summed points, None without a customer or rows."""
    customer_id = logged_customer_id(session)
    if not customer_id:
        return None
    rows = app.state.query(
        "SELECT SUM(points) AS s FROM oc_customer_reward WHERE customer_id = ?", (customer_id,)
    )
    return None if rows[0]["s"] is None else int(rows[0]["s"])


# -- totals -----------------------------------------------------------------------------------------
def _enabled(app: CatalogApp, code: str) -> bool:
    return bool(int(app.state.get_setting(f"total_{code}_status", 1)))


def _coupon(app: CatalogApp, session: dict[str, Any], lines: list[CartLine]) -> dict[str, Any] | None:
    code = session.get("coupon")
    if not code:
        return None
    st = app.state
    now = st.clock.stamp()
    rows = st.query(
        "SELECT * FROM oc_coupon WHERE lower(rtrim(code)) = lower(rtrim(?)) AND status = 1 "
        "AND (date_start = '0000-00-00' OR date_start < ?) AND (date_end = '0000-00-00' OR date_end > ?)",
        (code, now, now),
    )
    if not rows:
        return None
    coupon = rows[0]
    if float(coupon["total"]) > sum(line.total for line in lines):
        return None
    used = st.query("SELECT COUNT(*) AS n FROM oc_coupon_history WHERE coupon_id = ?", (coupon["coupon_id"],))
    if int(coupon["uses_total"]) > 0 and used[0]["n"] >= int(coupon["uses_total"]):
        return None
    customer_id = logged_customer_id(session)
    if int(coupon["logged"]) and not customer_id:
        return None
    if customer_id and int(coupon["uses_customer"] or 0) > 0:
        mine = st.query(
            "SELECT COUNT(*) AS n FROM oc_coupon_history WHERE coupon_id = ? AND customer_id = ?",
            (coupon["coupon_id"], customer_id),
        )
        if mine[0]["n"] >= int(coupon["uses_customer"]):
            return None
    products = {
        r["product_id"]
        for r in st.query(
            "SELECT product_id FROM oc_coupon_product WHERE coupon_id = ?", (coupon["coupon_id"],)
        )
    }
    if products and not any(line.product_id in products for line in lines):
        return None
    coupon["product"] = products
    return coupon


def _voucher_balance(app: CatalogApp, session: dict[str, Any]) -> tuple[str, float] | None:
    code = session.get("voucher")
    if not code:
        return None
    st = app.state
    rows = st.query(
        "SELECT v.* FROM oc_voucher v JOIN oc_voucher_theme_description t ON t.voucher_theme_id = "
        "v.voucher_theme_id AND t.language_id = 1 WHERE lower(v.code) = lower(?) AND v.status = 1",
        (code,),
    )
    if not rows:
        return None
    v = rows[0]
    if int(v["order_id"] or 0):
        complete = [int(x) for x in st.get_setting("config_complete_status", [])]
        linked = st.query(
            "SELECT o.order_status_id FROM oc_order o JOIN oc_order_voucher ov ON ov.order_id = o.order_id "
            "WHERE o.order_id = ? AND ov.voucher_id = ?",
            (v["order_id"], v["voucher_id"]),
        )
        if not linked or int(linked[0]["order_status_id"]) not in complete:
            return None
    used = st.query(
        "SELECT SUM(amount) AS s FROM oc_voucher_history WHERE voucher_id = ?", (v["voucher_id"],)
    )
    balance = float(v["amount"]) + float(used[0]["s"] or 0)
    return (code, balance) if balance > 0 else None


def compute_totals_full(app: CatalogApp, session: dict[str, Any], token: str | None) -> TotalsResult:
    """Run the enabled order-total extensions in sort order."""
    lines = cart_lines(app, session, token)
    vouchers = session_vouchers(session)
    taxes: dict[int, float] = {}
    totals: list[Total] = []
    running = 0.0

    def add_tax(rates: dict[int, float], mult: float = 1.0) -> None:
        for rid, amt in rates.items():
            taxes[rid] = taxes.get(rid, 0.0) + amt * mult

    # sub_total
    for line in lines:
        add_tax(product_taxes(app, session, line.price, line.tax_class_id), line.quantity)
    sub_total = sum(line.total for line in lines) + sum(float(v.get("amount") or 0) for v in vouchers)
    if _enabled(app, "sub_total"):
        totals.append(Total("sub_total", "Sub-Total", sub_total, SORT["sub_total"]))
    running += sub_total
    # reward: applied only while the logged-in customer still has the points (session value as title)
    reward = _number(session.get("reward"))
    points_total = sum(line.points for line in lines)
    balance = reward_balance(app, session)
    if (
        session.get("reward") is not None
        and balance is not None
        and reward <= balance
        and _enabled(app, "reward")
    ):
        discount_total = 0.0
        for line in lines:
            if line.points:
                discount = line.total * (reward / points_total)
                for rid, amt in product_taxes(app, session, discount, line.tax_class_id).items():
                    if rid == VAT_RATE_ID:
                        taxes[rid] = taxes.get(rid, 0.0) - amt
                discount_total += discount
        label = int(reward) if reward == int(reward) else reward
        totals.append(Total("reward", f"Reward Points ({label})", -discount_total, SORT["reward"]))
        running -= discount_total
    # shipping
    method = session.get("shipping_method")
    if needs_shipping(lines) and isinstance(method, dict) and _enabled(app, "shipping"):
        cost = float(method.get("cost") or 0)
        totals.append(Total("shipping", str(method.get("title", "")), cost, SORT["shipping"]))
        add_tax(product_taxes(app, session, cost, int(method.get("tax_class_id") or 0)))
        running += cost
    # coupon
    coupon = _coupon(app, session, lines) if _enabled(app, "coupon") else None
    if coupon is not None:
        eligible = [ln for ln in lines if not coupon["product"] or ln.product_id in coupon["product"]]
        sub = sum(ln.total for ln in eligible)
        amount = float(coupon["discount"])
        if coupon["type"] == "F":
            amount = min(amount, sub)
        discount_total = 0.0
        for ln in eligible:
            if coupon["type"] == "F":
                discount = amount * (ln.total / sub) if sub else 0.0
            else:
                discount = ln.total / 100 * amount
            for rid, amt in product_taxes(app, session, discount, ln.tax_class_id).items():
                if rid == VAT_RATE_ID:
                    taxes[rid] = taxes.get(rid, 0.0) - amt
            discount_total += discount
        if int(coupon["shipping"]) and isinstance(method, dict) and needs_shipping(lines):
            cost = float(method.get("cost") or 0)
            for rid, amt in product_taxes(app, session, cost, int(method.get("tax_class_id") or 0)).items():
                if rid == VAT_RATE_ID:
                    taxes[rid] = taxes.get(rid, 0.0) - amt
            discount_total += cost
        discount_total = min(discount_total, running)
        if discount_total > 0:
            totals.append(Total("coupon", f"Coupon ({session['coupon']})", -discount_total, SORT["coupon"]))
            running -= discount_total
    # tax
    if _enabled(app, "tax"):
        for rid, title in ((ECO_RATE_ID, ECO_TITLE), (VAT_RATE_ID, VAT_TITLE)):
            if taxes.get(rid, 0.0) > 0:
                totals.append(Total("tax", title, taxes[rid], SORT["tax"]))
                running += taxes[rid]
    # credit
    customer_id = logged_customer_id(session)
    if customer_id and _enabled(app, "credit"):
        rows = app.state.query(
            "SELECT SUM(amount) AS s FROM oc_customer_transaction WHERE customer_id = ?", (customer_id,)
        )
        credit = min(float(rows[0]["s"] or 0), running)
        if credit > 0:
            totals.append(Total("credit", "Store Credit", -credit, SORT["credit"]))
            running -= credit
    # voucher
    voucher = _voucher_balance(app, session) if _enabled(app, "voucher") else None
    if voucher is not None:
        amount = min(voucher[1], running)
        if amount > 0:
            totals.append(Total("voucher", f"Gift Certificate ({voucher[0]})", -amount, SORT["voucher"]))
            running -= amount
        else:
            session.pop("voucher", None)  # OpenCart forgets a voucher with nothing left to cover
    totals.append(Total("total", "Total", max(0.0, running), SORT["total"]))
    return TotalsResult(totals=totals, total=max(0.0, running), taxes=taxes)


def compute_totals(app: CatalogApp, session: dict[str, Any], token: str | None) -> list[Total]:
    """The order-total lines of the session's cart and choices, in sort order."""
    return compute_totals_full(app, session, token).totals


def display_totals(app: CatalogApp, session: dict[str, Any], token: str | None) -> list[dict[str, str]]:
    """``cart/products`` ``totals``: ``{title, text}`` with ``text`` in the session currency."""
    return [
        {"title": t.title, "text": format_money(app, session, t.value)}
        for t in compute_totals(app, session, token)
    ]
