"""The order status checkbox lists of System > Settings (``setting/setting``), as 3.0.5.0 renders them."""

from __future__ import annotations

import pytest

from oc_connector.admin import OrderStatusSettings, parse_order_status_settings
from oc_connector.errors import AdminPageError


def _boxes(key: str, checked: set[int]) -> str:
    names = {7: "Canceled", 5: "Complete", 1: "Pending", 2: "Processing", 3: "Shipped"}
    mark = ' checked="checked"'
    return "".join(
        '<div class="checkbox">\n<label> '
        f'<input type="checkbox" name="{key}[]" value="{sid}"{mark if sid in checked else ""} />'
        f"\n{name}\n</label>\n</div>"
        for sid, name in names.items()
    )


def _page(processing: set[int], complete: set[int]) -> str:
    return (
        '<form id="form-setting"><div class="tab-pane" id="tab-option">'
        '<div class="well well-sm" style="height: 150px; overflow: auto;">'
        f'{_boxes("config_processing_status", processing)}</div>'
        '<div class="well well-sm" style="height: 150px; overflow: auto;">'
        f'{_boxes("config_complete_status", complete)}</div>'
        '<input type="checkbox" name="config_fraud_status_id[]" value="7" checked="checked" />'
        "</div></form>"
    )


def test_the_checked_boxes_are_the_sets() -> None:
    parsed = parse_order_status_settings(_page({1, 2, 3, 5}, {5}))
    assert parsed == OrderStatusSettings(processing=frozenset({1, 2, 3, 5}), complete=frozenset({5}))


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ("<html><body>Permission Denied!</body></html>", "config_processing_status"),
        (_page({2}, set()), "config_complete_status"),
        (_page({2}, {5}).replace('value="5" checked', 'value="x" checked'), "config_complete_status"),
    ],
)
def test_a_page_without_readable_lists_is_an_error(page: str, field: str) -> None:
    with pytest.raises(AdminPageError) as caught:
        parse_order_status_settings(page)
    assert caught.value.field == field
