"""Vendor bulk import and export as CSV: one row per vendor, keyed by slug.

Format
------
UTF-8 (a leading byte-order mark is accepted), comma-separated, `"`-quoted as
RFC 4180 and Python's csv module write it; a quoted value may hold commas,
quotes (doubled) and line breaks. The first row is the header. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first vendor
row 2 (a line break inside a quoted value does not start a new row).

Columns, in the order the export writes them (an import accepts any order):

=================== ========================================================
slug                the natural key: an existing vendor with this slug is
                    updated, otherwise one is created (required column)
name                (required column)
description         free text
website             absolute URL or empty
headquarters_country ISO 3166-1 alpha-2, upper case (required column)
founded_year        1800-2100 or empty
available_fte       decimal, one decimal place at most, >= 0
languages           ISO 639-1 codes: ``en;it``
domains             expertise area codes: ``finance;legal``
skills              ``code:proficiency:years``, proficiency 1-5, years 0-60:
                    ``financial-reporting:4:6;audit-support:3:2``
rates               ``seniority:hourly_rate:currency`` (junior, mid, senior,
                    expert; ISO 4217): ``senior:38.50:USD;mid:30.00:USD``
delivery_centers    ``country|city|time zone|headcount``, the time zone one of
                    the country's IANA zones: ``IN|Pune|Asia/Kolkata|120``
certifications      ``code:valid_until`` (YYYY-MM-DD, empty = no expiry):
                    ``iso_27001:2027-06-30;soc2_type2:``
verified            ``true`` or ``false``
is_active           ``true`` or ``false``
external_id         the integrator's own id (not unique), may be empty
=================== ========================================================

Inside the list columns ``;`` separates items and ``:`` (``|`` for delivery
centres) separates an item's parts. Codes, numbers and dates never contain
them; free text (a city) escapes them with a backslash: ``\\;``, ``\\:``,
``\\|`` and ``\\\\`` for a backslash itself. Spaces around parts are ignored.

Columns other than the three required ones may be left out of the file: an
update then leaves those attributes as they are, a new vendor gets the
defaults. A list column that is present replaces the vendor's whole list (an
empty cell removes every row). A certification's `reference` is not part of
the format and is kept on update.

Spreadsheet formulas: a name, description or external id starting with
``=``, ``+``, ``-``, ``@`` or ``'`` is written with a leading ``'`` so a
spreadsheet shows it as text instead of running it (CSV injection); an import
drops one leading ``'``. Export and import are inverse: an exported file
imports back with no change.

Rules are the profile's (vendors.forms): the model fields' own validators
(codes from kpo.codes, ranges, URL, slug), active skills only (an inactive one
a vendor already has may stay), a delivery centre's time zone within its
country, no repeated item, at most 200 skills, 50 centres, 50 certifications.

Import: every row is parsed and checked first; any error (unknown or missing
column, bad code or number, repeated slug, ...) is reported as (row, column,
message) and nothing is written. Otherwise creates and updates happen in one
transaction with bulk statements (a bounded number of queries per 1,000
vendors), history records by `actor` as the profile editor writes them, and
one `vendors.signals.vendor_changed` for all updated vendors.
"""

from __future__ import annotations

from vendors.csv_io.columns import csv_columns
from vendors.csv_io.export import (
    DigestWriter,
    export_queryset,
    vendor_csv_batches,
    vendor_csv_export,
    vendor_csv_lines,
    vendor_csv_row,
    vendor_csv_rows,
)
from vendors.csv_io.importer import vendor_csv_import
from vendors.csv_io.parse import ImportReport, RowError

__all__ = [
    "DigestWriter",
    "ImportReport",
    "RowError",
    "csv_columns",
    "export_queryset",
    "vendor_csv_batches",
    "vendor_csv_export",
    "vendor_csv_import",
    "vendor_csv_lines",
    "vendor_csv_row",
    "vendor_csv_rows",
]
