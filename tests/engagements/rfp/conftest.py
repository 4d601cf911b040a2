"""Fixtures of the RFP API tests: a shortlist ready to invite, and a throwaway MEDIA_ROOT."""

from __future__ import annotations

import pytest

from tests.engagements.rfp.helpers import Bid


@pytest.fixture
def bid(owner):
    return Bid(owner)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
