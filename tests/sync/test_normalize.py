"""Normalisation of the recorded real orders: dtypes, entities, zero dates, custom fields, quarantine."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa

from oc_connector.sync.normalize import content_hash, normalize_orders
from tests.sync.fakes import recorded_orders


def test_dtypes_are_pinned_and_money_is_decimal() -> None:
    raws = recorded_orders()
    norm = normalize_orders(raws, shop="s1", timezone="UTC")
    frame = norm.frame
    assert norm.quarantined == []
    assert len(frame) == len(raws) == 60
    assert str(frame["order_id"].dtype) == "Int64"
    assert str(frame["order_status_id"].dtype) == "Int64"
    assert frame["total"].dtype == object
    assert all(isinstance(v, Decimal) for v in frame["total"])
    assert all(isinstance(v, Decimal) for v in frame["currency_value"])
    assert str(frame["date_added"].dtype) == "datetime64[us]"
    first = frame[frame["order_id"] == 1].iloc[0]
    assert first["total"] == Decimal("64.0000")
    assert first["currency_value"] == Decimal("1.00000000")
    assert first["date_added"] == pd.Timestamp("2026-11-26 23:10:56")
    assert first["firstname"] == "Rita"
    assert first["payment_company"] == ""  # empty string kept, not null
    assert first["custom_field"] == "[]"
    assert set(frame["shop"]) == {"s1"}
    assert json.loads(first["_raw"]) == raws[0]
    assert first["_hash"] == content_hash(raws[0])


def test_local_time_converted_to_utc() -> None:
    raw = dict(recorded_orders()[0], date_added="2026-07-01 12:00:00")
    frame = normalize_orders([raw], timezone="Europe/Berlin").frame
    assert frame["date_added"].iloc[0] == pd.Timestamp("2026-07-01 12:00:00")
    assert frame["date_added_utc"].iloc[0] == pd.Timestamp("2026-07-01 10:00:00")


def test_entities_unescaped_and_raw_kept() -> None:
    raw = dict(recorded_orders()[0], firstname="Tom &amp; Jerry", comment="a &lt;b&gt; &quot;c&quot;")
    frame = normalize_orders([raw]).frame
    assert frame["firstname"].iloc[0] == "Tom & Jerry"
    assert frame["comment"].iloc[0] == 'a <b> "c"'
    assert json.loads(frame["_raw"].iloc[0])["firstname"] == "Tom &amp; Jerry"


def test_zero_dates_become_null_and_custom_fields_json() -> None:
    raw = dict(
        recorded_orders()[0],
        date_modified="0000-00-00 00:00:00",
        custom_field={"2": "VAT123", "1": "x"},
        payment_custom_field='{"3":"y"}',
    )
    frame = normalize_orders([raw]).frame
    assert pd.isna(frame["date_modified"].iloc[0])
    assert pd.isna(frame["date_modified_utc"].iloc[0])
    assert json.loads(frame["custom_field"].iloc[0]) == {"1": "x", "2": "VAT123"}
    assert json.loads(frame["payment_custom_field"].iloc[0]) == {"3": "y"}


def test_bad_rows_quarantined_with_reasons_rest_loads() -> None:
    good = recorded_orders()[:3]
    bad_date = dict(good[0], order_id="900", date_added="2026-13-45 99:00:00")
    bad_total = dict(good[0], order_id="901", total="12,5O")
    bad_type = dict(good[0], order_id="902", store_id=["0"])
    norm = normalize_orders([*good, bad_date, bad_total, bad_type])
    assert list(norm.frame["order_id"]) == [1, 2, 3]
    reasons = {q.entity_id: q.reason for q in norm.quarantined}
    assert reasons["900"].startswith("date_added: bad date")
    assert reasons["901"].startswith("total: not a number")
    assert reasons["902"].startswith("store_id: not an integer")
    assert json.loads(norm.quarantined[1].raw)["total"] == "12,5O"


def test_bad_bodies_are_quarantined_under_the_requested_id() -> None:
    good = recorded_orders()[0]
    no_id = {k: v for k, v in good.items() if k != "order_id"}
    raws = [dict(good, order_id="1"), no_id, dict(no_id), dict(good, order_id="abc"),
            dict(good, order_id="3")]
    norm = normalize_orders(raws, requested_ids=[1, 4, 5, 6, 7])
    assert list(norm.frame["order_id"]) == [1]
    reasons = {q.entity_id: q.reason for q in norm.quarantined}
    assert reasons == {  # one row each: two bodies without order_id no longer share the key "?"
        "4": "order_id: missing",
        "5": "order_id: missing",
        "6": "order_id: not an integer: 'abc'",
        "7": "order_id: the shop answered order 3 when asked for 7",
    }
    assert "order_id" not in json.loads(norm.quarantined[0].raw)  # the body is kept as received


def test_without_requested_ids_a_body_keeps_its_own_key() -> None:
    good = recorded_orders()[0]
    no_id = {k: v for k, v in good.items() if k != "order_id"}
    norm = normalize_orders([no_id, dict(good, order_id="901", total="x")])
    assert [q.entity_id for q in norm.quarantined] == ["?", "901"]
    with pytest.raises(ValueError):
        normalize_orders([good, good], requested_ids=[1])


def test_dst_edges_convert_without_error() -> None:
    base = recorded_orders()[0]
    raws = [
        dict(base, order_id="1", date_added="2026-10-25 02:30:00"),  # repeated hour in Berlin
        dict(base, order_id="2", date_added="2026-03-29 02:30:00"),  # skipped hour in Berlin
    ]
    frame = normalize_orders(raws, timezone="Europe/Berlin").frame
    assert list(frame["date_added_utc"]) == [
        pd.Timestamp("2026-10-25 00:30:00"),
        pd.Timestamp("2026-03-29 01:00:00"),
    ]


def test_null_text_stays_none_not_nan() -> None:
    """A null text next to non-null ones is None (pandas 3 would infer ``str`` and make it NaN)."""
    raws = recorded_orders()[:3]
    raws = [dict(raws[0], order_status=None, total=None), *raws[1:]]
    frame = normalize_orders(raws).frame
    assert frame["order_status"].tolist()[0] is None
    assert frame["total"].tolist()[0] is None
    assert all(isinstance(v, str) for v in frame["order_status"].tolist()[1:])


def test_null_text_is_null_in_the_warehouse(warehouse_engine: sa.Engine) -> None:
    from oc_connector.sync.load import upsert_orders
    from oc_connector.warehouse.migrate import upgrade
    from oc_connector.warehouse.orders_schema import opencart_orders

    upgrade(warehouse_engine)
    raws = recorded_orders()[:2]
    frame = normalize_orders([dict(raws[0], order_status=None), raws[1]], shop="s").frame
    with warehouse_engine.begin() as conn:
        upsert_orders(conn, frame, now=datetime(2026, 11, 27))
        got = dict(conn.execute(sa.select(opencart_orders.c.order_id, opencart_orders.c.order_status)).all())
    assert got[int(raws[0]["order_id"])] is None
    assert got[int(raws[1]["order_id"])] == raws[1]["order_status"]


def _pandas_utc(locals_: list[datetime], tz: str) -> list[datetime]:
    """The vectorised law the frames used before the rows: repeated hour first, gaps shift forward."""
    import numpy as np

    series = pd.Series(pd.to_datetime(locals_)).astype("datetime64[us]")
    aware = series.dt.tz_localize(tz, ambiguous=np.ones(len(series), dtype=bool), nonexistent="shift_forward")
    return list(aware.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").dt.to_pydatetime())


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Sao_Paulo"])
def test_row_utc_equals_the_pandas_conversion_around_every_hour(tz: str) -> None:
    """Every hour of two years (DST changes included), on the hour, mid-hour and its last second."""
    from datetime import timedelta

    from oc_connector.sync.normalize import _to_utc

    locals_ = [
        datetime(year, 1, 1) + timedelta(hours=h, seconds=s)
        for year in (2011, 2026)
        for h in range(24 * 365)
        for s in (0, 1807, 3599)
    ]
    zone = ZoneInfo(tz)
    assert [_to_utc(t, zone) for t in locals_] == _pandas_utc(locals_, tz)


def test_row_utc_moves_a_half_hour_gap_to_its_end() -> None:
    """Lord Howe's DST gap is 02:00-02:30: 02:10 becomes 02:30 local, the transition (15:30 UTC)."""
    from oc_connector.sync.normalize import _to_utc

    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert _to_utc(datetime(2026, 10, 4, 2, 10), lord_howe) == datetime(2026, 10, 3, 15, 30)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin"])
def test_rows_and_frame_hold_the_same_values(tz: str) -> None:
    from oc_connector.sync.load import frame_records
    from oc_connector.sync.normalize import ORDER_COLUMNS, normalize_order_rows

    base = recorded_orders()
    raws = [
        *base,
        dict(base[0], order_id="901", date_modified="0000-00-00 00:00:00", custom_field={"b": 1, "a": "x"}),
        dict(base[0], order_id="902", date_added="2026-03-29 02:30:00", order_status=None, total=None),
        dict(base[0], order_id="903", total="x"),
    ]
    rows = normalize_order_rows(raws, shop="s", timezone=tz)
    norm = normalize_orders(raws, shop="s", timezone=tz)
    assert [list(r) for r in rows.rows] == [list(ORDER_COLUMNS)] * len(rows.rows)
    assert rows.rows == frame_records(norm.frame)
    assert rows.quarantined == norm.quarantined != []
    from_frame = frame_records(norm.frame)
    assert [type(v) for v in rows.rows[0].values()] == [type(v) for v in from_frame[0].values()]
