"""Fixtures of the vendor API tests (test_vendor_api_*): a vendor firm with an editor, and a rival firm."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import VendorMembershipFactory
from tests.vendors.factories_extra import VendorCertificationFactory
from tests.vendors.helpers import make_vendor


@pytest.fixture
def firm():
    """The vendor whose own member edits it."""
    vendor = make_vendor("Lumen Insight", skills=("financial-reporting", "fpa"), languages=("en", "hi"))
    VendorCertificationFactory(vendor=vendor, valid_until=date(2030, 1, 31))
    return vendor


@pytest.fixture
def member(firm):
    return VendorMembershipFactory(vendor=firm, role="editor").user


@pytest.fixture
def rival():
    return make_vendor("Rival Analytics")
