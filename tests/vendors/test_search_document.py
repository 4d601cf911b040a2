"""The stored search document (migration 0010, vendors/search.py): kept by the database in
the transaction of every change it depends on, ranked name > description > skill > other
words, found by partial, accented and Italian queries, and served by indexes."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.vendors.helpers import make_vendor
from vendors import keyset
from vendors.csv_io import vendor_csv_export, vendor_csv_import
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSearchDocument,
)
from vendors.search import vendor_search
from vendors.selectors import DirectoryFilters, Viewer, codes_in_use, relevance_documents, vendor_directory

pytestmark = pytest.mark.django_db


def lexemes(vendor: Vendor) -> dict[str, str]:
    """The vendor's document as {lexeme: the weights it carries}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, array_to_string(weights, '') FROM vendors_vendorsearchdocument, unnest(document) "
            "WHERE vendor_id = %s",
            [vendor.pk],
        )
        return dict(cursor.fetchall())


def stems(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(tsvector_to_array(to_tsvector('english', kpo_search_fold(%s))))", [text])
        return [row[0] for row in cursor.fetchall()]


def found(q: str) -> list[str]:
    return [vendor.name for vendor in vendor_search(Vendor.objects.all(), q).order_by("-rank", "name")]


def test_a_vendor_is_written_with_its_folded_name_and_weighted_words():
    vendor = make_vendor("Ångström Analytics", description="Clinical trials", skills=("sql",), domains=("legal",))

    document = VendorSearchDocument.objects.get(vendor=vendor)
    words = lexemes(vendor)

    assert document.name == "angstrom analytics"
    assert words["angstrom"] == "A"
    assert words["clinic"] == "B"
    assert {words[lexeme] for lexeme in stems(Skill.objects.get(code="sql").name)} == {"C"}
    assert set(words["legal"]) == {"D"}  # the legal domain's Italian words ("legale")


def test_a_change_of_skills_rebuilds_the_document_in_the_same_transaction():
    vendor = make_vendor("Ledger Lane", skills=("sql",))
    assert "payrol" not in lexemes(vendor)

    vendor.vendor_skills.create(skill=Skill.objects.get(code="payroll"), proficiency=3)

    assert lexemes(vendor)["payrol"] == "C"


def test_renaming_a_skill_rebuilds_the_documents_that_name_it():
    vendor = make_vendor("Ledger Lane", skills=("payroll",))

    Skill.objects.filter(code="payroll").update(name="Salary administration")

    assert "salari" in lexemes(vendor) and "payrol" not in lexemes(vendor)


def test_new_search_terms_of_a_domain_reach_its_vendors():
    vendor = make_vendor("Ledger Lane", domains=("finance",))

    ExpertiseArea.objects.filter(code="finance").update(search_terms="ragioneria")

    assert "ragioner" in lexemes(vendor)


def test_a_renamed_vendor_is_found_by_its_new_name_only():
    vendor = make_vendor("Old Name Partners")
    vendor.name = "Fresh Harbour"
    vendor.save()

    assert found("harbour") == ["Fresh Harbour"]
    assert found("old name") == []


def test_deleting_a_vendor_deletes_its_document():
    vendor = make_vendor("Ledger Lane")
    vendor.delete()
    assert not VendorSearchDocument.objects.exists()


def test_the_ranking_is_name_then_description_then_skill_then_other_words():
    make_vendor("Forecasting Partners", skills=("sql",), domains=("finance",))
    make_vendor("Alpha Co", description="Demand forecasting for retailers.", skills=("sql",), domains=("finance",))
    make_vendor("Beta Co", skills=("forecasting",), domains=("finance",))  # "Demand forecasting"
    make_vendor("Gamma Co", skills=("sql",), domains=("finance",))
    make_vendor("Delta Co", skills=("sql",), domains=("legal",))

    assert found("forecasting") == ["Forecasting Partners", "Alpha Co", "Beta Co"]
    # "previsione della domanda": the forecasting skill's Italian words; nobody else has them.
    assert found("previsione") == ["Beta Co"]


def test_a_name_typed_in_part_comes_first():
    make_vendor("Lumen Insight", description="Financial reporting.")
    make_vendor("Reporting Lumens", description="Insight into ledgers.")
    make_vendor("Columbus Data", description="Lumen-grade reporting.")

    assert found("lume")[:2] == ["Lumen Insight", "Reporting Lumens"]
    assert found("umen") == ["Lumen Insight", "Reporting Lumens"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("angstrom", ["Ångström Analytics"]),
        ("ÅNGSTRÖM", ["Ångström Analytics"]),
        ("ångs", ["Ångström Analytics"]),
        ("angs", ["Ångström Analytics"]),
        ("legale", ["Lex Partners"]),
        ("servizi legali", ["Lex Partners"]),
        ("ricerca clinica", ["Trial Desk"]),
        ("farmacovigilanza", ["Trial Desk"]),
        ("bilancio", ["Ångström Analytics"]),
        ("contabilità", ["Ångström Analytics"]),
        ("contabilita", ["Ångström Analytics"]),
    ],
)
def test_accented_partial_and_italian_queries_find_their_vendors(q, expected):
    make_vendor("Ångström Analytics", domains=("finance",), skills=("financial-reporting",))
    make_vendor("Lex Partners", domains=("legal",), skills=("contract-review",))
    make_vendor("Trial Desk", domains=("medical",), skills=("clinical-data-management",))

    assert found(q) == expected


@pytest.fixture
def directory_of_thousands():
    """Enough vendors (4,000, one domain each in turn, five with a rare word, half with a senior
    rate) for the planner to choose as it does on a real directory; statistics refreshed."""
    vendors = Vendor.objects.bulk_create(
        Vendor(
            name=f"Vendor {number:05d}",
            slug=f"bulk-vendor-{number}",
            headquarters_country="IN",
            description="Zanzibarite audits." if number % 800 == 0 else "A knowledge-process vendor.",
            review_count=number % 60,
            rating=Decimal(1 + number % 5) if number % 60 else None,
        )
        for number in range(4000)
    )
    domains = list(ExpertiseArea.objects.order_by("code"))
    Vendor.domains.through.objects.bulk_create(
        Vendor.domains.through(vendor_id=vendor.pk, expertisearea_id=domains[number % len(domains)].pk)
        for number, vendor in enumerate(vendors)
    )
    RateCard.objects.bulk_create(
        RateCard(vendor=vendor, seniority="senior", hourly_rate=Decimal(20 + number % 50), currency="USD")
        for number, vendor in enumerate(vendors[::2])
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE vendors_vendor, vendors_vendorsearchdocument, vendors_vendor_domains, vendors_vendorrate"
        )


def plan(queryset, *, index_only: bool = False) -> str:
    """The plan PostgreSQL picks; with `index_only`, the one it picks when it may only look rows
    up through an index's bitmap (so a plan shows whether an index can serve the condition)."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan"):
            cursor.execute(f"SET LOCAL {setting} = {'off' if index_only else 'on'}")
    return queryset.explain()


def test_a_search_reads_the_indexes_not_the_vendor_table(directory_of_thousands):
    viewer = Viewer.for_staff()
    by_word = vendor_directory(filters=DirectoryFilters(q="zanzibarite"), viewer=viewer, display=False)[:51]
    by_part = vendor_directory(filters=DirectoryFilters(q="ndor 0123"), viewer=viewer, display=False)[:51]

    assert "Seq Scan on vendors_vendor " not in plan(by_word), plan(by_word)
    # A name typed in part: at this size a scan of the vendor table is cheap and may be chosen;
    # the benchmark (make bench-directory) shows the plans on 100,000 vendors.
    assert "vendor_search_document_gin" in plan(by_word, index_only=True), plan(by_word, index_only=True)
    assert "vendor_search_name_trgm" in plan(by_part, index_only=True), plan(by_part, index_only=True)


def test_a_page_in_the_default_order_is_read_from_the_name_index(directory_of_thousands):
    viewer = Viewer.for_staff()
    browse = plan(vendor_directory(filters=DirectoryFilters(), viewer=viewer, display=False)[:51])
    by_domain = plan(vendor_directory(filters=DirectoryFilters(domain="finance"), viewer=viewer, display=False)[:51])

    assert "vendor_active_name_idx" in browse, browse
    assert "Seq Scan on vendors_vendor " not in browse + by_domain, browse + by_domain


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("name", "vendor_active_name_idx"),
        ("rating", "vendor_active_rating_idx"),
        ("reviews", "vendor_active_reviews_idx"),
        ("rate", "vendor_rate_sort_idx"),
    ],
)
def test_every_order_of_the_directory_is_read_from_its_index(directory_of_thousands, sort, index):
    page = plan(vendor_directory(filters=DirectoryFilters(sort=sort), viewer=Viewer.for_staff(), display=False)[:51])
    assert index in page, page
    assert "Seq Scan on vendors_vendor " not in page, page


def test_the_filter_choices_list_each_code_in_use_once(directory_of_thousands):
    make_vendor("Warsaw Desk", country="PL", tz="Europe/Warsaw", languages=("pl", "en"))
    make_vendor("Pune Desk", country="IN", languages=("hi", "en"))

    assert codes_in_use(DeliveryCenter, "country") == ["IN", "PL"]
    assert codes_in_use(VendorLanguage, "code") == ["en", "hi", "pl"]


def test_the_demos_plain_search_finds_the_italian_words_too(monkeypatch):
    make_vendor("Lex Partners", domains=("legal",), skills=("contract-review",))
    make_vendor("Trial Desk", domains=("medical",), skills=("clinical-data-management",))
    monkeypatch.setattr(connection, "vendor", "sqlite")

    assert [vendor.name for vendor in vendor_search(Vendor.objects.order_by("name"), "legale")] == ["Lex Partners"]
    assert [vendor.name for vendor in vendor_search(Vendor.objects.order_by("name"), "dati clinici")] == ["Trial Desk"]


def test_a_search_with_few_matches_is_sorted_after_matching_not_by_walking_the_sort_index(directory_of_thousands):
    """Names containing the query bunch together in name order: walking the name index and
    testing each vendor would read most of the directory before the page fills."""
    viewer = Viewer.for_staff()
    few = vendor_directory(filters=DirectoryFilters(q="zanzibarite", sort="name"), viewer=viewer, display=False)
    many = vendor_directory(filters=DirectoryFilters(q="knowledge", sort="name"), viewer=viewer, display=False)

    with CaptureQueriesContext(connection) as queries:
        page = keyset.read_page(few, keyset.keys_for("name", few), None, 3)
    page_sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page_sql}")
        few_plan = "\n".join(row[0] for row in cursor.fetchall())

    expected = sorted(Vendor.objects.filter(description__startswith="Zanzibarite").values_list("name", flat=True))
    assert [vendor.name for vendor in page.rows] == expected[:3]
    assert page.has_next and not page.has_previous
    # The matches first (by the index, or on a fresh database by reading the 4,000 documents),
    # then sorted: never the name index walked.
    assert "vendor_active_name_idx" not in few_plan, few_plan
    assert "Sort Key" in few_plan and "vendors_vendorsearchdocument" in few_plan, few_plan

    with CaptureQueriesContext(connection) as queries:
        dense = keyset.read_page(many, keyset.keys_for("name", many), None, 3)
    knowledge = Vendor.objects.filter(description__contains="knowledge").order_by("name", "id")
    assert [vendor.name for vendor in dense.rows] == list(knowledge.values_list("name", flat=True)[:3])
    assert "|| ''" not in queries.captured_queries[-1]["sql"]  # thousands of matches: the index walk is short


@pytest.mark.parametrize(
    ("chosen", "walked"),
    [
        ({"q": "vendor"}, True),
        ({"q": "zeta"}, False),
        ({"verified": True}, False),
        ({"q": "works", "verified": True}, False),
    ],
)
def test_a_narrowed_list_sorted_by_name_walks_the_name_order_only_so_far(monkeypatch, chosen, walked):
    """A search or a filter sorted by name: the page is read by walking the name order, at most
    NAME_WALK vendors; when the matches lie beyond (names bunch together: "Zeta ..." at the
    end, and here only they are verified), they are found first and sorted. The same pages
    either way."""
    Vendor.objects.bulk_create(
        [Vendor(name=f"Vendor {n:03d}", slug=f"vendor-{n}", headquarters_country="IN") for n in range(120)]
        + [
            Vendor(name=f"Zeta Works {n:02d}", slug=f"zeta-{n}", headquarters_country="IN", verified=True)
            for n in range(23)
        ]
    )
    monkeypatch.setattr(keyset, "FEW_MATCHES", 10)  # both searches match "many"
    monkeypatch.setattr(keyset, "NAME_WALK", 40)
    walks = []
    walk = keyset._walk_names
    monkeypatch.setattr(keyset, "_walk_names", lambda *args: walks.append(page := walk(*args)) or page)
    queryset = vendor_directory(
        filters=DirectoryFilters(**chosen, sort="name"), viewer=Viewer.for_staff(), display=False
    )
    forward, backward = _pages(queryset, ranked=None, size=7, sort="name")

    matching = Vendor.objects.filter(name__icontains=chosen.get("q", ""))
    names = sorted(
        (matching.filter(verified=True) if "verified" in chosen else matching).values_list("name", flat=True)
    )
    assert [name for page in forward for name in page] == names
    assert forward == [names[i : i + 7] for i in range(0, len(names), 7)]
    assert backward == forward[::-1]
    # "vendor": every page within the walk's reach; "zeta": not the first (120 names before it),
    # but from a cursor among them the next one is.
    assert walks and (walks[0] is not None) == walked
    assert all(page is not None for page in walks) if walked else walks[1] is not None


def test_relevance_pages_compare_the_whole_key_in_one_row(directory_of_thousands):
    viewer = Viewer.for_staff()
    ranked = vendor_directory(filters=DirectoryFilters(q="audits"), viewer=viewer, display=False)
    keys = keyset.keys_for("relevance", ranked)
    first = keyset.read_page(ranked, keys, None, 2)
    cursor = keyset.decode(keyset.encode(first.rows[-1], keys), keys)
    with CaptureQueriesContext(connection) as queries:
        second = keyset.read_page(ranked, keys, cursor, 2)
    back = keyset.read_page(ranked, keys, keyset.decode(keyset.encode(second.rows[0], keys, backwards=True), keys), 2)

    everything = [vendor.name for vendor in keyset.read_page(ranked, keys, None, 10).rows]
    assert [vendor.name for vendor in first.rows + second.rows] == everything[:4]
    assert [vendor.name for vendor in back.rows] == everything[:2]
    assert queries.captured_queries[-1]["sql"].count("ts_rank") == 2  # the row comparison and the order


def test_the_document_carries_the_vendors_own_name_and_whether_it_is_active():
    vendor = make_vendor("Ledger Lane")
    document = VendorSearchDocument.objects.get(vendor=vendor)
    assert (document.sort_name, document.is_active) == ("Ledger Lane", True)

    vendor.name = "Ledger Lane Ångström"
    vendor.is_active = False
    vendor.save()
    document.refresh_from_db()
    assert (document.sort_name, document.is_active) == ("Ledger Lane Ångström", False)


@pytest.fixture
def audits():
    """Vendors a search for "audits" ranks with ties (the same words, names apart), one whose
    name matches, one inactive and one unverified."""
    for number in range(7):
        make_vendor(f"Firm {6 - number}", description="Audits for banks.")
    make_vendor("Audits Direct", description="Tax work.")
    asleep = make_vendor("Audits Asleep", description="Audits.")
    asleep.is_active = False
    asleep.save()
    make_vendor("Quiet Audits Co", description="Audits and audits.")
    Vendor.objects.exclude(name="Quiet Audits Co").update(verified=True)


def _pages(queryset, *, ranked, size: int = 2, sort: str = "relevance") -> tuple[list[list[str]], list[list[str]]]:
    """Every page forward from the first, then every page back from the last."""
    keys = keyset.keys_for(sort, queryset)
    forward, cursor = [], None
    while True:
        page = keyset.read_page(queryset, keys, cursor, size, ranked=ranked)
        forward.append([vendor.name for vendor in page.rows])
        if not page.has_next:
            break
        cursor = keyset.decode(keyset.encode(page.rows[-1], keys), keys)
    backward = [forward[-1]]
    while page.has_previous:
        cursor = keyset.decode(keyset.encode(page.rows[0], keys, backwards=True), keys)
        page = keyset.read_page(queryset, keys, cursor, size, ranked=ranked)
        backward.append([vendor.name for vendor in page.rows])
    return forward, backward


def test_a_relevance_page_ranked_from_the_documents_is_the_directorys_page(audits):
    filters = DirectoryFilters(q="audits")
    vendors = vendor_directory(filters=filters, viewer=Viewer.for_staff())
    ranked = relevance_documents(filters)
    assert ranked is not None

    with CaptureQueriesContext(connection) as queries:
        from_documents = _pages(vendors, ranked=ranked)
    joined = _pages(vendors, ranked=None)

    assert from_documents == joined
    names = [name for page in joined[0] for name in page]
    assert set(names[:2]) == {"Audits Direct", "Quiet Audits Co"}  # the names that match first
    assert "Audits Asleep" not in names and len(names) == 9
    assert names[-7:] == sorted(names[-7:])  # the tied firms by name
    # Ranked from the documents alone: no read of the documents joins the vendor table.
    ranking = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "vendors_vendorsearchdocument"')
    ]
    assert ranking and not any('"vendors_vendor"' in sql for sql in ranking)


def test_while_the_names_that_match_fill_the_page_it_is_ranked_from_them_alone(audits, monkeypatch):
    """Every document whose name contains the query ranks above all others: their pages are
    ranked from the name matches alone (the trigram index), and the pages are the same."""
    for number in range(5):
        make_vendor(f"Audits Partners {number}", description="Tax and audits.")
    filters = DirectoryFilters(q="audits")
    vendors = vendor_directory(filters=filters, viewer=Viewer.for_staff())
    ranked = relevance_documents(filters)
    assert ranked is not None
    tiers = []
    rank_ids = keyset._ranked_ids
    monkeypatch.setattr(
        keyset,
        "_ranked_ids",
        lambda documents, cursor, size: (
            tiers.append("named" if documents is ranked.named else "all") or rank_ids(documents, cursor, size)
        ),
    )

    forward, backward = _pages(vendors, ranked=ranked)

    assert (forward, backward) == _pages(vendors, ranked=None)
    names = [name for page in forward for name in page]
    named = [name for name in names if "Audits" in name]
    assert names[: len(named)] == named and len(named) == 7  # Direct, Quiet Audits Co and the five partners
    assert tiers[0] == "named"  # the first page (size 2) from the seven name matches alone
    assert "all" in tiers  # past them, every match


def test_a_page_whose_documents_another_filter_leaves_out_is_read_from_the_vendors(audits):
    filters = DirectoryFilters(q="audits")
    verified = vendor_directory(filters=filters, viewer=Viewer.for_staff()).filter(verified=True)

    assert _pages(verified, ranked=relevance_documents(filters)) == _pages(verified, ranked=None)
    names = [name for page in _pages(verified, ranked=relevance_documents(filters))[0] for name in page]
    assert "Quiet Audits Co" not in names and len(names) == 8


@pytest.mark.parametrize(
    "filters",
    [
        DirectoryFilters(q=""),
        DirectoryFilters(q="audits", sort="name"),
        DirectoryFilters(q="audits", domain="finance"),
        DirectoryFilters(q="audits", verified=True),
        DirectoryFilters(q="audits", max_rate=Decimal("50")),
    ],
)
def test_only_a_search_sorted_by_relevance_with_nothing_else_narrowing_it_is_ranked_from_documents(filters):
    assert relevance_documents(filters) is None


# VACUUM (outside a test transaction) sets the visibility map that index-only scans rely on.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_domain_and_certification_filters_can_read_vendor_ids_from_an_index_alone(directory_of_thousands):
    certification = Certification.objects.get(code="iso_27001")
    VendorCertification.objects.bulk_create(
        VendorCertification(vendor=vendor, certification=certification) for vendor in Vendor.objects.order_by("id")[::7]
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE vendors_vendor_domains, vendors_vendorcertification")
    finance = ExpertiseArea.objects.get(code="finance")
    # A domain's vendors (the filter on SQLite, matching's hard constraint) and a certification's
    # valid holders (the directory's check on both databases: vendors.selectors._apply_filters).
    by_domain = Vendor.domains.through.objects.filter(expertisearea_id=finance.pk).values("vendor_id")
    by_certification = (
        VendorCertification.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=date.today()), certification_id=certification.pk
        )
        .order_by()
        .values("vendor_id")
    )  # a subquery has no order
    with transaction.atomic():  # SET LOCAL holds for a transaction, and the DROP is undone with it
        with connection.cursor() as cursor:
            # Neither a table scan nor a bitmap of rows to visit: the planner picks among the indexes.
            for setting in ("enable_seqscan", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
            # At this size any index on the tables costs about the same; with only the filter
            # indexes (and the primary keys) left, the plan shows whether they serve alone.
            cursor.execute(
                "SELECT tablename, indexname, EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname) "
                "FROM pg_indexes WHERE tablename IN ('vendors_vendor_domains', 'vendors_vendorcertification') "
                "AND indexname NOT LIKE '%%_pkey' AND indexname NOT IN ('vendor_domain_filter_idx', 'vendor_cert_filter_idx')"
            )
            for table, name, is_constraint in cursor.fetchall():
                if is_constraint:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                else:
                    cursor.execute(f'DROP INDEX "{name}"')
        shown = by_domain.explain() + "\n" + by_certification.explain()
        transaction.set_rollback(True)
    assert "Index Only Scan using vendor_domain_filter_idx" in shown, shown
    assert "Index Only Scan using vendor_cert_filter_idx" in shown, shown


def document_text(vendor: Vendor) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT document::text FROM vendors_vendorsearchdocument WHERE vendor_id = %s", [vendor.pk])
        return cursor.fetchone()[0]


def test_a_vendor_created_by_the_csv_import_is_found_by_its_skills_and_italian_words():
    """The import creates vendors before their parts (the parts' touches deferred), then
    writes their documents: the same document as a vendor written part by part."""
    vendor = make_vendor(
        "Quokka Ledger Partners", description="Back office.", skills=("financial-reporting",), domains=("finance",)
    )
    written_part_by_part = document_text(vendor)
    stream = io.StringIO(newline="")
    vendor_csv_export(Vendor.objects.filter(pk=vendor.pk), stream)
    vendor.delete()

    report = vendor_csv_import(io.StringIO(stream.getvalue(), newline=""), dry_run=False)

    assert (report.errors, report.created) == ([], 1)
    imported = Vendor.objects.get(name="Quokka Ledger Partners")
    assert document_text(imported) == written_part_by_part
    assert found("financial reporting") == ["Quokka Ledger Partners"]
    assert found("bilancio") == ["Quokka Ledger Partners"]  # an Italian word of the finance domain
