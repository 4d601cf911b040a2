from django.urls import path

from engagements import views_requirements as views
from engagements.rfp import views as views_rfp

app_name = "requirements"
urlpatterns = [
    path("", views.requirement_list, name="list"),
    path("new/", views.requirement_create, name="create"),
    path("<int:pk>/", views.requirement_detail, name="detail"),
    path("<int:pk>/edit/", views.requirement_edit, name="edit"),
    path("<int:pk>/delete/", views.requirement_delete, name="delete"),
    path("<int:pk>/runs/", views.match_run_start, name="run_start"),
    path("<int:pk>/runs/<int:run_pk>/", views.match_run_detail, name="run"),
    path("<int:pk>/runs/<int:run_pk>/status/", views.match_run_status, name="run_status"),
    path("<int:pk>/runs/<int:run_pk>/export.csv", views.match_run_export, name="run_export"),
    path("<int:pk>/runs/<int:run_pk>/why-not/", views.match_run_why_not, name="run_why_not"),
    path("<int:pk>/runs/<int:run_pk>/rfp/", views_rfp.rfp_create, name="rfp_create"),
]
