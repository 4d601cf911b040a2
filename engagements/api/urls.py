from django.urls import path

from engagements.api import views

urlpatterns = [
    path("requirements/", views.RequirementListApi.as_view(), name="api-requirement-list"),
    path("requirements/<int:pk>/", views.RequirementDetailApi.as_view(), name="api-requirement-detail"),
    path(
        "requirements/<int:pk>/match-runs/", views.RequirementMatchRunsApi.as_view(), name="api-requirement-match-runs"
    ),
    path("match-runs/<int:pk>/", views.MatchRunDetailApi.as_view(), name="api-match-run-detail"),
    path("match-runs/<int:pk>/why-not/", views.MatchRunWhyNotApi.as_view(), name="api-match-run-why-not"),
]
