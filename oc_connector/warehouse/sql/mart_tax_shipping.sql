-- Tax and shipping collected per shop, day, store and order currency, from the order-total lines
-- (codes 'tax' and 'shipping') of revenue orders. The totals come from the admin channel: the
-- amounts are NULL (not 0) when no order of the row has its totals loaded, and details_loaded
-- says whether every order of the row has them.
WITH per_order AS (
    SELECT
        t.shop AS shop,
        t.order_id AS order_id,
        {money_sum:CASE WHEN t.code = 'tax' THEN t.value ELSE 0 END} AS tax,
        {money_sum:CASE WHEN t.code = 'shipping' THEN t.value ELSE 0 END} AS shipping
    FROM opencart_order_totals t
    GROUP BY t.shop, t.order_id
)
SELECT
    o.shop AS shop,
    o.day AS day,
    o.store_id AS store_id,
    o.currency_code AS currency_code,
    CAST(COUNT(*) AS BIGINT) AS revenue_orders,
    CAST(COUNT(p.order_id) AS BIGINT) AS orders_with_totals,
    {money_sum:p.tax} AS tax_order_currency,
    {money_sum:p.shipping} AS shipping_order_currency,
    {flag:COUNT(p.order_id) = COUNT(*)} AS details_loaded
FROM mart_orders o
LEFT JOIN per_order p ON p.shop = o.shop AND p.order_id = o.order_id
WHERE o.is_revenue
GROUP BY o.shop, o.day, o.store_id, o.currency_code
