from django.urls import path

from vendors.api import csv_views, views

urlpatterns = [
    path("vendors/", views.VendorListApi.as_view(), name="api-vendor-list"),
    path("vendors/<int:pk>/", views.VendorDetailApi.as_view(), name="api-vendor-detail"),
    path("vendors/exports/", csv_views.VendorExportListApi.as_view(), name="api-vendor-export-list"),
    path("vendors/exports/<int:pk>/", csv_views.VendorExportDetailApi.as_view(), name="api-vendor-export-detail"),
    path(
        "vendors/exports/<int:pk>/download/",
        csv_views.VendorExportDownloadApi.as_view(),
        name="api-vendor-export-download",
    ),
    path("taxonomy/domains/", views.DomainListApi.as_view(), name="api-domain-list"),
    path("taxonomy/skills/", views.SkillListApi.as_view(), name="api-skill-list"),
    path("taxonomy/skills/<slug:code>/", views.SkillDetailApi.as_view(), name="api-skill-detail"),
    path("taxonomy/certifications/", views.CertificationListApi.as_view(), name="api-certification-list"),
    path(
        "taxonomy/certifications/<slug:code>/",
        views.CertificationDetailApi.as_view(),
        name="api-certification-detail",
    ),
    path("exchange-rates/", views.ExchangeRateListApi.as_view(), name="api-exchange-rate-list"),
    path("exchange-rates/<str:currency>/", views.ExchangeRateDetailApi.as_view(), name="api-exchange-rate-detail"),
]
