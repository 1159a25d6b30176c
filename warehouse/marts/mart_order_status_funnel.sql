-- Number of distinct orders that ever reached each status (any history source), per shop.
SELECT
    h.shop AS shop,
    h.order_status_id AS order_status_id,
    MAX(h.order_status) AS order_status,
    COUNT(DISTINCT h.order_id) AS orders_reached
FROM opencart_order_history h
WHERE h.order_status_id IS NOT NULL AND h.order_status_id <> 0
GROUP BY h.shop, h.order_status_id
