from django.urls import path

from engagements.rfp import views

app_name = "rfps"
urlpatterns = [
    path("", views.rfp_list, name="list"),
    path("<int:pk>/", views.rfp_detail, name="detail"),
    path("<int:pk>/award/", views.rfp_award, name="award"),
    path("<int:pk>/cancel/", views.rfp_cancel, name="cancel"),
    path("<int:pk>/proposals/<int:proposal_pk>/scores/", views.proposal_scores, name="scores"),
    path("<int:pk>/proposals/<int:proposal_pk>/shortlist/", views.proposal_shortlist, name="shortlist"),
    path("<int:pk>/proposals/<int:proposal_pk>/attachment/", views.proposal_attachment, name="attachment"),
]
