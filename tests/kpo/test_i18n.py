"""English and Italian: the footer's language form switches the pages, numbers and
dates follow the language, and the Italian catalogue is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from engagements.matching.scoring import METHODS
from tests.factories import ClientMembershipFactory, RequirementFactory

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\.\d+f|\{[a-z_]+\}")


# -- the pages ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def back_to_the_default_language():
    """LocaleMiddleware activates the request's language in the test's thread and
    leaves it active: the tests after these must not run in Italian."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def manager(db):
    """A procurement manager whose organization has one open requirement of 65.00 EUR an hour."""
    user = ClientMembershipFactory(client__name="Banca Aurora S.p.A.").user
    RequirementFactory(
        client=user.membership.client,
        title="GDPR contract review backlog",
        budget_hourly_rate=Decimal("65.00"),
        start_date=date(2026, 12, 7),
    )
    return user


def switch_language(client, language: str, next_url: str = "/"):
    """What the footer form posts."""
    response = client.post(reverse("set_language"), {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


def test_the_footer_form_posts_the_language_to_set_language(client, manager):
    client.force_login(manager)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    assert '<option value="it" lang="it" >Italiano</option>' in html
    assert '<html lang="en">' in html


def test_switching_to_italian_renders_the_dashboard_in_italian(client, manager):
    client.force_login(manager)
    switch_language(client, "it")

    html = client.get(reverse("home")).content.decode()

    assert '<html lang="it">' in html
    assert "Requisiti aperti" in html and "Incarichi attivi" in html
    assert "Nuovo requisito" in html
    assert "Esci" in html and "Lingua" in html
    assert "Come funzionano i punteggi" in html
    assert "Open requirements" not in html
    # The switcher names each language in that language.
    assert '<option value="en" lang="en" >English</option>' in html
    assert '<option value="it" lang="it" selected>Italiano</option>' in html
    assert "GDPR contract review backlog" in html  # data is not translated


def test_italian_numbers_use_the_decimal_comma(client, manager):
    client.force_login(manager)
    switch_language(client, "it")

    html = client.get(reverse("home")).content.decode()

    assert "65,00 EUR" in html
    assert "65.00 EUR" not in html


def test_italian_groups_thousands_with_a_dot(client, manager):
    manager.membership.client.requirements.update(budget_hourly_rate=Decimal("1234.50"))
    client.force_login(manager)
    switch_language(client, "it")

    assert "1.234,50 EUR" in client.get(reverse("home")).content.decode()
    switch_language(client, "en")
    assert "1,234.50 EUR" in client.get(reverse("home")).content.decode()


def test_italian_dates_use_italian_month_names(client, manager):
    requirement = manager.membership.client.requirements.get()
    client.force_login(manager)
    url = reverse("requirements:detail", args=[requirement.pk])

    english = client.get(url).content.decode()
    assert "Dec. 7, 2026" in english

    switch_language(client, "it", url)
    italian = client.get(url).content.decode()
    assert "07 Dicembre 2026" in italian  # Django's Italian DATE_FORMAT, "d F Y"
    assert "Dec. 7, 2026" not in italian


def test_the_sign_in_page_follows_the_chosen_language(client, db):
    switch_language(client, "it", reverse("login"))

    html = client.get(reverse("login")).content.decode()

    assert "Accedi a KPO Match" in html
    assert "Nome utente" in html
    assert '<button type="submit" class="btn btn-primary btn-block">Accedi</button>' in html


def test_switching_back_to_english_works(client, manager):
    client.force_login(manager)
    switch_language(client, "it")
    assert "Requisiti aperti" in client.get(reverse("home")).content.decode()

    switch_language(client, "en")
    html = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in html
    assert "Open requirements" in html and "65.00 EUR" in html
    assert "Requisiti aperti" not in html


def test_english_is_the_default(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "Sign in to KPO Match" in html


def test_country_names_follow_the_language(client, manager):
    client.force_login(manager)
    assert "Italy" in client.get(reverse("home")).content.decode()
    switch_language(client, "it")
    assert "Italia" in client.get(reverse("home")).content.decode()


def test_the_scoring_help_is_a_buyers_guide_in_italian_with_the_formulas_as_an_appendix(client, db):
    switch_language(client, "it", "/help/scoring/")
    html = client.get("/help/scoring/").content.decode()
    assert "Come funzionano i punteggi" in html
    guide, appendix = html.split('id="appendix-heading"', 1)
    assert '<article class="card prose" lang="it">' in guide
    assert "Come KPO Match classifica i fornitori: guida per gli acquirenti" in guide
    assert "riferimento\nonshore" in guide or "riferimento onshore" in guide
    assert "Appendice: le formule" in appendix and "Il riferimento tecnico è in inglese." in appendix
    assert "domain_not_covered" in appendix  # the technical reference, whole


# -- the catalogue -----------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += ast.literal_eval(line)
            else:
                entry[field[0]] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            if match or keyword == "msgstr":
                field = ("msgstr", int(match.group(1)) if match else 0)
                entry["msgstr"][field[1]] = ast.literal_eval(value)
            else:
                field = (keyword,)
                entry[keyword] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    entries = read_po(PO_FILE)
    assert entries[0]["msgid"] == ""  # the header
    return entries[1:]


def test_the_catalogue_header_is_italian_with_two_plural_forms():
    header = read_po(PO_FILE)[0]
    assert "Language: it\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]


def test_every_msgid_has_an_italian_translation(po_entries):
    assert len(po_entries) > 500
    untranslated = [e["msgid"] for e in po_entries if not all(e["msgstr"].values())]
    assert untranslated == []
    plurals = [e for e in po_entries if e["msgid_plural"] is not None]
    assert plurals and all(sorted(e["msgstr"]) == [0, 1] for e in plurals)


def test_no_translation_is_fuzzy(po_entries):
    assert [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]] == []


def test_translations_keep_every_placeholder(po_entries):
    broken = []
    for entry in po_entries:
        for form, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if form and entry["msgid_plural"] else entry["msgid"]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                broken.append((entry["msgid"], text))
    assert broken == []


def test_the_committed_mo_file_matches_the_po_file(po_entries):
    """Every translation of the .po file is what the committed .mo file answers:
    compilemessages was run after the last edit."""
    assert MO_FILE.exists()
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries:
        msgstr = entry["msgstr"]
        if entry["msgctxt"] is not None:
            answer = compiled.pgettext(entry["msgctxt"], entry["msgid"])
        elif entry["msgid_plural"] is not None:
            answer = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
        else:
            answer = compiled.gettext(entry["msgid"])
        if answer != msgstr[0]:
            stale.append(entry["msgid"])
        if (
            entry["msgid_plural"] is not None
            and compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) != msgstr[1]
        ):
            stale.append(entry["msgid_plural"])
    assert stale == []


def test_msgfmt_accepts_the_catalogue(tmp_path):
    """msgfmt --check validates the format strings and the header. Without GNU
    gettext the committed .mo file is checked through Django instead."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is not None:
        result = subprocess.run(
            [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(PO_FILE)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert MO_FILE.exists()
    with translation.override("it"):
        assert translation.gettext("Sign in") == "Accedi"
        assert translation.gettext("How scores work") == "Come funzionano i punteggi"
        assert translation.ngettext("%(counter)s vendor", "%(counter)s vendors", 2) == "%(counter)s fornitori"


def test_the_selection_methods_descriptions_are_in_the_catalogue(po_entries):
    """scoring.py writes them in English; requirements.views marks them for translation."""
    msgids = {entry["msgid"] for entry in po_entries}
    assert {method.description for method in METHODS.values()} <= msgids
    with translation.override("it"):
        assert translation.gettext(METHODS["balanced"].description).startswith("Prima la competenza")
