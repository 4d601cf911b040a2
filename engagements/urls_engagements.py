from django.urls import path

from engagements import views_engagements as views

app_name = "engagements"
urlpatterns = [
    path("", views.engagement_list, name="list"),
]
