"""CSV export and import routes, mounted in kpo/urls.py before the other api/v1
includes so `vendors/export.csv` and `vendors/import/` are never taken for a
vendor id."""

from django.urls import path

from vendors.api import csv_views

urlpatterns = [
    path("vendors/export.csv", csv_views.VendorCsvExportApi.as_view(), name="api-vendor-export-csv"),
    path("vendors/import/", csv_views.VendorCsvImportApi.as_view(), name="api-vendor-import-csv"),
]
