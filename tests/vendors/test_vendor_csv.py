"""Vendor bulk import and export as CSV: vendors/csv_io/, the export_vendors and
import_vendors commands, and GET /api/v1/vendors/export.csv, POST /api/v1/vendors/import/."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import (
    DeliveryCenterFactory,
    RateCardFactory,
    UserFactory,
    VendorFactory,
    VendorSkillFactory,
    domain,
    skill,
)
from tests.vendors.factories_extra import VendorCertificationFactory, VendorLanguageFactory, certification
from vendors.csv_io import csv_columns, vendor_csv_export, vendor_csv_import
from vendors.models import DeliveryCenter, RateCard, Vendor, VendorCertification, VendorLanguage, VendorSkill
from vendors.signals import vendor_changed

pytestmark = pytest.mark.django_db

HEADER = ",".join(csv_columns())
EXPORT_URL = "/api/v1/vendors/export.csv"
IMPORT_URL = "/api/v1/vendors/import/"


def tricky_vendor(index: int = 0, **fields) -> Vendor:
    """A vendor with every list filled and text that CSV and the list syntax must survive."""
    vendor = VendorFactory(
        name=fields.pop("name", f"Ångström, “Quotes” & Co {index}"),
        description=fields.pop("description", 'Line one, with "quotes";\nline two: a|b\\c\r\nline three — 日本語 🚀'),
        website="https://example.com/vendor?a=1&b=2",
        founded_year=1999,
        available_fte=Decimal("12.5"),
        verified=True,
        external_id=fields.pop("external_id", f"-ERP, {index}"),
        **fields,
    )
    vendor.domains.set([domain("finance"), domain("legal")])
    VendorLanguageFactory(vendor=vendor, code="en")
    VendorLanguageFactory(vendor=vendor, code="it")
    VendorSkillFactory(vendor=vendor, skill=skill("financial-reporting"), proficiency=4, years_experience=6)
    VendorSkillFactory(vendor=vendor, skill=skill("audit-support"), proficiency=3, years_experience=2)
    RateCardFactory(vendor=vendor, seniority="senior", hourly_rate=Decimal("38.50"), currency="USD")
    RateCardFactory(vendor=vendor, seniority="mid", hourly_rate=Decimal("30.00"), currency="EUR")
    DeliveryCenterFactory(vendor=vendor, country="IN", city="Pune; East | Hub: 2 \\ B", timezone="Asia/Kolkata")
    DeliveryCenterFactory(vendor=vendor, country="PL", city="Kraków", timezone="Europe/Warsaw", headcount=40)
    VendorCertificationFactory(vendor=vendor, certification=certification("iso_27001"), valid_until=date(2027, 6, 30))
    VendorCertificationFactory(vendor=vendor, certification=certification("soc2_type2"), valid_until=None)
    return vendor


def export_text(queryset=None) -> str:
    stream = io.StringIO(newline="")
    vendor_csv_export(queryset if queryset is not None else Vendor.objects.all(), stream)
    return stream.getvalue()


def run_import(text: str, *, dry_run: bool = False, actor=None):
    return vendor_csv_import(io.StringIO(text, newline=""), dry_run=dry_run, actor=actor)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def csv_text(rows: list[dict[str, str]], columns=None) -> str:
    stream = io.StringIO(newline="")
    writer = csv.DictWriter(stream, fieldnames=columns or list(csv_columns()))
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def profile_snapshot() -> list:
    """Everything the CSV carries, plus timestamps and history counts: equal before and after means untouched."""
    return [
        list(Vendor.objects.order_by("pk").values()),
        list(Vendor.domains.through.objects.order_by("pk").values()),
        *(
            list(model.objects.order_by("pk").values())
            for model in (VendorLanguage, VendorSkill, RateCard, DeliveryCenter, VendorCertification)
        ),
        Vendor.history.count(),
        VendorSkill.history.count(),
    ]


class SignalLog:
    def __init__(self):
        self.sends: list[list[int]] = []

    def __call__(self, sender, vendor_ids, **kwargs):
        self.sends.append(list(vendor_ids))


@pytest.fixture
def signal_log():
    log = SignalLog()
    vendor_changed.connect(log, dispatch_uid="test-vendor-csv")
    yield log
    vendor_changed.disconnect(dispatch_uid="test-vendor-csv")


# --- format and round trip ------------------------------------------------------------


def test_the_export_has_one_row_per_vendor_in_the_documented_syntax():
    tricky_vendor(slug="acme")
    (row,) = rows_of(export_text())
    assert row["slug"] == "acme"
    assert row["languages"] == "en;it"
    assert row["domains"] == "finance;legal"
    assert row["skills"] == "audit-support:3:2;financial-reporting:4:6"
    assert row["rates"] == "mid:30.00:EUR;senior:38.50:USD"
    assert row["delivery_centers"] == "IN|Pune\\; East \\| Hub\\: 2 \\\\ B|Asia/Kolkata|50;PL|Kraków|Europe/Warsaw|40"
    assert row["certifications"] == "iso_27001:2027-06-30;soc2_type2:"
    assert row["external_id"] == "'-ERP, 0"
    assert (row["verified"], row["is_active"], row["available_fte"], row["founded_year"]) == (
        "true",
        "true",
        "12.5",
        "1999",
    )


def test_an_export_imports_back_unchanged(signal_log):
    for index in range(3):
        tricky_vendor(index)
    VendorFactory(name="=HYPERLINK(1)", description="-minus first", slug="formula")
    before = profile_snapshot()
    text = export_text()

    report = run_import(text)

    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 0, 4)
    assert profile_snapshot() == before
    assert signal_log.sends == []
    assert export_text() == text


def test_spreadsheet_formulas_are_exported_as_text_and_imported_as_they_were():
    VendorFactory(slug="formula", name="=SUM(A1:A2)", description="@cmd")
    row = rows_of(export_text())[0]
    assert (row["name"], row["description"]) == ("'=SUM(A1:A2)", "'@cmd")
    Vendor.objects.all().delete()

    run_import(csv_text([row]))

    assert Vendor.objects.values_list("name", "description").get() == ("=SUM(A1:A2)", "@cmd")


PLAIN_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300).map(
    str.strip
)
VENDOR_SPECS = st.lists(
    st.fixed_dictionaries(
        {
            "slug": st.from_regex(r"[a-z0-9][a-z0-9_-]{0,30}", fullmatch=True),
            "name": PLAIN_TEXT.filter(bool).map(lambda text: text[:200].strip()).filter(bool),
            "description": PLAIN_TEXT,
            "available_fte": st.decimals(min_value=0, max_value=99999, places=1),
            "verified": st.booleans(),
            "rate": st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999"), places=2),
            "city": PLAIN_TEXT.map(lambda text: text[:120].strip()).filter(bool),
        }
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda spec: spec["slug"],
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=VENDOR_SPECS)
def test_any_vendor_text_survives_the_round_trip(specs):
    with transaction.atomic():
        for spec in specs:
            vendor = VendorFactory(
                slug=spec["slug"],
                name=spec["name"],
                description=spec["description"],
                available_fte=spec["available_fte"],
                verified=spec["verified"],
            )
            RateCardFactory(vendor=vendor, hourly_rate=spec["rate"])
            DeliveryCenterFactory(vendor=vendor, city=spec["city"])
        before = profile_snapshot()
        text = export_text()

        report = run_import(text)

        assert (report.errors, report.updated, report.unchanged) == ([], 0, len(specs))
        assert profile_snapshot() == before
        transaction.set_rollback(True)


# --- validation -----------------------------------------------------------------------


def test_every_error_is_reported_by_row_and_column_and_nothing_is_imported(signal_log):
    existing = tricky_vendor(slug="existing")
    good = dict(rows_of(export_text())[0], slug="brand-new")
    changed_existing = dict(rows_of(export_text())[0], name="Renamed")
    bad = [
        dict(good, slug="bad-country", headquarters_country="XX"),
        dict(good, slug="bad-language", languages="en;english"),
        dict(good, slug="bad-domain", domains="finance;astrology"),
        dict(good, slug="bad-skill", skills="financial-reporting:9:6"),
        dict(good, slug="unknown-skill", skills="juggling:3:1"),
        dict(good, slug="bad-rate", rates="senior:abc:USD"),
        dict(good, slug="bad-currency", rates="senior:30:XYZ"),
        dict(good, slug="bad-seniority", rates="intern:30:USD"),
        dict(good, slug="bad-zone", delivery_centers="IN|Pune|Europe/Warsaw|10"),
        dict(good, slug="bad-date", certifications="iso_27001:2027-13-01"),
        dict(good, slug="bad-year", founded_year="nineteen"),
        dict(good, slug="bad-fte", available_fte="-1"),
        dict(good, slug="bad-flag", verified="maybe"),
        dict(good, slug="Bad Slug"),
        dict(good, slug="repeated-rate", rates="senior:30:USD;senior:31:USD"),
        dict(good, slug="bad-escape", delivery_centers="IN|Pu\\ne|Asia/Kolkata|1"),
        dict(good, slug="brand-new"),  # the slug of row 2 again
    ]
    text = csv_text([good, changed_existing, *bad])
    before = profile_snapshot()

    report = run_import(text)

    found = {(error.row, error.column) for error in report.errors}
    assert found == {
        (4, "headquarters_country"),
        (5, "languages"),
        (6, "domains"),
        (7, "skills"),
        (8, "skills"),
        (9, "rates"),
        (10, "rates"),
        (11, "rates"),
        (12, "delivery_centers"),
        (13, "certifications"),
        (14, "founded_year"),
        (15, "available_fte"),
        (16, "verified"),
        (17, "slug"),
        (18, "rates"),
        (19, "delivery_centers"),
        (20, "slug"),
    }
    messages = {(error.row, error.column): error.message for error in report.errors}
    assert "Europe/Warsaw is not a time zone of IN" in messages[(12, "delivery_centers")]
    assert "less than or equal to 5" in messages[(7, "skills")]
    assert "already appears in row 2" in messages[(20, "slug")]
    assert not report.ok
    assert profile_snapshot() == before
    assert existing.name == Vendor.objects.get(slug="existing").name
    assert signal_log.sends == []


def test_unknown_and_missing_columns_are_reported_on_the_header_row():
    report = run_import("slug,name,colour\nacme,Acme,blue\n")

    assert {(e.row, e.column) for e in report.errors} == {(1, "colour"), (1, "headquarters_country")}
    assert not Vendor.objects.exists()


def test_a_row_with_too_few_values_is_an_error_of_the_whole_row():
    report = run_import("slug,name,headquarters_country\nacme,Acme\n")

    assert [(e.row, e.column) for e in report.errors] == [(2, "")]


def test_an_inactive_skill_is_refused_for_a_vendor_that_does_not_have_it_yet():
    retired = skill("payroll")
    retired.is_active = False
    retired.save()
    keeper = VendorFactory(slug="keeper")
    VendorSkillFactory(vendor=keeper, skill=retired)
    text = csv_text(
        [
            {"slug": "keeper", "name": "Keeper", "headquarters_country": "IN", "skills": "payroll:4:5"},
            {"slug": "newcomer", "name": "Newcomer", "headquarters_country": "IN", "skills": "payroll:4:5"},
        ],
        columns=["slug", "name", "headquarters_country", "skills"],
    )

    report = run_import(text)

    assert [(e.row, e.column) for e in report.errors] == [(3, "skills")]


# --- dry run and updates --------------------------------------------------------------


def test_a_dry_run_counts_the_changes_and_writes_nothing(signal_log):
    tricky_vendor(0, slug="same")
    tricky_vendor(1, slug="changed")
    rows = rows_of(export_text())
    rows[0]["available_fte"] = "99.0"
    rows.append(dict(rows[1], slug="created"))
    before = profile_snapshot()

    report = run_import(csv_text(rows), dry_run=True)

    assert (report.ok, report.dry_run, report.created, report.updated, report.unchanged) == (True, True, 1, 1, 1)
    assert profile_snapshot() == before
    assert signal_log.sends == []


def test_an_import_updates_vendors_by_slug_and_replaces_their_lists():
    vendor = tricky_vendor(slug="acme")
    VendorCertification.objects.filter(vendor=vendor, certification__code="iso_27001").update(reference="CERT-1")
    row = rows_of(export_text())[0]
    row.update(
        name="Acme Renamed",
        languages="de;en",
        domains="legal",
        skills="financial-reporting:5:7;contract-review:2:1",
        rates="senior:41.00:USD",
        delivery_centers="PL|Kraków|Europe/Warsaw|55",
        certifications="iso_27001:2028-01-31",
        verified="false",
    )

    report = run_import(csv_text([row]))

    assert (report.errors, report.created, report.updated) == ([], 0, 1)
    vendor.refresh_from_db()
    assert (vendor.pk, vendor.name, vendor.verified, vendor.verified_at) == (vendor.pk, "Acme Renamed", False, None)
    assert sorted(vendor.languages.values_list("code", flat=True)) == ["de", "en"]
    assert list(vendor.domains.values_list("code", flat=True)) == ["legal"]
    assert sorted(vendor.vendor_skills.values_list("skill__code", "proficiency", "years_experience")) == [
        ("contract-review", 2, 1),
        ("financial-reporting", 5, 7),
    ]
    assert list(vendor.rates.values_list("seniority", "hourly_rate", "currency")) == [
        ("senior", Decimal("41.00"), "USD")
    ]
    assert list(vendor.delivery_centers.values_list("country", "city", "headcount")) == [("PL", "Kraków", 55)]
    assert list(vendor.vendor_certifications.values_list("valid_until", "reference")) == [(date(2028, 1, 31), "CERT-1")]
    assert Vendor.objects.count() == 1


def test_columns_left_out_of_the_file_are_left_as_they_are():
    vendor = tricky_vendor(slug="acme")
    text = "slug,name,headquarters_country,available_fte\nacme,Acme Partial,IN,3.5\n"

    report = run_import(text)

    assert (report.errors, report.updated) == ([], 1)
    vendor.refresh_from_db()
    assert (vendor.name, vendor.available_fte, vendor.description) == (
        "Acme Partial",
        Decimal("3.5"),
        vendor.description,
    )
    assert vendor.vendor_skills.count() == 2 and vendor.rates.count() == 2 and vendor.languages.count() == 2


def test_an_update_records_history_by_the_actor_and_sends_one_signal_for_all_updated_vendors(staff_user, signal_log):
    first, second, untouched = tricky_vendor(0, slug="first"), tricky_vendor(1, slug="second"), tricky_vendor(2)
    rows = {row["slug"]: row for row in rows_of(export_text())}
    rows["first"]["description"] = "New description"
    rows["first"]["domains"] = "data_analytics"
    rows["second"]["skills"] = "financial-reporting:5:6;sql:3:1"  # one changed, one removed, one added

    report = run_import(csv_text(list(rows.values())), actor=staff_user)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert signal_log.sends == [sorted([first.pk, second.pk])]
    record = first.history.latest("history_id")
    assert (record.history_type, record.history_user, record.description) == ("~", staff_user, "New description")
    assert [d.expertisearea.code for d in record.domains.all()] == ["data_analytics"]
    skill_records = VendorSkill.history.filter(vendor_id=second.pk, history_user=staff_user)
    assert sorted((r.skill.code, r.history_type) for r in skill_records) == [
        ("audit-support", "-"),
        ("financial-reporting", "~"),
        ("sql", "+"),
    ]
    assert not untouched.history.filter(history_user=staff_user).exists()
    second.refresh_from_db()
    assert second.updated_at > untouched.updated_at


def test_new_vendors_get_creation_history_with_their_domains(staff_user):
    text = csv_text(
        [
            {
                "slug": "fresh",
                "name": "Fresh",
                "headquarters_country": "IT",
                "domains": "legal;finance",
                "verified": "true",
            }
        ],
        columns=["slug", "name", "headquarters_country", "domains", "verified"],
    )

    report = run_import(text, actor=staff_user)

    assert (report.errors, report.created) == ([], 1)
    vendor = Vendor.objects.get(slug="fresh")
    assert vendor.verified_at is not None and vendor.available_fte == Decimal("0")
    record = vendor.history.get()
    assert (record.history_type, record.history_user) == ("+", staff_user)
    assert sorted(d.expertisearea.code for d in record.domains.all()) == ["finance", "legal"]


# --- scale ----------------------------------------------------------------------------


def bulk_rows(count: int, *, rate: str) -> list[dict[str, str]]:
    return [
        {
            "slug": f"bulk-{index:05d}",
            "name": f"Bulk Vendor {index}",
            "description": f"Vendor number {index}, bulk imported.",
            "website": "",
            "headquarters_country": "IN",
            "founded_year": "2001",
            "available_fte": "10.0",
            "languages": "en;hi",
            "domains": "finance;data_analytics",
            "skills": "financial-reporting:4:6;sql:3:2",
            "rates": f"senior:{rate}:USD;mid:30.00:USD",
            "delivery_centers": f"IN|Pune {index}|Asia/Kolkata|120",
            "certifications": "iso_27001:2027-06-30",
            "verified": "false",
            "is_active": "true",
            "external_id": "",
        }
        for index in range(count)
    ]


def test_two_thousand_vendors_import_and_update_in_a_bounded_number_of_queries(
    django_assert_max_num_queries, signal_log
):
    columns = list(csv_columns())
    rows = [{k: v for k, v in row.items() if k in columns} for row in bulk_rows(2000, rate="38.50")]

    with django_assert_max_num_queries(90):
        report = run_import(csv_text(rows))
    assert (report.errors, report.created) == ([], 2000)
    assert RateCard.objects.count() == 4000 and RateCard.history.count() == 4000

    for row in rows:
        row["rates"] = "senior:40.00:USD"
    with django_assert_max_num_queries(90):
        report = run_import(csv_text(rows))
    assert (report.errors, report.updated) == ([], 2000)
    assert RateCard.objects.count() == 2000
    assert len(signal_log.sends) == 1 and len(signal_log.sends[0]) == 2000


def test_the_export_reads_a_constant_number_of_queries(django_assert_num_queries):
    for index in range(4):
        tricky_vendor(index)
    with django_assert_num_queries(7):  # vendors, then one query per list
        text = export_text()
    assert len(rows_of(text)) == 4


# --- management commands --------------------------------------------------------------


def test_the_commands_export_to_a_file_and_import_it_back(tmp_path):
    tricky_vendor(slug="acme")
    path = tmp_path / "vendors.csv"
    call_command("export_vendors", str(path), verbosity=0)
    Vendor.objects.filter(slug="acme").update(name="Changed meanwhile")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_vendors", str(path), stdout=out, stderr=err)

    assert "0 vendors were created, 1 updated, 0 unchanged." in out.getvalue()
    assert "Validating" in err.getvalue() and "Writing" in err.getvalue()
    assert Vendor.objects.get(slug="acme").name.startswith("Ångström")


def test_the_export_command_writes_to_standard_output():
    tricky_vendor(slug="acme")
    out = io.StringIO()

    call_command("export_vendors", stdout=out)

    assert out.getvalue() == export_text()


def test_the_import_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_text("slug,name,headquarters_country\nacme,Acme,IN\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_vendors", str(path), "--dry-run", "--no-progress", stdout=out)

    assert "1 vendors would be created" in out.getvalue()
    assert not Vendor.objects.exists()


def test_the_import_command_prints_each_error_and_exits_with_status_1(tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_text(
        "slug,name,headquarters_country,rates\nacme,Acme,IN,senior:cheap:USD\nbeta,Beta,ZZ,\n", encoding="utf-8"
    )
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_vendors", str(path), "--no-progress", stderr=err)

    assert raised.value.returncode == 1
    assert "row 2, column rates: “senior:cheap:USD”: hourly_rate:" in err.getvalue()
    assert "row 3, column headquarters_country: ZZ is not an ISO 3166-1 alpha-2 country code." in err.getvalue()
    assert "nothing was imported" in str(raised.value)
    assert not Vendor.objects.exists()


# --- API ------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_routes_are_the_documented_paths():
    assert reverse("api-vendor-export-csv") == EXPORT_URL
    assert reverse("api-vendor-import-csv") == IMPORT_URL


def test_staff_export_streams_csv_that_imports_back_unchanged(staff_user):
    tricky_vendor(slug="acme")

    response = api(staff_user).get(EXPORT_URL, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.decode() == export_text()
    upload = api(staff_user).post(IMPORT_URL, data=body, content_type="text/csv")
    assert (upload.status_code, upload.json()["unchanged"], upload.json()["updated"]) == (200, 1, 0)


@pytest.mark.parametrize("method", ["get", "post"])
def test_clients_and_vendor_members_get_403_and_anonymous_callers_401(method, owner, vendor_member):
    url = EXPORT_URL if method == "get" else IMPORT_URL
    for user, expected in ((owner, 403), (vendor_member, 403), (UserFactory(), 403), (None, 401)):
        response = getattr(api(user), method)(url)
        assert response.status_code == expected, user
    assert not Vendor.objects.exclude(pk=vendor_member.membership.vendor_id).exists()


def test_staff_import_a_multipart_file(staff_user, signal_log):
    upload = io.BytesIO("\ufeffslug,name,headquarters_country\nacme,Acme,IN\n".encode())
    upload.name = "vendors.csv"

    response = api(staff_user).post(IMPORT_URL, {"file": upload}, format="multipart")

    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
        "error_count": 0,
        "errors": [],
    }
    assert Vendor.objects.get(slug="acme").history.get().history_user == staff_user


def test_an_invalid_file_answers_400_with_the_report_and_imports_nothing(staff_user):
    body = "slug,name,headquarters_country,languages\nacme,Acme,IN,en\nbeta,Beta,IN,klingon\n"

    response = api(staff_user).post(IMPORT_URL, data=body, content_type="text/csv")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"]) == (3, "languages")
    assert "klingon is not an ISO 639-1 language code." in error["message"]
    assert (response.json()["created"], response.json()["error_count"]) == (0, 1)
    assert not Vendor.objects.exists()


def test_a_dry_run_through_the_api_writes_nothing(staff_user):
    body = "slug,name,headquarters_country\nacme,Acme,IN\n"

    response = api(staff_user).post(f"{IMPORT_URL}?dry_run=true", data=body, content_type="text/csv")

    assert (response.status_code, response.json()["created"], response.json()["dry_run"]) == (200, 1, True)
    assert not Vendor.objects.exists()


def test_a_body_that_is_not_utf8_is_reported_not_a_server_error(staff_user):
    response = api(staff_user).post(
        IMPORT_URL, data="slug,name,headquarters_country\nacme,Ac\xe9e,IN\n".encode("latin-1"), content_type="text/csv"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The file is not UTF-8 text."


def test_an_import_without_a_file_or_with_a_bad_flag_answers_400_in_the_report_shape(staff_user):
    no_file = api(staff_user).post(IMPORT_URL, {}, format="multipart")
    bad_flag = api(staff_user).post(f"{IMPORT_URL}?dry_run=perhaps", data="slug\n", content_type="text/csv")

    assert (no_file.status_code, bad_flag.status_code) == (400, 400)
    assert [(e["row"], e["column"]) for e in no_file.json()["errors"]] == [(0, "file")]
    assert [(e["row"], e["column"]) for e in bad_flag.json()["errors"]] == [(0, "dry_run")]


def test_an_empty_body_is_reported_as_a_missing_header(staff_user):
    response = api(staff_user).post(IMPORT_URL, data="", content_type="text/csv")

    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 1
