"""Fixtures of the engagement API tests: a requirement with a shortlist of two vendors."""

from __future__ import annotations

import pytest

from tests.engagements.delivery.helpers import Deal


@pytest.fixture
def deal(owner) -> Deal:
    return Deal(owner)
