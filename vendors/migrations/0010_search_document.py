"""A stored search document per vendor (PostgreSQL), so the directory searches an index
instead of computing a text vector for every row (vendors/search.py).

`vendors_vendorsearchdocument`, one row per vendor, beside the vendor table (which stays
narrow for every other read):
- `document` (tsvector, GIN-indexed): name (A), description (B), the names of the vendor's
  skills (C), and the other words buyers search its domains and skills by, such as their
  Italian names (D, `search_terms` below, Italian stemming). Text is folded first (lower
  case, accents off: `kpo_search_fold`, unaccent), so "angstrom" finds "Ångström".
- `name` (the folded name, trigram GIN-indexed): a name typed in part ("lume") is found
  through the index.

An AFTER INSERT OR UPDATE trigger on the vendor writes the row. A change to a vendor's skills
or domains, or the rename of a skill, already touches the vendor row (migration 0007), so the
document is rebuilt in the same transaction as the change. Changing a domain's or skill's
`search_terms`, or a skill's name, touches the vendors that name it (a trigger below). The
document goes with its vendor by the database's ON DELETE CASCADE (a delete can touch the
vendor on its way, through its parts' triggers, after Django would have deleted the document). This migration drops
migration 0003's expression index, which the stored document replaces; and it indexes the
directory's default order (active vendors by name).

The taxonomy gains `search_terms` (editable in the admin), filled here with Italian names.
SQLite (development) keeps its substring search: nothing runs there but the fields and the
index. A later change of this SQL is a new migration.
"""

import django.contrib.postgres.search
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor

# Italian (and other) words buyers search by, per domain and skill code.
DOMAIN_TERMS = {
    "finance": "finanza contabilità bilancio revisione controllo di gestione tesoreria fiscale",
    "research_development": "ricerca e sviluppo ricerca scientifica brevetti innovazione laboratorio",
    "business_operations": "consulenza direzionale strategia processi operazioni ricerche di mercato",
    "technical_analysis": "ingegneria analisi tecnica progettazione simulazione documentazione tecnica",
    "investment": "investimenti ricerca azionaria valutazione analisi finanziaria fondi",
    "legal": "legale servizi legali diritto contratti conformità normativa avvocati",
    "medical": "medico sanità sanitario ricerca clinica farmacovigilanza dati clinici",
    "data_analytics": "analisi dei dati statistica apprendimento automatico cruscotti dati",
}
SKILL_TERMS = {
    "financial-reporting": "bilancio reporting finanziario principi contabili",
    "fpa": "pianificazione finanziaria budget previsioni",
    "management-accounting": "contabilità analitica controllo di gestione",
    "accounts-payable": "contabilità fornitori clienti crediti debiti",
    "tax-compliance": "adempimenti fiscali tasse imposte",
    "transfer-pricing": "prezzi di trasferimento",
    "audit-support": "revisione contabile supporto audit",
    "treasury": "tesoreria gestione della liquidità",
    "financial-modeling-fin": "modelli finanziari",
    "payroll": "buste paga paghe stipendi",
    "patent-research": "ricerca brevettuale brevetti",
    "literature-review": "revisione della letteratura scientifica",
    "lab-data-analysis": "analisi dati di laboratorio",
    "product-design-research": "ricerca sul design di prodotto",
    "materials-science": "scienza dei materiali",
    "chemistry-research": "ricerca chimica chimica",
    "embedded-software-rd": "software embedded ricerca e sviluppo",
    "prototype-testing": "prototipi collaudo validazione",
    "market-research": "ricerche di mercato",
    "competitive-intelligence": "analisi della concorrenza",
    "process-reengineering": "reingegnerizzazione dei processi",
    "supply-chain-analysis": "catena di fornitura logistica",
    "strategy-consulting": "consulenza strategica strategia",
    "change-management": "gestione del cambiamento",
    "procurement-analytics": "acquisti analisi della spesa approvvigionamento",
    "customer-research": "ricerca sui clienti sondaggi",
    "project-management": "gestione progetti",
    "cad-drafting": "disegno tecnico cad",
    "fea-simulation": "analisi agli elementi finiti",
    "cfd-simulation": "fluidodinamica computazionale",
    "gis-mapping": "cartografia analisi geospaziale",
    "technical-writing": "documentazione tecnica redazione tecnica",
    "bim-modeling": "modellazione bim",
    "electrical-design": "progettazione elettrica",
    "quality-engineering": "ingegneria della qualità qualità",
    "equity-research": "ricerca azionaria azioni",
    "credit-research": "analisi del credito credito",
    "valuation": "valutazione aziendale",
    "financial-modeling-inv": "modelli finanziari per investimenti",
    "due-diligence": "due diligence commerciale finanziaria",
    "esg-research": "sostenibilità ricerca esg",
    "fund-accounting": "contabilità dei fondi",
    "private-equity-support": "supporto private equity operazioni",
    "quant-research": "ricerca quantitativa",
    "contract-review": "revisione contratti redazione contratti",
    "ediscovery": "revisione documentale",
    "legal-research": "ricerca legale pareri",
    "ip-litigation-support": "proprietà intellettuale contenzioso",
    "regulatory-compliance": "conformità normativa",
    "gdpr-privacy": "protezione dei dati riservatezza",
    "corporate-secretarial": "segreteria societaria",
    "paralegal": "assistenza legale",
    "medical-coding": "codifica medica",
    "pharmacovigilance": "farmacovigilanza",
    "clinical-data-management": "gestione dati clinici ricerca clinica",
    "medical-writing": "scrittura medica redazione medico scientifica",
    "biostatistics": "biostatistica",
    "revenue-cycle": "ciclo di fatturazione sanitaria",
    "regulatory-affairs": "affari regolatori",
    "medical-transcription": "trascrizione medica",
    "health-economics": "economia sanitaria",
    "sql": "banche dati",
    "python-analytics": "analisi dati python",
    "r-statistics": "statistica",
    "machine-learning": "apprendimento automatico intelligenza artificiale",
    "bi-dashboards": "cruscotti business intelligence",
    "data-engineering": "ingegneria dei dati",
    "nlp": "elaborazione del linguaggio naturale",
    "forecasting": "previsione della domanda",
    "data-governance": "qualità dei dati governance",
    "marketing-analytics": "analisi di marketing",
}


def fill_terms(apps, schema_editor):
    for model, terms in (("ExpertiseArea", DOMAIN_TERMS), ("Skill", SKILL_TERMS)):
        manager = apps.get_model("vendors", model).objects
        for code, words in terms.items():
            manager.filter(code=code, search_terms="").update(search_terms=words)


POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
CREATE OR REPLACE FUNCTION kpo_search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(unaccent('unaccent'::regdictionary, $1)) $$
""",
    """
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
""",
    """
CREATE TRIGGER vendors_vendor_search_document AFTER INSERT OR UPDATE ON vendors_vendor
    FOR EACH ROW EXECUTE FUNCTION vendors_vendor_search_document()
""",
    """
CREATE OR REPLACE FUNCTION vendors_taxonomy_search_terms_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'vendors_skill' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp())
            WHERE id IN (SELECT vendor_id FROM vendors_vendorskill WHERE skill_id = NEW.id);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp())
            WHERE id IN (SELECT vendor_id FROM vendors_vendor_domains WHERE expertisearea_id = NEW.id);
    END IF;
    RETURN NULL;
END;
$$
""",
    """
CREATE TRIGGER vendors_skill_search_terms AFTER UPDATE OF name, search_terms ON vendors_skill
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.search_terms IS DISTINCT FROM NEW.search_terms)
    EXECUTE FUNCTION vendors_taxonomy_search_terms_touch()
""",
    """
CREATE TRIGGER vendors_expertisearea_search_terms AFTER UPDATE OF search_terms ON vendors_expertisearea
    FOR EACH ROW WHEN (OLD.search_terms IS DISTINCT FROM NEW.search_terms)
    EXECUTE FUNCTION vendors_taxonomy_search_terms_touch()
""",
    # The vendors there are now, in one statement (their change numbers stay: the synced
    # document does not change).
    """
INSERT INTO vendors_vendorsearchdocument (vendor_id, name, document)
SELECT v.id,
       kpo_search_fold(v.name),
       setweight(to_tsvector('english', kpo_search_fold(coalesce(v.name, ''))), 'A')
       || setweight(to_tsvector('english', kpo_search_fold(coalesce(v.description, ''))), 'B')
       || setweight(to_tsvector('english', kpo_search_fold(coalesce(skills.names, ''))), 'C')
       || setweight(to_tsvector('italian', kpo_search_fold(coalesce(concat_ws(' ', domains.terms, skills.terms), ''))), 'D')
FROM vendors_vendor v
LEFT JOIN (
    SELECT vs.vendor_id, string_agg(s.name, ' ') AS names, string_agg(s.search_terms, ' ') AS terms
    FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id GROUP BY vs.vendor_id
) skills ON skills.vendor_id = v.id
LEFT JOIN (
    SELECT vd.vendor_id, string_agg(d.search_terms, ' ') AS terms
    FROM vendors_vendor_domains vd JOIN vendors_expertisearea d ON d.id = vd.expertisearea_id GROUP BY vd.vendor_id
) domains ON domains.vendor_id = v.id
ON CONFLICT (vendor_id) DO NOTHING
""",
    """
ALTER TABLE vendors_vendorsearchdocument ADD CONSTRAINT vendor_search_document_vendor_fk
    FOREIGN KEY (vendor_id) REFERENCES vendors_vendor (id) ON DELETE CASCADE
""",
    "CREATE INDEX vendor_search_document_gin ON vendors_vendorsearchdocument USING gin (document)",
    "CREATE INDEX vendor_search_name_trgm ON vendors_vendorsearchdocument USING gin (name gin_trgm_ops)",
    "DROP INDEX IF EXISTS vendor_search_document_idx",
]

POSTGRESQL_REVERSE = [
    """
CREATE INDEX IF NOT EXISTS vendor_search_document_idx ON vendors_vendor USING gin ((
    setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')
))
""",
    "DROP TRIGGER IF EXISTS vendors_expertisearea_search_terms ON vendors_expertisearea",
    "DROP TRIGGER IF EXISTS vendors_skill_search_terms ON vendors_skill",
    "DROP FUNCTION IF EXISTS vendors_taxonomy_search_terms_touch()",
    "DROP TRIGGER IF EXISTS vendors_vendor_search_document ON vendors_vendor",
    "DROP FUNCTION IF EXISTS vendors_vendor_search_document()",
    "DROP FUNCTION IF EXISTS kpo_search_fold(text)",
]


class Migration(migrations.Migration):
    dependencies = [("vendors", "0009_input_bounds")]

    operations = [
        migrations.AddField(
            model_name="expertisearea",
            name="search_terms",
            field=models.TextField(
                blank=True,
                help_text="Other words buyers search this by, such as its Italian name (directory search).",
                validators=[django.core.validators.MaxLengthValidator(2000)],
            ),
        ),
        migrations.AddField(
            model_name="skill",
            name="search_terms",
            field=models.TextField(
                blank=True,
                help_text="Other words buyers search this by, such as its Italian name (directory search).",
                validators=[django.core.validators.MaxLengthValidator(2000)],
            ),
        ),
        migrations.CreateModel(
            name="VendorSearchDocument",
            fields=[
                (
                    "vendor",
                    models.OneToOneField(
                        db_constraint=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="vendors.vendor",
                    ),
                ),
                ("name", models.TextField(editable=False)),
                ("document", django.contrib.postgres.search.SearchVectorField(editable=False)),
            ],
        ),
        migrations.AddIndex(
            model_name="vendor",
            index=models.Index(
                condition=models.Q(("is_active", True)), fields=["name", "id"], name="vendor_active_name_idx"
            ),
        ),
        migrations.RunPython(fill_terms, migrations.RunPython.noop),
        RunSQLForVendor(
            forwards={"postgresql": POSTGRESQL, "sqlite": []},
            backwards={"postgresql": POSTGRESQL_REVERSE, "sqlite": []},
        ),
    ]
