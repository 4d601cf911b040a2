from django.urls import path

from vendors import views

app_name = "vendors"
urlpatterns = [
    path("", views.vendor_directory, name="list"),
    path("compare/", views.vendor_compare, name="compare"),
    # Before the detail route: "profile" and "exports" would otherwise be taken for vendor slugs.
    path("profile/", views.vendor_profile_edit, name="profile-edit"),
    path("profile/preview/", views.vendor_profile_preview, name="profile-preview"),
    path("exports/", views.vendor_export_list, name="exports"),
    path("exports/panel/", views.vendor_export_panel, name="exports-panel"),
    path("exports/start/", views.vendor_export_start, name="exports-start"),
    path("exports/<int:pk>/download/", views.vendor_export_download, name="exports-download"),
    path("<slug:slug>/", views.vendor_detail, name="detail"),
]
