from django.urls import path

from kpo import views_tokens

urlpatterns = [
    path("tokens/", views_tokens.token_list, name="account_tokens"),
    path("tokens/<str:token_id>/revoke/", views_tokens.token_revoke, name="account_token_revoke"),
]
