from django.urls import path

from engagements.delivery import views

app_name = "engagements"
urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("propose/<int:result_pk>/", views.engagement_propose, name="propose"),
    path("<int:pk>/", views.engagement_detail, name="detail"),
    path("<int:pk>/transition/", views.engagement_transition, name="transition"),
    path("<int:pk>/fte/", views.engagement_fte, name="fte"),
    path("<int:pk>/milestones/", views.milestone_create, name="milestone_create"),
    path("<int:pk>/milestones/<int:milestone_pk>/", views.milestone_advance, name="milestone_advance"),
    path("<int:pk>/review/", views.review_create, name="review"),
]
