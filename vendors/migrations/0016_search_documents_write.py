"""The search document is written by one set-based function, `vendors_search_documents_write(ids)`
(PostgreSQL), which the vendor's trigger calls for its row and a bulk writer calls for the
vendors it created.

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
"""

from django.db import migrations

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
    sort_name = EXCLUDED.sort_name, is_active = EXCLUDED.is_active
$$
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
        RunSQLForVendor(
            forwards={
                "postgresql": [
                    WRITE_FUNCTION,
                    DOCUMENT_FUNCTION,
                    "SELECT vendors_search_documents_write(ARRAY(SELECT id FROM vendors_vendor))",
                    "ANALYZE vendors_vendorsearchdocument",
                ],
                "sqlite": [],
            },
            backwards={
                "postgresql": [PREVIOUS_FUNCTION, "DROP FUNCTION IF EXISTS vendors_search_documents_write(bigint[])"],
                "sqlite": [],
            },
        ),
    ]
