"""The procurement manager's requirement and matching pages."""

from django.shortcuts import render

from engagements import selectors
from kpo.permissions import client_manager_required, viewer_client


@client_manager_required
def requirement_list(request):
    requirements = selectors.requirement_list_for_client(client=viewer_client(request)).order_by("-created_at", "-id")
    return render(request, "engagements/requirement_list.html", {"requirements": requirements})
