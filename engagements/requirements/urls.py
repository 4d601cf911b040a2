from django.urls import path

from engagements.matching import views as matching_views
from engagements.requirements import views as requirements_views
from engagements.rfp import views as views_rfp

app_name = "requirements"
urlpatterns = [
    path("", requirements_views.requirement_list, name="list"),
    path("new/", requirements_views.requirement_create, name="create"),
    path("<int:pk>/", requirements_views.requirement_detail, name="detail"),
    path("<int:pk>/edit/", requirements_views.requirement_edit, name="edit"),
    path("<int:pk>/delete/", requirements_views.requirement_delete, name="delete"),
    path("<int:pk>/runs/", matching_views.match_run_start, name="run_start"),
    path("<int:pk>/runs/<int:run_pk>/", matching_views.match_run_detail, name="run"),
    path("<int:pk>/runs/<int:run_pk>/status/", matching_views.match_run_status, name="run_status"),
    path("<int:pk>/runs/<int:run_pk>/export.csv", matching_views.match_run_export, name="run_export"),
    path("<int:pk>/runs/<int:run_pk>/why-not/", matching_views.match_run_why_not, name="run_why_not"),
    path("<int:pk>/runs/<int:run_pk>/rfp/", views_rfp.rfp_create, name="rfp_create"),
]
