from django.core.paginator import Paginator
from django.shortcuts import render

from kpo.permissions import client_or_staff_required
from vendors.models import Vendor


@client_or_staff_required
def vendor_directory(request):
    page = Paginator(Vendor.objects.filter(is_active=True).order_by("name", "id"), 25).get_page(request.GET.get("page"))
    return render(request, "vendors/vendor_list.html", {"page": page})
