import zoneinfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from engagements import dashboards as dashboards
from engagements.organizations import selectors as organizations_selectors


@login_required
def home(request):
    """The signed-in home page: one dashboard per role."""
    membership = organizations_selectors.membership_for(user=request.user)
    if membership is not None and membership.is_client:
        context = {"membership": membership, **dashboards.client_dashboard(client=membership.client)}
        with timezone.override(zoneinfo.ZoneInfo(membership.client.timezone)):
            return render(request, "engagements/home_client.html", context)
    if membership is not None and membership.is_vendor:
        context = {"membership": membership, **dashboards.vendor_dashboard(vendor=membership.vendor)}
        return render(request, "engagements/home_vendor.html", context)
    if request.user.is_staff:
        return render(request, "engagements/home_staff.html", dashboards.staff_dashboard())
    return render(request, "engagements/home_unassigned.html")
