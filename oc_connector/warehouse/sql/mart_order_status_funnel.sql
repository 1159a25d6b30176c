-- Number of distinct orders that ever reached each status, per shop, from every history row.
-- Admin rows carry a status name but no id (the admin history page shows none): they count under
-- the id that rows with an id show for that name in the same shop, and are left out when none does.
WITH status_ids AS (
    SELECT shop, order_status, MIN(order_status_id) AS order_status_id
    FROM opencart_order_history
    WHERE order_status_id IS NOT NULL AND order_status IS NOT NULL
    GROUP BY shop, order_status
),
reached AS (
    SELECT
        h.shop AS shop,
        h.order_id AS order_id,
        COALESCE(h.order_status_id, s.order_status_id) AS order_status_id,
        h.order_status AS order_status
    FROM opencart_order_history h
    LEFT JOIN status_ids s
        ON h.order_status_id IS NULL AND s.shop = h.shop AND s.order_status = h.order_status
)
SELECT
    r.shop AS shop,
    r.order_status_id AS order_status_id,
    MAX(r.order_status) AS order_status,
    CAST(COUNT(DISTINCT r.order_id) AS BIGINT) AS orders_reached
FROM reached r
WHERE r.order_status_id IS NOT NULL AND r.order_status_id <> 0
GROUP BY r.shop, r.order_status_id
