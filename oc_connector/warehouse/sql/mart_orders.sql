-- One row per live order (not deleted, status not 0) with what it means for the books: whether it
-- counts as revenue (its status is one of the shop's processing or complete statuses), is complete,
-- or is a refund. The sets come from opencart_revenue_statuses; a shop (or a kind) without rows
-- there uses the OpenCart 3.0 install defaults, listed in `defaults`.
WITH defaults AS (
    {default_statuses}
),
shops AS (
    SELECT DISTINCT shop FROM opencart_orders
),
statuses AS (
    SELECT r.shop AS shop, r.kind AS kind, r.order_status_id AS order_status_id
    FROM opencart_revenue_statuses r
    UNION ALL
    SELECT s.shop, d.kind, d.order_status_id
    FROM shops s CROSS JOIN defaults d
    WHERE NOT EXISTS (
        SELECT 1 FROM opencart_revenue_statuses r WHERE r.shop = s.shop AND r.kind = d.kind
    )
)
SELECT
    o.shop AS shop,
    o.order_id AS order_id,
    {day_expr} AS day,
    o.date_added AS date_added,
    o.store_id AS store_id,
    o.store_name AS store_name,
    o.order_status_id AS order_status_id,
    o.order_status AS order_status,
    CASE WHEN o.customer_id > 0 THEN 'customer:' || CAST(o.customer_id AS VARCHAR(20))
         ELSE 'guest:' || LOWER(COALESCE(o.email, '')) END AS customer_key,
    CASE WHEN o.customer_id > 0 THEN o.customer_id END AS customer_id,
    LOWER(o.email) AS email,
    o.currency_code AS currency_code,
    {money:o.total} AS total_default_currency,
    {order_currency:o.total, o.currency_value} AS total_order_currency,
    {flag:EXISTS (SELECT 1 FROM statuses s WHERE s.shop = o.shop AND s.order_status_id = o.order_status_id AND s.kind IN ('processing', 'complete'))} AS is_revenue,
    {flag:EXISTS (SELECT 1 FROM statuses s WHERE s.shop = o.shop AND s.order_status_id = o.order_status_id AND s.kind = 'complete')} AS is_complete,
    {flag:EXISTS (SELECT 1 FROM statuses s WHERE s.shop = o.shop AND s.order_status_id = o.order_status_id AND s.kind = 'refund')} AS is_refund
FROM opencart_orders o
WHERE o._deleted_at IS NULL
  AND o.order_status_id IS NOT NULL
  AND o.order_status_id <> 0
