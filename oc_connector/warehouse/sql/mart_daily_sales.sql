-- Daily sales per shop, store and order currency over live orders (mart_orders). Gross counts the
-- orders that are revenue or refunds (refunded orders were sales), refunds the refunded ones, net
-- the difference: the revenue orders. Pending, failed or canceled orders count in `orders` only.
-- OpenCart stores `total` in the shop's default currency; the order-currency amounts are
-- ROUND(total * currency_value, 4) per order.
SELECT
    o.shop AS shop,
    o.day AS day,
    o.store_id AS store_id,
    MAX(o.store_name) AS store_name,
    o.currency_code AS currency_code,
    CAST(COUNT(*) AS BIGINT) AS orders,
    CAST(SUM(CASE WHEN o.is_revenue THEN 1 ELSE 0 END) AS BIGINT) AS revenue_orders,
    CAST(SUM(CASE WHEN o.is_refund THEN 1 ELSE 0 END) AS BIGINT) AS refunded_orders,
    {money_sum:CASE WHEN o.is_revenue OR o.is_refund THEN o.total_order_currency ELSE 0 END} AS gross_order_currency,
    {money_sum:CASE WHEN o.is_refund THEN o.total_order_currency ELSE 0 END} AS refunds_order_currency,
    {money_sum:CASE WHEN o.is_revenue THEN o.total_order_currency ELSE 0 END} AS net_order_currency,
    {money_sum:CASE WHEN o.is_revenue OR o.is_refund THEN o.total_default_currency ELSE 0 END} AS gross_default_currency,
    {money_sum:CASE WHEN o.is_refund THEN o.total_default_currency ELSE 0 END} AS refunds_default_currency,
    {money_sum:CASE WHEN o.is_revenue THEN o.total_default_currency ELSE 0 END} AS net_default_currency
FROM mart_orders o
GROUP BY o.shop, o.day, o.store_id, o.currency_code
