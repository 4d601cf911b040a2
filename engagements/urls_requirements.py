from django.urls import path

from engagements import views_requirements as views

app_name = "requirements"
urlpatterns = [
    path("", views.requirement_list, name="list"),
]
