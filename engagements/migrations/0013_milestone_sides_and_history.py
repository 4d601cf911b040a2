"""Milestones record which side declared them delivered and which confirmed them, and keep a
history (django-simple-history), so a change after confirmation shows on the engagement's pages.
Each existing milestone gets a first history record as it stands, so its next change is a
difference from something (docs/scoring.md, "Milestones")."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import kpo.bounds
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def record_existing_milestones(apps, schema_editor):
    Milestone = apps.get_model("engagements", "Milestone")
    HistoricalMilestone = apps.get_model("engagements", "HistoricalMilestone")
    now = django.utils.timezone.now()
    fields = [f.attname for f in Milestone._meta.concrete_fields]
    batch = []
    for row in Milestone.objects.order_by("pk").values(*fields).iterator(chunk_size=2000):
        batch.append(HistoricalMilestone(**row, history_date=now, history_type="+", history_change_reason="recorded"))
        if len(batch) >= 2000:
            HistoricalMilestone.objects.bulk_create(batch)
            batch = []
    HistoricalMilestone.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('engagements', '0012_proposal_exchange_rate'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='milestone',
            name='accepted_by',
            field=models.CharField(blank=True, null=True, choices=[('vendor', 'the vendor'), ('client', 'the client'), ('staff', 'KPO Match staff')], max_length=6),
        ),
        migrations.AddField(
            model_name='milestone',
            name='delivered_by',
            field=models.CharField(blank=True, null=True, choices=[('vendor', 'the vendor'), ('client', 'the client'), ('staff', 'KPO Match staff')], max_length=6),
        ),
        migrations.CreateModel(
            name='HistoricalMilestone',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(10000)])),
                ('due_date', models.DateField(validators=[kpo.bounds.validate_date_in_range])),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('accepted', 'Accepted')], default='pending', max_length=10)),
                ('delivered_at', models.DateTimeField(blank=True, null=True)),
                ('delivered_by', models.CharField(blank=True, null=True, choices=[('vendor', 'the vendor'), ('client', 'the client'), ('staff', 'KPO Match staff')], max_length=6)),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('accepted_by', models.CharField(blank=True, null=True, choices=[('vendor', 'the vendor'), ('client', 'the client'), ('staff', 'KPO Match staff')], max_length=6)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('engagement', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='engagements.engagement')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical milestone',
                'verbose_name_plural': 'historical milestones',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(record_existing_milestones, migrations.RunPython.noop),
    ]
