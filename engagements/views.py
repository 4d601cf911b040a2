from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from engagements import dashboards as dashboards
from kpo.access import Caller


@login_required
def home(request):
    """The signed-in home page: one dashboard per role."""
    caller = Caller.of(request)
    membership = caller.membership
    if caller.client_id is not None:
        context = {"membership": membership, **dashboards.client_dashboard(caller=caller)}
        return render(request, "engagements/home_client.html", context)
    if caller.vendor_id is not None:
        context = {"membership": membership, **dashboards.vendor_dashboard(caller=caller)}
        return render(request, "engagements/home_vendor.html", context)
    if request.user.is_staff:
        return render(request, "engagements/home_staff.html", dashboards.staff_dashboard())
    return render(request, "engagements/home_unassigned.html")
