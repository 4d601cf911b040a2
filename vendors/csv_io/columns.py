"""The vendor CSV's columns and the limits and characters both directions share.

The column names in export order (``csv_columns()``), the required, free-text
and yes/no columns, the list limits, the batch size, the history change
reason, the characters the list columns escape (``SPECIAL``) and the leading
characters that make a spreadsheet run a cell as a formula (``FORMULA_START``).
The export (``export.py``) and the import (``parse.py``, ``importer.py``) read
them from here; the format itself is documented in ``vendors/csv_io/__init__.py``.
"""

from __future__ import annotations

from vendors.models import Seniority

REQUIRED_COLUMNS = ("slug", "name", "headquarters_country")
BASE_COLUMNS = (
    "slug",
    "name",
    "description",
    "website",
    "headquarters_country",
    "founded_year",
    "available_fte",
    "languages",
    "domains",
    "skills",
    "rates",
    "delivery_centers",
    "certifications",
    "verified",
    "is_active",
    "external_id",
)
TEXT_COLUMNS = ("name", "description", "external_id")  # formula-escaped (see the package docstring)
BOOLEAN_COLUMNS = ("verified", "is_active")
MAX_SKILLS, MAX_CENTERS, MAX_CERTIFICATIONS = 200, 50, 50
MAX_REPORTED_ERRORS = 1000
BATCH = 1000
CHANGE_REASON = "CSV import"
SPECIAL = "\\;:|"
FORMULA_START = ("=", "+", "-", "@", "'")
SENIORITY_ORDER = {value: index for index, value in enumerate(Seniority.values)}


def csv_columns() -> tuple[str, ...]:
    return BASE_COLUMNS
