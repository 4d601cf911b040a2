from django.urls import path

from engagements import views_vendor as views

app_name = "vendor_portal"
urlpatterns = [
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/transition/", views.engagement_transition, name="engagement_transition"),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/deliver/",
        views.milestone_deliver,
        name="milestone_deliver",
    ),
]
urlpatterns += [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", views.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
    path("invitations/<int:pk>/attachment/", views.proposal_attachment, name="proposal_attachment"),
]
