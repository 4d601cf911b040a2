from django.urls import path

from engagements.delivery import vendor_views as delivery_vendor_views
from engagements.rfp import vendor_views as rfp_vendor_views

app_name = "vendor_portal"
urlpatterns = [
    path("engagements/", delivery_vendor_views.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", delivery_vendor_views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/transition/", delivery_vendor_views.engagement_transition, name="engagement_transition"),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/deliver/",
        delivery_vendor_views.milestone_deliver,
        name="milestone_deliver",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/confirm/",
        delivery_vendor_views.milestone_confirm,
        name="milestone_confirm",
    ),
]
urlpatterns += [
    path("invitations/", rfp_vendor_views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", rfp_vendor_views.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/decline/", rfp_vendor_views.invitation_decline, name="invitation_decline"),
    path("invitations/<int:pk>/attachment/", rfp_vendor_views.proposal_attachment, name="proposal_attachment"),
]
