"""The OpenAPI schema and the interactive docs: served by us, assets included
(drf-spectacular-sidecar through the static files), no CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_the_api_paths(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/requirements/" in schema["paths"]
    assert "/api/v1/rfps/" in schema["paths"]


def test_the_docs_page_loads_its_assets_from_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url.startswith(("http:", "https:", "//"))]
    assert external == []
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert any("swagger-ui" in asset for asset in assets)
    for asset in assets:
        assert finders.find(asset) is not None, asset


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/engagements/-1/"])
def test_an_unknown_api_url_answers_json_404(client, settings, path, debug):
    settings.DEBUG = debug  # the demo runs with DEBUG on: Django's HTML debug page must not reach /api/
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_still_answers_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
