"""Every admin page loads for staff, with demo data in every table."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from engagements.demo import seed_demo
from engagements.models import MatchResult, MatchRun, Requirement
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    seed_demo(seed=1, vendors=12, today=date(2026, 11, 27))
    run = MatchRun.objects.create(requirement=Requirement.objects.first(), status="succeeded", progress=100)
    MatchResult.objects.create(run=run, vendor=Vendor.objects.first(), rank=1, score=88, currency="EUR")


def admin_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", admin_models(), ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_load_for_staff(client, staff_user, demo, model):
    client.force_login(staff_user)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    searchable = admin.site._registry[model].search_fields
    if searchable:
        assert (
            client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "a"}).status_code == 200
        )
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200


def test_every_registered_model_had_a_row_to_show(demo):
    empty = [m._meta.label for m in admin_models() if not m._default_manager.exists()]
    # Groups, sign-in logs, heartbeats and webhooks have no demo rows; every domain table does.
    assert set(empty) <= {
        "auth.Group",
        "axes.AccessAttempt",
        "axes.AccessFailureLog",
        "axes.AccessLog",
        "kpo.WorkerHeartbeat",
        "engagements.WebhookEndpoint",
        "engagements.WebhookDelivery",
    }


def test_the_admin_is_closed_to_non_staff(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:vendors_vendor_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_verify_vendors_with_the_bulk_action(client, staff_user, demo):
    client.force_login(staff_user)
    unverified = list(Vendor.objects.filter(verified=False).values_list("pk", flat=True))
    assert unverified
    response = client.post(
        reverse("admin:vendors_vendor_changelist"),
        {"action": "verify", "_selected_action": unverified},
        follow=True,
    )
    assert response.status_code == 200
    assert not Vendor.objects.filter(pk__in=unverified, verified=False).exists()
    assert not Vendor.objects.filter(pk__in=unverified, verified_at__isnull=True).exists()
    vendor = Vendor.objects.get(pk=unverified[0])
    latest = vendor.history.latest()
    assert latest.verified is True
    assert latest.history_user == staff_user
    assert f"{len(unverified)} vendor" in response.content.decode()


def test_the_vendor_change_page_has_inlines_for_the_profile(client, staff_user, demo):
    client.force_login(staff_user)
    vendor = Vendor.objects.get(slug="lumen-insight-partners")
    html = client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk])).content.decode()
    for prefix in ("languages", "vendor_skills", "rates", "delivery_centers", "vendor_certifications"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html
