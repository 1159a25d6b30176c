-- Units and revenue per shop, product and order currency, from the order lines of revenue orders.
-- The lines come from the admin channel: every shop with revenue orders gets rows, and a shop
-- whose lines were never loaded gets a single row with product_id NULL and details_loaded false
-- (never zeros). details_loaded is false too while some revenue orders have no lines yet.
WITH coverage AS (
    SELECT
        o.shop AS shop,
        COUNT(*) AS revenue_orders,
        COUNT(l.order_id) AS revenue_orders_with_lines
    FROM mart_orders o
    LEFT JOIN (SELECT DISTINCT shop, order_id FROM opencart_order_products) l
        ON l.shop = o.shop AND l.order_id = o.order_id
    WHERE o.is_revenue
    GROUP BY o.shop
),
sold AS (
    SELECT
        p.shop AS shop,
        p.product_id AS product_id,
        MAX(p.name) AS name,
        MAX(p.model) AS model,
        o.currency_code AS currency_code,
        COUNT(DISTINCT p.order_id) AS orders,
        SUM(p.quantity) AS units,
        {money_sum:p.line_total} AS revenue_order_currency
    FROM opencart_order_products p
    JOIN mart_orders o ON o.shop = p.shop AND o.order_id = p.order_id
    WHERE o.is_revenue
    GROUP BY p.shop, p.product_id, o.currency_code
)
SELECT
    c.shop AS shop,
    s.product_id AS product_id,
    s.name AS name,
    s.model AS model,
    s.currency_code AS currency_code,
    CAST(s.orders AS BIGINT) AS orders,
    CAST(s.units AS BIGINT) AS units,
    s.revenue_order_currency AS revenue_order_currency,
    CAST(c.revenue_orders AS BIGINT) AS shop_revenue_orders,
    CAST(c.revenue_orders_with_lines AS BIGINT) AS shop_revenue_orders_with_lines,
    {flag:c.revenue_orders_with_lines = c.revenue_orders} AS details_loaded
FROM coverage c
LEFT JOIN sold s ON s.shop = c.shop
