"""Every page of each role, read in Italian, shows no interface text left in English (issue 16,
item 11: mixed-language labels). A line of the page that is exactly an English message of the
catalogue, whose Italian differs, was rendered without translation: a lazy string evaluated at
import, a stored English sentence, a label outside `gettext`."""

from __future__ import annotations

import gettext
import html
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from engagements.demo import seed_demo
from engagements.demo.rfp import seed_demo_rfp
from engagements.models import Engagement, RfpInvitation
from kpo.models import User
from tests.e2e.pages import STAFF_PAGES, VENDOR_PAGES, manager_pages

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{")


def english_messages() -> set[str]:
    """The catalogue's English messages that read differently in Italian, without placeholders
    (from the compiled catalogue: plural forms are keyed by (singular, index) there)."""
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    found = set()
    for key, italian in catalogue.items():
        english = key[0] if isinstance(key, tuple) else key
        english = " ".join(english.split())
        if len(english) > 3 and not PLACEHOLDER.search(english) and "<" not in english and english != italian:
            found.add(english)
    return found


def visible_lines(body: str) -> list[str]:
    body = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", body)
    # What a reader meets outside the text: titles, labels for assistive technology, placeholders.
    attributes = re.findall(r'\s(?:title|aria-label|placeholder|alt)="([^"]*)"', body)
    # The appendix of the scoring help is English by design (lang="en"), as are zone names.
    body = re.sub(r'(?s)<section[^>]*lang="en".*?</section>', " ", body)
    lines = re.sub(r"<[^>]+>", "\n", body).split("\n") + attributes
    return [" ".join(html.unescape(line).split()) for line in lines if line.strip()]


@pytest.fixture
def demo():
    seed_demo(seed=42, vendors=30, today=date(2026, 11, 27))
    seed_demo_rfp(today=date(2026, 11, 27))


def pages_of(username: str) -> list[str]:
    if username == "manager":
        return manager_pages()
    if username == "vendor":
        paths = list(VENDOR_PAGES)
        invitation = RfpInvitation.objects.filter(vendor__slug="lumen-insight-partners").order_by("pk").first()
        engagement = Engagement.objects.filter(vendor__slug="lumen-insight-partners").order_by("pk").first()
        paths.append(f"/portal/engagements/{engagement.pk}/")
        if invitation is not None:
            paths.append(f"/portal/invitations/{invitation.pk}/")
        return paths
    return [*STAFF_PAGES, "/admin/"]


@pytest.mark.parametrize("username", ["manager", "vendor", "staff"])
def test_no_page_shows_an_english_message_to_an_italian_reader(client, demo, username):
    english = english_messages()
    client.force_login(User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    leaks = []
    for path in pages_of(username):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert '<html lang="it"' in page, path
        leaks += [f"{path}: {line}" for line in visible_lines(page) if line in english]
    assert leaks == []
