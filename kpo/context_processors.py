def membership(request):
    """Expose the signed-in user's membership (client or vendor) to templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"membership": None}
    return {"membership": getattr(user, "membership", None)}


def viewer_zone(request):
    """The zone the page's date-times are in (set by engagements.organizations.timezones)."""
    return {"viewer_zone": getattr(request, "viewer_zone", None)}
