-- Gift-voucher liability per campaign (ledger batch_id) and channel. Ledger states: 'confirmed' =
-- the voucher exists in the shop; 'issued' = written, confirmation pending. The ledger has no
-- currency column (amounts are in the shop's default currency) and redemption is not recorded in
-- the warehouse, so outstanding = confirmed + pending.
SELECT
    COALESCE(v.batch_id, '') AS campaign,
    v.channel AS channel,
    CAST(SUM(CASE WHEN v.state = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT) AS vouchers_confirmed,
    {money_sum:CASE WHEN v.state = 'confirmed' THEN v.amount ELSE 0 END} AS amount_confirmed,
    CAST(SUM(CASE WHEN v.state = 'issued' THEN 1 ELSE 0 END) AS BIGINT) AS vouchers_pending,
    {money_sum:CASE WHEN v.state = 'issued' THEN v.amount ELSE 0 END} AS amount_pending,
    {money_sum:CASE WHEN v.state IN ('confirmed', 'issued') THEN v.amount ELSE 0 END} AS amount_outstanding
FROM opencart_voucher_ledger v
GROUP BY COALESCE(v.batch_id, ''), v.channel
