"""The one-query reference page `make bench-api` compares the vendor list with
(mounted only when BENCH_REFERENCE_VIEW is on)."""

from django.urls import path

from vendors.api.bench_reference import vendor_page_reference

urlpatterns = [path("vendors-reference/", vendor_page_reference)]
