"""The one SQLAlchemy MetaData every warehouse table is defined on."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
