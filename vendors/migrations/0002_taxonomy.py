"""Seed the KPO taxonomy: the 8 domains, their skills, common certifications,
and demo exchange rates (source "demo": illustrative values, not market data;
staff replace them in the admin or through the API).

The data lives in this migration on purpose: a data migration must not change
when application code does."""

from decimal import Decimal

from django.db import migrations

DOMAINS = [
    ("finance", "Finance & accounting", "Financial analysis, reporting, FP&A, audit support and accounting operations."),
    ("research_development", "Research & development", "Scientific and engineering research, product development and IP research."),
    ("business_operations", "Management consulting & business operations", "Strategy, process improvement, market research and operations support."),
    ("technical_analysis", "Technical analysis & engineering", "Engineering analysis, simulation, CAD, GIS and technical documentation."),
    ("investment", "Investment research", "Equity and credit research, valuation, due diligence and fund analytics."),
    ("legal", "Legal services", "Legal process outsourcing: contracts, e-discovery, compliance and IP."),
    ("medical", "Medical & healthcare", "Clinical data, pharmacovigilance, medical writing, coding and billing."),
    ("data_analytics", "Data analytics", "Business intelligence, data engineering, statistics and machine learning."),
]

SKILLS = {
    "finance": [
        ("financial-reporting", "Financial reporting (IFRS / US GAAP)"),
        ("fpa", "Financial planning & analysis"),
        ("management-accounting", "Management accounting"),
        ("accounts-payable", "Accounts payable & receivable"),
        ("tax-compliance", "Tax compliance"),
        ("transfer-pricing", "Transfer pricing"),
        ("audit-support", "Audit support"),
        ("treasury", "Treasury & cash management"),
        ("financial-modeling-fin", "Financial modelling"),
        ("payroll", "Payroll processing"),
    ],
    "research_development": [
        ("patent-research", "Patent research & landscaping"),
        ("literature-review", "Scientific literature review"),
        ("lab-data-analysis", "Laboratory data analysis"),
        ("product-design-research", "Product design research"),
        ("materials-science", "Materials science"),
        ("chemistry-research", "Chemistry research"),
        ("embedded-software-rd", "Embedded software R&D"),
        ("prototype-testing", "Prototype testing & validation"),
    ],
    "business_operations": [
        ("market-research", "Market research"),
        ("competitive-intelligence", "Competitive intelligence"),
        ("process-reengineering", "Business process re-engineering"),
        ("supply-chain-analysis", "Supply chain analysis"),
        ("strategy-consulting", "Strategy consulting"),
        ("change-management", "Change management"),
        ("procurement-analytics", "Procurement & spend analytics"),
        ("customer-research", "Customer & survey research"),
        ("project-management", "Project management (PMP / PRINCE2)"),
    ],
    "technical_analysis": [
        ("cad-drafting", "CAD drafting"),
        ("fea-simulation", "Finite element analysis"),
        ("cfd-simulation", "Computational fluid dynamics"),
        ("gis-mapping", "GIS & geospatial analysis"),
        ("technical-writing", "Technical writing & documentation"),
        ("bim-modeling", "BIM modelling"),
        ("electrical-design", "Electrical design"),
        ("quality-engineering", "Quality engineering (Six Sigma)"),
    ],
    "investment": [
        ("equity-research", "Equity research"),
        ("credit-research", "Credit research"),
        ("valuation", "Valuation (DCF, comparables)"),
        ("financial-modeling-inv", "Investment financial modelling"),
        ("due-diligence", "Commercial & financial due diligence"),
        ("esg-research", "ESG research"),
        ("fund-accounting", "Fund accounting & NAV"),
        ("private-equity-support", "Private equity deal support"),
        ("quant-research", "Quantitative research"),
    ],
    "legal": [
        ("contract-review", "Contract review & drafting"),
        ("ediscovery", "E-discovery & document review"),
        ("legal-research", "Legal research & memos"),
        ("ip-litigation-support", "IP & litigation support"),
        ("regulatory-compliance", "Regulatory compliance"),
        ("gdpr-privacy", "Data privacy (GDPR)"),
        ("corporate-secretarial", "Corporate secretarial"),
        ("paralegal", "Paralegal services"),
    ],
    "medical": [
        ("medical-coding", "Medical coding (ICD-10, CPT)"),
        ("pharmacovigilance", "Pharmacovigilance"),
        ("clinical-data-management", "Clinical data management"),
        ("medical-writing", "Medical writing"),
        ("biostatistics", "Biostatistics"),
        ("revenue-cycle", "Healthcare revenue cycle management"),
        ("regulatory-affairs", "Regulatory affairs (FDA / EMA)"),
        ("medical-transcription", "Medical transcription"),
        ("health-economics", "Health economics & outcomes research"),
    ],
    "data_analytics": [
        ("sql", "SQL & data warehousing"),
        ("python-analytics", "Python data analysis"),
        ("r-statistics", "R & statistical modelling"),
        ("machine-learning", "Machine learning"),
        ("bi-dashboards", "BI dashboards (Power BI, Tableau)"),
        ("data-engineering", "Data engineering (ETL / ELT)"),
        ("nlp", "Natural language processing"),
        ("forecasting", "Demand forecasting"),
        ("data-governance", "Data governance & quality"),
        ("marketing-analytics", "Marketing analytics"),
    ],
}

CERTIFICATIONS = [
    ("iso_27001", "ISO/IEC 27001", "ISO", True),
    ("soc2_type2", "SOC 2 Type II", "AICPA", True),
    ("hipaa", "HIPAA compliance", "US HHS", True),
    ("gdpr", "GDPR compliance", "EU", True),
    ("pci_dss", "PCI DSS", "PCI SSC", True),
    ("iso_27701", "ISO/IEC 27701 (privacy)", "ISO", True),
    ("iso_9001", "ISO 9001", "ISO", False),
    ("cmmi_3", "CMMI Level 3", "CMMI Institute", False),
    ("cmmi_5", "CMMI Level 5", "CMMI Institute", False),
    ("iso_13485", "ISO 13485 (medical devices)", "ISO", False),
]

# Demo values: units of USD per unit of currency. Labelled "demo" in `source`.
DEMO_RATES = {
    "USD": "1", "EUR": "1.08", "GBP": "1.27", "CHF": "1.13", "CAD": "0.73", "AUD": "0.66",
    "JPY": "0.0067", "SGD": "0.74", "INR": "0.012", "PHP": "0.0175", "PKR": "0.0036",
    "BDT": "0.0083", "LKR": "0.0033", "VND": "0.00004", "MYR": "0.22", "CNY": "0.14",
    "PLN": "0.25", "RON": "0.22", "BGN": "0.55", "CZK": "0.044", "HUF": "0.0028",
    "UAH": "0.024", "MXN": "0.055", "BRL": "0.18", "ARS": "0.0011", "COP": "0.00025",
    "CLP": "0.00105", "ZAR": "0.054", "EGP": "0.02", "KES": "0.0077", "NGN": "0.00065",
    "MAD": "0.1", "TRY": "0.03", "ILS": "0.27",
}


def seed(apps, schema_editor):
    ExpertiseArea = apps.get_model("vendors", "ExpertiseArea")
    Skill = apps.get_model("vendors", "Skill")
    Certification = apps.get_model("vendors", "Certification")
    ExchangeRate = apps.get_model("vendors", "ExchangeRate")
    domains = {}
    for code, name, description in DOMAINS:
        domains[code], _ = ExpertiseArea.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    for domain_code, skills in SKILLS.items():
        for code, name in skills:
            Skill.objects.update_or_create(code=code, defaults={"name": name, "domain": domains[domain_code]})
    for code, name, issuer, is_security in CERTIFICATIONS:
        Certification.objects.update_or_create(
            code=code, defaults={"name": name, "issuer": issuer, "is_security": is_security}
        )
    for currency, rate in DEMO_RATES.items():
        ExchangeRate.objects.get_or_create(
            currency=currency, defaults={"rate_to_base": Decimal(rate), "source": "demo"}
        )


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
