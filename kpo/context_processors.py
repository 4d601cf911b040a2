def membership(request):
    """Expose the signed-in user's membership (client or vendor) to templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"membership": None}
    return {"membership": getattr(user, "membership", None)}
