-- Time each order spent in each status, from observed history rows ordered by time. The last
-- (current) status is open-ended: left_at is NULL and seconds_in_status counts up to now.
WITH ordered AS (
    SELECT
        h.shop, h.order_id, h.order_status_id, h.order_status, h.changed_at AS entered_at,
        LEAD(h.changed_at) OVER (
            PARTITION BY h.shop, h.order_id ORDER BY h.changed_at, h.id
        ) AS left_at
    FROM opencart_order_history h
    WHERE h.source = 'observed' AND h.changed_at IS NOT NULL
)
SELECT
    shop, order_id, order_status_id, order_status, entered_at, left_at,
    {seconds_expr} AS seconds_in_status
FROM ordered
