"""Reverse ETL: push gift vouchers and coupons from the warehouse into the shop, exactly once."""
