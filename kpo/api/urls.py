"""API v1 routes that belong to the platform rather than to one app."""

from django.urls import path

from kpo.api import token_views

urlpatterns = [
    path("auth/token/", token_views.AuthTokenApi.as_view(), name="api-auth-token"),
    path("auth/tokens/", token_views.AuthTokenListApi.as_view(), name="api-auth-token-list"),
    path("auth/tokens/<str:token_id>/", token_views.AuthTokenDetailApi.as_view(), name="api-auth-token-detail"),
]
