"""The Bulgarian lev (BGN) left ISO 4217 when Bulgaria adopted the euro on 2026-01-01, and the
ISO list the validators read (pycountry) no longer has it; vendors/0002 seeded a rate for it.
A currency no one can quote must not be offered by the exchange-rate list, so its rate goes,
unless something already quotes or budgets in it (then it stays, to keep those convertible).
The list of retired codes is frozen here, not read from pycountry, so the migration does the
same on every machine."""

from django.db import migrations

RETIRED = ("BGN",)
QUOTED_IN = [
    ("vendors", "RateCard"),
    ("engagements", "Requirement"),
    ("engagements", "Engagement"),
    ("engagements", "MatchResult"),
    ("engagements", "ClientOrganization"),
    ("engagements", "Proposal"),
]


def retire(apps, schema_editor):
    rates = apps.get_model("vendors", "ExchangeRate")
    for code in RETIRED:
        if not any(apps.get_model(app, model).objects.filter(currency=code).exists() for app, model in QUOTED_IN):
            rates.objects.filter(currency=code).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0009_input_bounds"),
        ("vendors", "0009_input_bounds"),
    ]

    operations = [migrations.RunPython(retire, migrations.RunPython.noop)]
