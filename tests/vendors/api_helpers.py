"""Calling the vendor API in the test_vendor_api_* modules: a client, the URLs and the rows of a response."""

from __future__ import annotations

from rest_framework.test import APIClient

from vendors.models import Vendor

LIST = "/api/v1/vendors/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def detail(vendor: Vendor) -> str:
    return f"{LIST}{vendor.pk}/"


def results(response) -> list[dict]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in results(response)]
