"""Change history for languages and domains; milestone counters on the vendor.

- HistoricalVendorLanguage: django-simple-history for VendorLanguage.
- HistoricalVendor_domains: the domains a vendor covered at each of its
  historical records (HistoricalRecords(m2m_fields=["domains"])).
- milestones_accepted_count / milestones_on_time_count: derived counters that
  feed the quality component of matching (docs/scoring.md).

Records written before domains were tracked have no snapshot. They get the
vendor's current domains, so the history page does not report a change that
never happened between an old record and the first tracked one.
"""

import django.db.models.deletion
import kpo.codes
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def snapshot_current_domains(apps, schema_editor):
    """One INSERT ... SELECT: every existing historical record gets the vendor's current domains."""
    snapshot = apps.get_model("vendors", "HistoricalVendor_domains")._meta.db_table
    historical = apps.get_model("vendors", "HistoricalVendor")._meta.db_table
    through = apps.get_model("vendors", "Vendor")._meta.get_field("domains").remote_field.through._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(snapshot)} (id, vendor_id, expertisearea_id, history_id) "  # noqa: S608
        f"SELECT d.id, d.vendor_id, d.expertisearea_id, h.history_id "
        f"FROM {quote(through)} d INNER JOIN {quote(historical)} h ON h.id = d.vendor_id"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('vendors', '0004_reserved_vendor_slugs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalVendor_domains',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'HistoricalVendor_domains',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalVendorLanguage',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.CharField(max_length=2, validators=[kpo.codes.validate_language])),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical vendor language',
                'verbose_name_plural': 'historical vendor languages',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='vendor',
            name='milestones_accepted_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='vendor',
            name='milestones_on_time_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name='vendor',
            constraint=models.CheckConstraint(condition=models.Q(('milestones_on_time_count__lte', models.F('milestones_accepted_count'))), name='vendor_milestones_on_time_within_accepted'),
        ),
        migrations.AddField(
            model_name='historicalvendor_domains',
            name='expertisearea',
            field=models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='vendors.expertisearea'),
        ),
        migrations.AddField(
            model_name='historicalvendor_domains',
            name='history',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='vendors.historicalvendor'),
        ),
        migrations.AddField(
            model_name='historicalvendor_domains',
            name='vendor',
            field=models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='vendors.vendor'),
        ),
        migrations.AddField(
            model_name='historicalvendorlanguage',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalvendorlanguage',
            name='vendor',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='vendors.vendor'),
        ),
        migrations.RunPython(snapshot_current_domains, migrations.RunPython.noop, elidable=True),
    ]
