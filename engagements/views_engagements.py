"""The procurement manager's engagement pages."""

from django.shortcuts import render

from engagements import selectors
from kpo.permissions import client_manager_required, viewer_client


@client_manager_required
def engagement_list(request):
    engagements = selectors.engagement_list_for_client(client=viewer_client(request))
    return render(request, "engagements/engagement_list.html", {"engagements": engagements})
