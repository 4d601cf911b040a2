from django.urls import path

from engagements.organizations import views

urlpatterns = [
    path("time-zone/", views.time_zone, name="account_time_zone"),
]
