from django.urls import path

from engagements.organizations import views

app_name = "vendor_team"
urlpatterns = [
    path("", views.team, name="team"),
    path("invite/", views.invite, name="invite"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("join/<str:token>/", views.join, name="join"),
]
