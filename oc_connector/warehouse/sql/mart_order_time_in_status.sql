-- Time each order spent in each status, from observed history rows ordered by time. A stay runs
-- from the first row of a status to the next row with another status: rows in between that keep
-- the status (an edit that only moved date_modified) do not split it. The last (current) stay is
-- open-ended: left_at is NULL and seconds_in_status counts up to now.
WITH observed AS (
    SELECT
        h.shop, h.order_id, h.order_status_id, h.order_status, h.changed_at, h.id,
        ROW_NUMBER() OVER (PARTITION BY h.shop, h.order_id ORDER BY h.changed_at, h.id) AS n,
        LAG(h.order_status_id) OVER (
            PARTITION BY h.shop, h.order_id ORDER BY h.changed_at, h.id
        ) AS previous_status_id
    FROM opencart_order_history h
    WHERE h.source = 'observed' AND h.changed_at IS NOT NULL
),
stays AS (
    SELECT
        shop, order_id, order_status_id, order_status, changed_at AS entered_at,
        LEAD(changed_at) OVER (PARTITION BY shop, order_id ORDER BY changed_at, id) AS left_at
    FROM observed
    WHERE n = 1 OR COALESCE(previous_status_id, -1) <> COALESCE(order_status_id, -1)
)
SELECT
    shop, order_id, order_status_id, order_status, entered_at, left_at,
    {seconds_expr} AS seconds_in_status
FROM stays
