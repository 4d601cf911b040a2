"""Who may open which page. Outsiders get 404, never a hint that a page or
object exists (DESIGN.md, security model). Who is asking: kpo.access.Caller."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from kpo.access import Caller


def viewer_membership(request):
    """The signed-in user's membership (client or vendor), cached on the request."""
    return Caller.of(request).membership


def viewer_client(request):
    return Caller.of(request).client


def client_or_staff_required(view):
    """The vendor directory and profiles: client members and staff."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff and viewer_client(request) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def client_manager_required(view):
    """A client organization's own pages (requirements, runs, engagements)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if viewer_client(request) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def viewer_vendor_id(request) -> int | None:
    return Caller.of(request).vendor_id


def required_vendor_id(request) -> int:
    """viewer_vendor_id in a view behind vendor_member_required, which answered 404 without one."""
    vendor_id = viewer_vendor_id(request)
    assert vendor_id is not None, "only behind vendor_member_required"
    return vendor_id


def vendor_member_required(view):
    """A vendor firm's own pages (profile editing): its admins and editors only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if viewer_vendor_id(request) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
