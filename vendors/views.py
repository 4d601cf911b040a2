"""The procurement manager's vendor pages: directory, vendor page, comparison.
Thin: the form validates the query string, the selectors read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kpo.codes import country_timezones
from kpo.permissions import client_or_staff_required, vendor_member_required, viewer_client, viewer_vendor_id
from vendors import comparison as vendors_comparison
from vendors import history as vendors_history
from vendors import keyset, services
from vendors import selectors as vendors_selectors
from vendors.exports import selectors as export_selectors
from vendors.exports import services as exports
from vendors.exports.downloads import export_file_response
from vendors.exports.models import VendorExportStatus
from vendors.forms import LOCATION_LABELS, DirectoryFilterForm, VendorProfileForms
from vendors.models import Vendor
from vendors.money import ExchangeTable
from vendors.rating import bayesian_rating

PAGE_SIZE = 20
# Matches are counted up to this many: past it the page says "more than 2,000 vendors"
# (an exact count of a broad search costs more than the page itself). The same count tells
# the page whether a search matches few enough vendors to sort them after matching.
COUNT_LIMIT = keyset.FEW_MATCHES
MAX_PAGE_NUMBER = 10**6
PAGE_NUMBER = re.compile(r"[0-9]{1,7}")


def viewer_for(request) -> vendors_selectors.Viewer:
    client = viewer_client(request)
    return vendors_selectors.Viewer.for_client(client) if client is not None else vendors_selectors.Viewer.for_staff()


@client_or_staff_required
def vendor_directory(request):
    viewer = viewer_for(request)
    form = DirectoryFilterForm(request.GET, viewer=viewer)
    form.is_valid()  # invalid fields drop out of cleaned_data and become notices
    filters = vendors_selectors.DirectoryFilters.from_cleaned_data(form.cleaned_data)
    today = viewer.today()
    notices = form.notices()

    vendors = vendors_selectors.vendor_directory(filters=filters, viewer=viewer, today=today)
    keys = keyset.keys_for(filters.effective_sort, vendors)
    cursor, number = _page_asked(request, keys, notices)
    # A search with nothing else narrowing it is counted (and, by relevance, ranked) from its
    # documents: the vendor table is not read.
    documents = vendors_selectors.search_documents(filters)
    counted = documents.all if documents is not None else vendors
    if keyset.may_fence(vendors, keys):
        # The count tells read_page how to sort: count first.
        total, more = vendors_selectors.count_up_to(counted, COUNT_LIMIT)
        page = keyset.read_page(
            vendors, keys, cursor, PAGE_SIZE, few=not more if COUNT_LIMIT == keyset.FEW_MATCHES else None
        )
    else:
        page = keyset.read_page(vendors, keys, cursor, PAGE_SIZE, ranked=vendors_selectors.relevance_documents(filters))
        if page.has_next or page.has_previous:
            total, more = vendors_selectors.count_up_to(counted, COUNT_LIMIT)
        else:
            # The page holds every match: no count to make (a narrow filter costs the most to count).
            total, more = len(page.rows), False
    if cursor is not None and not page.has_previous:
        number = 1  # a backward cursor with nothing before it any more: the first page
    context = {
        "form": form,
        "filters": filters,
        "pages": _page_links(request, page, keys, number),
        "total": total,
        "more": more,
        "rows": vendors_selectors.directory_rows(page.rows, viewer=viewer, on=today, seniority=filters.seniority),
        "notices": notices,
        "viewer": viewer,
        "location_labels": LOCATION_LABELS,
        "seniority_label": dict(form.fields["seniority"].choices).get(filters.seniority, filters.seniority),
        "filtered": any(form.cleaned_data.get(name) for name in form.fields if name not in ("sort", "seniority")),
    }
    # A history restore (back button after the cached snapshot expired) needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "vendors/partials/vendor_results.html" if partial else "vendors/vendor_list.html"
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _page_asked(request, keys, notices: list) -> tuple[keyset.Cursor | None, int]:
    """The cursor and page number the links carry. The number only labels the page (the
    cursor places it); a link that is made up, cut short or made for another sort
    gives the first page with a notice."""
    raw_cursor = request.GET.get("cursor", "")
    raw_number = request.GET.get("page", "")
    if not raw_cursor:
        if raw_number not in ("", "1"):
            notices.append(_("There is no page “%(asked)s”; showing page 1.") % {"asked": raw_number})
        return None, 1
    try:
        cursor = keyset.decode(raw_cursor, keys)
    except ValueError:
        notices.append(_("That page link is not valid for this list; showing page 1."))
        return None, 1
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    number = int(raw_number) if PAGE_NUMBER.fullmatch(raw_number) else 2
    number = number if 1 < number <= MAX_PAGE_NUMBER else 2
    return cursor, number


@dataclass(frozen=True)
class PageLinks:
    number: int
    start: int  # the position of the page's first row, for the numbered list
    previous: str | None
    next: str | None


def _page_links(request, page: keyset.Page, keys, number: int) -> PageLinks:
    """Links to the pages either side: the query string as it is, with the cursor and
    the page number replaced (page 1 is the plain query, without either)."""
    query = request.GET.copy()
    for name in ("cursor", "page"):
        query.pop(name, None)

    def link(cursor: str | None, to: int) -> str:
        params = query.copy()
        if cursor is not None:
            params["cursor"] = cursor
            params["page"] = str(to)
        return f"?{params.urlencode()}" if params else "?"

    previous = next_ = None
    if page.has_previous and page.rows:
        back = keyset.encode(page.rows[0], keys, backwards=True) if number > 2 else None
        previous = link(back, number - 1)
    if page.has_next and page.rows:
        next_ = link(keyset.encode(page.rows[-1], keys), number + 1)
    return PageLinks(number=number, start=(number - 1) * PAGE_SIZE + 1, previous=previous, next=next_)


@client_or_staff_required
def vendor_detail(request, slug: str):
    viewer = viewer_for(request)
    try:
        vendor = vendors_selectors.vendor_profile(slug=slug, viewer_is_staff=request.user.is_staff)
    except Vendor.DoesNotExist:
        raise Http404 from None
    return render(request, "vendors/vendor_detail.html", _vendor_page_context(vendor, viewer))


def _vendor_page_context(vendor: Vendor, viewer: vendors_selectors.Viewer) -> dict:
    """What a vendor's page shows `viewer` (a buyer's page, and the vendor's preview of it)."""
    now = viewer.now()
    today = now.date()
    table = ExchangeTable.current()
    certifications = [
        (vc, vendors_selectors.certification_status(vc.valid_until, today=today))
        for vc in vendor.vendor_certifications.all()
    ]
    return {
        "vendor": vendor,
        "viewer": viewer,
        "now": now,
        "skill_groups": vendors_selectors.skills_by_domain(vendor),
        "rates": vendors_selectors.rate_lines(vendor.rates.all(), viewer=viewer, table=table),
        "centres": vendors_selectors.centre_facts(vendor.delivery_centers.all(), viewer=viewer, now=now),
        "certifications": certifications,
        "reviews": vendors_selectors.vendor_reviews(vendor),
        "bayesian": bayesian_rating(vendor.review_count, vendor.rating),
        "history": vendors_history.vendor_change_history(vendor),
        "location_labels": LOCATION_LABELS,
        "warning_days": vendors_selectors.EXPIRY_WARNING_DAYS,
    }


@vendor_member_required
def vendor_profile_preview(request):
    """ "View as buyer": the member's own firm's page as the directory shows it to buyers, read
    by the same code as theirs. The firm comes from the membership, never from the request.
    Buyers see rates in their own currency and location badges relative to their own country;
    the preview shows a buyer without an organization (rates in the base currency), and says so."""
    try:
        vendor = vendors_selectors.vendor_preview(vendor_id=viewer_vendor_id(request))
    except Vendor.DoesNotExist:
        raise Http404 from None
    context = _vendor_page_context(vendor, vendors_selectors.Viewer.for_staff())
    context["preview"] = True
    return render(request, "vendors/vendor_detail.html", context)


@client_or_staff_required
def vendor_compare(request):
    viewer = viewer_for(request)
    slugs = list(dict.fromkeys(slug.strip() for slug in request.GET.getlist("v") if slug.strip()))
    errors = []
    vendors: list[Vendor] = []
    if len(slugs) < vendors_comparison.MIN_COMPARE:
        errors.append(_("Choose at least two vendors to compare."))
    elif len(slugs) > vendors_comparison.MAX_COMPARE:
        errors.append(
            _("You can compare at most %(max)s vendors at a time; you chose %(count)s.")
            % {"max": vendors_comparison.MAX_COMPARE, "count": len(slugs)}
        )
    else:
        vendors = vendors_comparison.vendors_for_compare(slugs=slugs, viewer_is_staff=request.user.is_staff)
        found = {vendor.slug for vendor in vendors}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            errors.append(_("No vendor found for: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    context = {"errors": errors, "viewer": viewer, "location_labels": LOCATION_LABELS}
    if errors:
        return render(request, "vendors/vendor_compare.html", context, status=400)
    context["comparison"] = vendors_comparison.vendor_comparison(vendors, viewer=viewer)
    return render(request, "vendors/vendor_compare.html", context)


PROFILE_HISTORY_LIMIT = 20


@vendor_member_required
def vendor_profile_edit(request):
    """The member's own firm only: the vendor comes from the membership, never
    from the request."""
    try:
        vendor = vendors_selectors.vendor_for_member(vendor_id=viewer_vendor_id(request))
    except Vendor.DoesNotExist:
        raise Http404 from None
    forms = VendorProfileForms(vendor=vendor, data=request.POST if request.method == "POST" else None)
    conflict = None
    status = 200
    if request.method == "POST":
        if forms.is_valid():
            try:
                changed = services.vendor_profile_update(vendor=vendor, data=forms.changes(), actor=request.user)
            except IntegrityError:
                # Two rows swapped a unique value (seniority, skill, city) in one edit.
                conflict = _(
                    "Two rows ended up with the same seniority, skill or city while saving. "
                    "Nothing was saved; change them in two steps."
                )
            else:
                if changed:
                    messages.success(request, _("Profile saved."))
                else:
                    messages.info(request, _("Nothing to save: the profile is unchanged."))
                return redirect("vendors:profile-edit")
        status = 400
        vendor.refresh_from_db()  # the form put the rejected values on the instance
    today = timezone.localdate()
    for form in forms.certifications:
        form.status = form.expiry_status(today=today)
    context = {
        "vendor": vendor,
        "forms": forms,
        "profile": forms.profile,
        "conflict": conflict,
        "today": today,
        "warning_days": vendors_selectors.EXPIRY_WARNING_DAYS,
        "country_zones": country_timezones(),
        "history": vendors_history.vendor_change_history(vendor, limit=PROFILE_HISTORY_LIMIT, name_users=True),
    }
    return render(request, "vendors/vendor_profile_form.html", context, status=status)


# --- staff: vendor CSV exports (vendors/exports/) -----------------------------------------

HTMX_STOP_POLLING = 286  # htmx stops an `every` trigger on this status


def staff_required(view):
    """Staff pages: 404 for anyone else, never a hint that the page exists."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _exports_context() -> dict:
    recent = export_selectors.vendor_export_recent()
    return {"exports": recent, "working": any(not export.finished for export in recent)}


@staff_required
@require_GET
def vendor_export_list(request):
    context = {**_exports_context(), "keep_days": settings.VENDOR_EXPORT_KEEP_DAYS}
    return render(request, "vendors/vendor_export_list.html", context)


@staff_required
@require_GET
def vendor_export_panel(request):
    """The polled table: progress while an export works; no more polling once all have finished."""
    context = _exports_context()
    response = render(request, "vendors/partials/vendor_export_panel.html", context)
    if not context["working"]:
        response.status_code = HTMX_STOP_POLLING
    return response


@staff_required
@require_POST
def vendor_export_start(request):
    active_only = request.POST.get("active_only") == "on"
    export = exports.vendor_export_start(actor=request.user, active_only=active_only)
    messages.success(request, _("Export #%(id)s started. This page shows its progress.") % {"id": export.pk})
    return redirect("vendors:exports")


@staff_required
@require_GET
def vendor_export_download(request, pk: int):
    export = get_object_or_404(export_selectors.vendor_export_queryset(), pk=pk)
    if export.status != VendorExportStatus.SUCCEEDED:
        messages.error(request, _("Export #%(id)s has no file to download: it has not succeeded.") % {"id": export.pk})
        return redirect("vendors:exports")
    try:
        handle = exports.vendor_export_file(export)
    except exports.ExportFileMissing:
        messages.error(
            request, _("The file of export #%(id)s is no longer on the server. Start a new export.") % {"id": export.pk}
        )
        return redirect("vendors:exports")
    assert export.row_count is not None  # a succeeded export always has one (a database constraint)
    return export_file_response(
        handle, filename=exports.export_file_name(export.pk), row_count=export.row_count, sha256=export.sha256
    )
