-- One row per customer: registered customers by customer_id, guests (customer_id 0) by e-mail.
SELECT
    o.shop AS shop,
    CASE WHEN o.customer_id > 0 THEN 'customer:' || CAST(o.customer_id AS VARCHAR(20))
         ELSE 'guest:' || LOWER(COALESCE(o.email, '')) END AS customer_key,
    MAX(CASE WHEN o.customer_id > 0 THEN o.customer_id END) AS customer_id,
    MAX(LOWER(o.email)) AS email,
    COUNT(*) AS orders,
    SUM(o.total) AS revenue_default_currency,
    MIN(o.date_added) AS first_order_at,
    MAX(o.date_added) AS last_order_at
FROM opencart_orders o
WHERE o._deleted_at IS NULL AND o.order_status_id IS NOT NULL AND o.order_status_id <> 0
GROUP BY o.shop,
    CASE WHEN o.customer_id > 0 THEN 'customer:' || CAST(o.customer_id AS VARCHAR(20))
         ELSE 'guest:' || LOWER(COALESCE(o.email, '')) END
