"""/favicon.ico answers with the site's icon, for the app's pages and the admin's alike."""

import struct
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
ICON = Path(settings.WHITENOISE_ROOT) / "favicon.ico"


def test_the_icon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == ICON.read_bytes()
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert "max-age" in response["Cache-Control"]


def test_the_icon_is_a_real_icon_at_the_sizes_tabs_and_bookmarks_use():
    data = ICON.read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)  # an icon resource
    sizes = set()
    for index in range(count):
        width, height, _colors, _reserved, _planes, _bits, size, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"  # each image a PNG (Vista and later)
        assert offset + size <= len(data)
        sizes.add((width, height))
    assert {(16, 16), (32, 32)} <= sizes


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_pages_and_the_admin_name_the_icon(client, path):
    page = client.get(path).content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page
