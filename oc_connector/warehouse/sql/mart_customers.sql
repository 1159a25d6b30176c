-- One row per customer over live orders: registered customers by customer_id, guests (customer_id 0)
-- by e-mail. Lifetime value counts revenue orders only; orders counts every placed order.
SELECT
    o.shop AS shop,
    o.customer_key AS customer_key,
    MAX(o.customer_id) AS customer_id,
    MAX(o.email) AS email,
    CAST(COUNT(*) AS BIGINT) AS orders,
    CAST(SUM(CASE WHEN o.is_revenue THEN 1 ELSE 0 END) AS BIGINT) AS revenue_orders,
    {money_sum:CASE WHEN o.is_revenue THEN o.total_default_currency ELSE 0 END} AS lifetime_value_default_currency,
    MIN(o.date_added) AS first_order_at,
    MAX(o.date_added) AS last_order_at,
    MAX(CASE WHEN o.is_revenue THEN o.date_added END) AS last_revenue_order_at
FROM mart_orders o
GROUP BY o.shop, o.customer_key
