-- Daily sales per shop, store, status and order currency (deleted and status-0 orders excluded).
-- OpenCart stores `total` in the shop's default currency; `currency_value` is the rate to the order
-- currency, so revenue in order currency is total * currency_value.
SELECT
    o.shop AS shop,
    {day_expr} AS day,
    o.store_id AS store_id,
    o.store_name AS store_name,
    o.order_status_id AS order_status_id,
    o.order_status AS order_status,
    o.currency_code AS currency_code,
    COUNT(*) AS orders,
    SUM(o.total * o.currency_value) AS revenue_order_currency,
    SUM(o.total) AS revenue_default_currency
FROM opencart_orders o
WHERE o._deleted_at IS NULL
  AND o.order_status_id IS NOT NULL
  AND o.order_status_id <> 0
GROUP BY o.shop, {day_expr}, o.store_id, o.store_name, o.order_status_id, o.order_status, o.currency_code
