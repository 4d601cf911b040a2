from django.urls import path

from vendors import views

app_name = "vendors"
urlpatterns = [
    path("", views.vendor_directory, name="list"),
    path("compare/", views.vendor_compare, name="compare"),
    # Before the detail route: "profile" would otherwise be taken for a vendor slug.
    path("profile/", views.vendor_profile_edit, name="profile-edit"),
    path("<slug:slug>/", views.vendor_detail, name="detail"),
]
