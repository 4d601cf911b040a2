from django.urls import path

from vendors import views

app_name = "vendors"
urlpatterns = [
    path("", views.vendor_directory, name="list"),
    path("compare/", views.vendor_compare, name="compare"),
    path("<slug:slug>/", views.vendor_detail, name="detail"),
]
