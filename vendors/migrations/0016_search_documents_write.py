"""The search document, and the new filter facts, are written by one set-based function,
`vendors_search_documents_write(ids)` (PostgreSQL), which the vendor's trigger calls for its row
and a bulk writer calls for the vendors it created.

Why: a bulk writer (the CSV import, the demo seed) creates vendors first and their parts
after, with the parts' touches of the vendor deferred (kpo.change_seq.document_touch_deferred:
a new vendor needs no second change number). The trigger wrote each new vendor's document at
its INSERT, before its skills and domains existed, and nothing wrote it again: the vendor was
not found by its skills' names or by the Italian words of its domains and skills. On
100,000 seeded vendors, 61,917 documents held only the name and description. A bulk
writer now calls the function once per batch of new vendors after writing their parts
(vendors.search.write_documents).

The function orders the skills and domains (by row id), so the document of the same vendor is
the same whoever writes it. Every vendor's document is written again here, which mends the
documents the bulk writers left short.

`vendors_vendorfilterfacts` (vendors.models.VendorFilterFacts): what the directory's filters
test of a vendor's parts, as arrays under one GIN index (domain, skill and certification ids,
centre countries and "country|zone" places, languages), written by the same function in the
same transaction. Filters combined are one bitmap of the index: region + location + rate cap
on 100,000 vendors 77 -> 20 ms, where each candidate was probed in each part's table. On
SQLite (the demo) the table has text columns and stays empty: the filters read the parts'
tables there.
"""

import django.db.models.deletion
from django.db import migrations, models

import vendors.models

from kpo.migration_operations import RunSQLForVendor

WRITE_FUNCTION = """
CREATE OR REPLACE FUNCTION vendors_search_documents_write(ids bigint[]) RETURNS void LANGUAGE sql AS $$
INSERT INTO vendors_vendorsearchdocument (vendor_id, name, document, sort_name, is_active)
SELECT v.id,
       kpo_search_fold(v.name),
       setweight(to_tsvector('english', kpo_search_fold(coalesce(v.name, ''))), 'A')
       || setweight(to_tsvector('english', kpo_search_fold(coalesce(v.description, ''))), 'B')
       || setweight(to_tsvector('english', kpo_search_fold(coalesce(skills.names, ''))), 'C')
       || setweight(to_tsvector('italian', kpo_search_fold(coalesce(concat_ws(' ', domains.terms, skills.terms), ''))), 'D'),
       v.name,
       v.is_active
FROM vendors_vendor v
LEFT JOIN LATERAL (
    SELECT string_agg(s.name, ' ' ORDER BY vs.id) AS names, string_agg(s.search_terms, ' ' ORDER BY vs.id) AS terms
    FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id WHERE vs.vendor_id = v.id
) skills ON true
LEFT JOIN LATERAL (
    SELECT string_agg(d.search_terms, ' ' ORDER BY vd.id) AS terms
    FROM vendors_vendor_domains vd JOIN vendors_expertisearea d ON d.id = vd.expertisearea_id WHERE vd.vendor_id = v.id
) domains ON true
WHERE v.id = ANY(ids)
ON CONFLICT (vendor_id) DO UPDATE SET
    name = EXCLUDED.name, document = EXCLUDED.document,
    sort_name = EXCLUDED.sort_name, is_active = EXCLUDED.is_active;
INSERT INTO vendors_vendorfilterfacts (vendor_id, domains, skills, certifications, countries, places, languages)
SELECT v.id,
       ARRAY(SELECT expertisearea_id FROM vendors_vendor_domains WHERE vendor_id = v.id ORDER BY 1),
       ARRAY(SELECT skill_id FROM vendors_vendorskill WHERE vendor_id = v.id ORDER BY 1),
       ARRAY(SELECT certification_id FROM vendors_vendorcertification WHERE vendor_id = v.id ORDER BY 1),
       ARRAY(SELECT DISTINCT country FROM vendors_deliverycenter WHERE vendor_id = v.id ORDER BY 1),
       ARRAY(SELECT DISTINCT country || '|' || timezone FROM vendors_deliverycenter WHERE vendor_id = v.id ORDER BY 1),
       ARRAY(SELECT code FROM vendors_vendorlanguage WHERE vendor_id = v.id ORDER BY 1)
FROM vendors_vendor v
WHERE v.id = ANY(ids)
ON CONFLICT (vendor_id) DO UPDATE SET
    domains = EXCLUDED.domains, skills = EXCLUDED.skills, certifications = EXCLUDED.certifications,
    countries = EXCLUDED.countries, places = EXCLUDED.places, languages = EXCLUDED.languages
$$
"""

FACTS_FOREIGN_KEY = """
ALTER TABLE vendors_vendorfilterfacts ADD CONSTRAINT vendor_filter_facts_vendor_fk
    FOREIGN KEY (vendor_id) REFERENCES vendors_vendor (id) ON DELETE CASCADE
"""

DOCUMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION vendors_vendor_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM vendors_search_documents_write(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$
"""

# Migration 0014's function as it was.
PREVIOUS_FUNCTION = """
CREATE OR REPLACE FUNCTION vendors_vendor_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    skill_names text;
    other_terms text;
BEGIN
    SELECT string_agg(s.name, ' ') INTO skill_names
        FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id
        WHERE vs.vendor_id = NEW.id;
    SELECT string_agg(terms, ' ') INTO other_terms FROM (
        SELECT d.search_terms AS terms FROM vendors_vendor_domains vd
            JOIN vendors_expertisearea d ON d.id = vd.expertisearea_id WHERE vd.vendor_id = NEW.id
        UNION ALL
        SELECT s.search_terms FROM vendors_vendorskill vs
            JOIN vendors_skill s ON s.id = vs.skill_id WHERE vs.vendor_id = NEW.id
    ) words;
    INSERT INTO vendors_vendorsearchdocument (vendor_id, name, document, sort_name, is_active) VALUES (
        NEW.id,
        kpo_search_fold(NEW.name),
        setweight(to_tsvector('english', kpo_search_fold(coalesce(NEW.name, ''))), 'A')
        || setweight(to_tsvector('english', kpo_search_fold(coalesce(NEW.description, ''))), 'B')
        || setweight(to_tsvector('english', kpo_search_fold(coalesce(skill_names, ''))), 'C')
        || setweight(to_tsvector('italian', kpo_search_fold(coalesce(other_terms, ''))), 'D'),
        NEW.name,
        NEW.is_active
    )
    ON CONFLICT (vendor_id) DO UPDATE SET
        name = EXCLUDED.name, document = EXCLUDED.document,
        sort_name = EXCLUDED.sort_name, is_active = EXCLUDED.is_active;
    RETURN NULL;
END;
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0015_filter_covering_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="VendorFilterFacts",
            fields=[
                (
                    "vendor",
                    models.OneToOneField(
                        db_constraint=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="filter_facts",
                        serialize=False,
                        to="vendors.vendor",
                    ),
                ),
                (
                    "domains",
                    vendors.models.FactArrayField(
                        base_field=models.BigIntegerField(), editable=False, size=None
                    ),
                ),
                (
                    "skills",
                    vendors.models.FactArrayField(
                        base_field=models.BigIntegerField(), editable=False, size=None
                    ),
                ),
                (
                    "certifications",
                    vendors.models.FactArrayField(
                        base_field=models.BigIntegerField(), editable=False, size=None
                    ),
                ),
                (
                    "countries",
                    vendors.models.FactArrayField(
                        base_field=models.CharField(max_length=2), editable=False, size=None
                    ),
                ),
                (
                    "places",
                    vendors.models.FactArrayField(base_field=models.TextField(), editable=False, size=None),
                ),
                (
                    "languages",
                    vendors.models.FactArrayField(
                        base_field=models.CharField(max_length=2), editable=False, size=None
                    ),
                ),
            ],
        ),
        RunSQLForVendor(
            forwards={
                "postgresql": [
                    FACTS_FOREIGN_KEY,
                    WRITE_FUNCTION,
                    DOCUMENT_FUNCTION,
                    "SELECT vendors_search_documents_write(ARRAY(SELECT id FROM vendors_vendor))",
                    # One index for every filter: a combination is one bitmap.
                    "CREATE INDEX vendor_filter_facts_gin ON vendors_vendorfilterfacts"
                    " USING gin (domains, skills, certifications, countries, places, languages)",
                    "ANALYZE vendors_vendorsearchdocument",
                    "ANALYZE vendors_vendorfilterfacts",
                ],
                "sqlite": [],
            },
            backwards={
                "postgresql": [
                    PREVIOUS_FUNCTION,
                    "DROP FUNCTION IF EXISTS vendors_search_documents_write(bigint[])",
                ],
                "sqlite": [],
            },
        ),
    ]
