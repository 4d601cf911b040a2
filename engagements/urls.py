from django.urls import path

from engagements import views

urlpatterns = [
    path("", views.home, name="home"),
]
