"""Stale shortlists: when a vendor changes its profile (its own edit, verification,
activation, the admin), the current shortlist of every open requirement that
includes it is marked stale, in one UPDATE inside the same transaction; the run
page and the requirement page say so and offer a re-run."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import MatchRun, RequirementStatus
from engagements.receivers import mark_shortlists_stale
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import UserFactory, VendorFactory
from vendors import services
from vendors.models import Vendor
from vendors.signals import send_vendor_changed

pytestmark = pytest.mark.django_db

NOTICE = "A vendor on this shortlist changed its profile after this run ("


@pytest.fixture
def manager(owner, client):
    client.force_login(owner)
    return owner


@pytest.fixture
def lumen():
    return VendorFactory(name="Lumen Insight")


def edit_description(vendor: Vendor, text: str = "Now with a new description.") -> bool:
    return services.vendor_profile_update(vendor=vendor, data={"fields": {"description": text}}, actor=UserFactory())


def fresh(run: MatchRun) -> MatchRun:
    run.refresh_from_db()
    return run


# --- which runs are marked -------------------------------------------------------------


def test_a_profile_edit_marks_the_latest_run_of_each_requirement_including_the_vendor(manager, lumen):
    other = VendorFactory()
    requirement = requirement_for(manager)
    older = succeeded_run(requirement, vendors=[lumen, other])
    latest = succeeded_run(requirement, vendors=[other, lumen])
    second = requirement_for(manager)
    second_latest = succeeded_run(second, vendors=[lumen])

    before = timezone.now()
    assert edit_description(lumen)

    assert fresh(latest).stale_since >= before
    assert fresh(second_latest).stale_since == fresh(latest).stale_since
    assert fresh(older).stale_since is None  # only the current shortlist


def test_runs_without_the_vendor_and_other_requirements_are_untouched(manager, lumen):
    other = VendorFactory()
    requirement = requirement_for(manager)
    with_lumen = succeeded_run(requirement, vendors=[lumen])
    without_lumen = succeeded_run(requirement, vendors=[other])  # the current shortlist no longer has lumen
    unrelated = succeeded_run(requirement_for(manager), vendors=[other])

    edit_description(lumen)

    assert fresh(with_lumen).stale_since is None
    assert fresh(without_lumen).stale_since is None
    assert fresh(unrelated).stale_since is None


def test_only_succeeded_runs_of_open_requirements_are_marked(manager, lumen):
    closed = requirement_for(manager, status=RequirementStatus.CLOSED)
    closed_run = succeeded_run(closed, vendors=[lumen])
    requirement = requirement_for(manager)
    current = succeeded_run(requirement, vendors=[lumen])
    failed = succeeded_run(requirement, vendors=[lumen])
    MatchRun.objects.filter(pk=failed.pk).update(status="failed")

    edit_description(lumen)

    assert fresh(closed_run).stale_since is None
    assert fresh(failed).stale_since is None
    assert fresh(current).stale_since is not None  # the latest *succeeded* run


def test_a_run_already_stale_keeps_its_first_date(manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])
    first = timezone.now() - timedelta(days=2)
    MatchRun.objects.filter(pk=run.pk).update(stale_since=first)

    edit_description(lumen)

    assert fresh(run).stale_since == first


def test_an_edit_that_changes_nothing_marks_nothing(manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])

    assert not edit_description(lumen, lumen.description)

    assert fresh(run).stale_since is None


def test_the_mark_is_one_update_statement_whatever_the_number_of_vendors_and_runs(manager):
    vendors = [VendorFactory() for _ in range(4)]
    runs = [succeeded_run(requirement_for(manager), vendors=vendors) for _ in range(5)]

    with CaptureQueriesContext(connection) as queries:
        send_vendor_changed([vendor.pk for vendor in vendors])

    # The mark, then the webhook outbox asking which endpoints want vendor.updated (none here).
    assert len(queries) == 2
    assert queries[0]["sql"].startswith('UPDATE "engagements_matchrun"')
    assert all(fresh(run).stale_since is not None for run in runs)
    assert mark_shortlists_stale(vendor_ids=[vendors[0].pk], changed_at=timezone.now()) == 0  # all already stale


def test_the_mark_rolls_back_with_the_profile_change(manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])

    with pytest.raises(RuntimeError), transaction.atomic():
        edit_description(lumen)
        assert fresh(run).stale_since is not None  # written inside the same transaction
        raise RuntimeError("the edit fails after the mark")

    assert fresh(run).stale_since is None


def test_verification_and_deactivation_mark_the_shortlists(manager, lumen):
    other = VendorFactory()
    first = succeeded_run(requirement_for(manager), vendors=[lumen])
    second = succeeded_run(requirement_for(manager), vendors=[other])

    with CaptureQueriesContext(connection) as queries:
        services.vendor_set_verified(vendors=Vendor.objects.filter(pk__in=[lumen.pk, other.pk]), verified=True)
    assert fresh(first).stale_since is not None and fresh(second).stale_since is not None
    assert sum(q["sql"].startswith('UPDATE "engagements_matchrun"') for q in queries) == 1

    third = succeeded_run(requirement_for(manager), vendors=[lumen])
    services.vendor_set_active(vendors=[Vendor.objects.get(pk=lumen.pk)], active=False)
    assert fresh(third).stale_since is not None


def test_a_staff_action_in_the_admin_marks_the_shortlists(client, staff_user, manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:vendors_vendor_changelist"), {"action": "verify", "_selected_action": [lumen.pk]}
    )

    assert response.status_code == 302
    assert fresh(run).stale_since is not None


def test_a_vendor_changed_in_the_admin_form_marks_the_shortlists(rf, staff_user, manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])
    admin = site._registry[Vendor]

    class ChangedForm:
        instance = lumen

        def has_changed(self):
            return True

        def save_m2m(self):
            pass

    request = rf.post("/admin/")
    request.user = staff_user
    admin.save_related(request, ChangedForm(), [], change=True)

    assert fresh(run).stale_since is not None


# --- pages and API -----------------------------------------------------------------------


def test_the_run_page_shows_the_notice_with_the_re_run_button(client, manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])
    url = reverse("requirements:run", args=[run.requirement_id, run.pk])
    assert NOTICE not in client.get(url).content.decode()

    edit_description(lumen)

    page = client.get(url).content.decode()
    assert NOTICE in page
    assert "Re-run to refresh." in page
    assert f'action="{reverse("requirements:run_start", args=[run.requirement_id])}"' in page[page.index(NOTICE) :]


def test_the_requirement_page_shows_the_notice_until_a_new_run(client, manager, lumen):
    requirement = requirement_for(manager)
    succeeded_run(requirement, vendors=[lumen])
    url = reverse("requirements:detail", args=[requirement.pk])
    edit_description(lumen)

    page = client.get(url).content.decode()
    assert NOTICE in page
    assert "outdated" in page

    new = succeeded_run(requirement, vendors=[lumen])  # a new run is naturally not stale
    assert new.stale_since is None
    assert NOTICE not in client.get(url).content.decode()
    assert NOTICE not in client.get(reverse("requirements:run", args=[requirement.pk, new.pk])).content.decode()


def test_a_run_under_way_hides_the_notice_on_the_requirement_page(client, manager, lumen):
    requirement = requirement_for(manager)
    succeeded_run(requirement, vendors=[lumen])
    edit_description(lumen)
    MatchRun.objects.create(requirement=requirement, status="running")

    assert NOTICE not in client.get(reverse("requirements:detail", args=[requirement.pk])).content.decode()


def test_the_api_exposes_stale_since(manager, lumen):
    run = succeeded_run(requirement_for(manager), vendors=[lumen])
    api = APIClient()
    api.force_authenticate(manager)
    url = f"/api/v1/match-runs/{run.pk}/"
    assert api.get(url).json()["stale_since"] is None

    edit_description(lumen)

    body = api.get(url).json()
    assert body["stale_since"] is not None
    assert datetime.fromisoformat(body["stale_since"].replace("Z", "+00:00")) == fresh(run).stale_since
