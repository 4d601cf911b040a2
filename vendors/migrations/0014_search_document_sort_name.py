"""The search document carries the vendor's own name and activity (PostgreSQL), so a search
sorted by relevance is ranked and paged from the document table alone: the top rows of
the matching documents by (rank, name, id), then only those vendors are read
(vendors.keyset.read_page). Before, every match was joined to its vendor for the name and
`is_active` first: "data" (38,000 matches on 100,000 vendors) read the whole vendor table,
about 140 ms, against about 55 ms to rank the documents alone.

The trigger of migration 0010 writes both columns with the rest of the document, in the
transaction of any change to the vendor; the vendors there are now are filled in one
statement. SQLite (the demo) only gains the columns: it searches the vendor's text.
"""

from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor

# Migration 0010's function, writing the two new columns too.
DOCUMENT_FUNCTION = """
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

# Migration 0010's function as it was.
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
    INSERT INTO vendors_vendorsearchdocument (vendor_id, name, document) VALUES (
        NEW.id,
        kpo_search_fold(NEW.name),
        setweight(to_tsvector('english', kpo_search_fold(coalesce(NEW.name, ''))), 'A')
        || setweight(to_tsvector('english', kpo_search_fold(coalesce(NEW.description, ''))), 'B')
        || setweight(to_tsvector('english', kpo_search_fold(coalesce(skill_names, ''))), 'C')
        || setweight(to_tsvector('italian', kpo_search_fold(coalesce(other_terms, ''))), 'D')
    )
    ON CONFLICT (vendor_id) DO UPDATE SET name = EXCLUDED.name, document = EXCLUDED.document;
    RETURN NULL;
END;
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0013_delivery_center_place_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendorsearchdocument",
            name="is_active",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AddField(
            model_name="vendorsearchdocument",
            name="sort_name",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        RunSQLForVendor(
            forwards={
                "postgresql": [
                    DOCUMENT_FUNCTION,
                    """
UPDATE vendors_vendorsearchdocument d SET sort_name = v.name, is_active = v.is_active
FROM vendors_vendor v WHERE v.id = d.vendor_id
""",
                    "ANALYZE vendors_vendorsearchdocument",
                ],
                "sqlite": [],
            },
            backwards={"postgresql": [PREVIOUS_FUNCTION], "sqlite": []},
        ),
    ]
