"""The library's resources: one object per resource, the same verbs on each.

=============  ======  =====  ======  ======  ======
resource       create  read   query   update  upsert
=============  ======  =====  ======  ======  ======
:class:`Orders`     api     api/admin  admin/warehouse  api  api (key in the comment)
:class:`Coupons`    admin   admin  admin   admin   admin (by code)
:class:`Vouchers`   admin   admin  admin   admin   admin (by code)
:class:`Products`   --      admin  admin   --      --
:class:`Customers`  --      admin  admin   --      --
=============  ======  =====  ======  ======  ======

Every verb checks its arguments before any call (``ValidationError`` with a field map;
``ConfigurationError`` when the channel it needs is not configured) and says which channel
answered (``channel`` on :class:`Found`, :class:`Rows` and :class:`Written`). An update changes
only the fields given and refuses to clear a required one.
"""

from oc_connector.resources.base import Channel, Found, Rows, Written
from oc_connector.resources.catalog import Customers, Products
from oc_connector.resources.coupons import Coupons
from oc_connector.resources.order_query import OrderSummary
from oc_connector.resources.orders import OrderDetails, Orders, key_marker
from oc_connector.resources.vouchers import Vouchers

__all__ = [
    "Channel", "Coupons", "Customers", "Found", "OrderDetails", "OrderSummary", "Orders", "Products", "Rows",
    "Vouchers", "Written", "key_marker",
]
