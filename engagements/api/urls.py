from django.urls import path

from engagements.delivery import api as engagement_views
from engagements.integrations import api as webhook_views
from engagements.matching import api as matching_api
from engagements.organizations import api as org_views
from engagements.requirements import api as requirements_api
from engagements.rfp import api as rfp_views

urlpatterns = [
    path("requirements/", requirements_api.RequirementListApi.as_view(), name="api-requirement-list"),
    path("requirements/<int:pk>/", requirements_api.RequirementDetailApi.as_view(), name="api-requirement-detail"),
    path(
        "requirements/<int:pk>/match-runs/",
        matching_api.RequirementMatchRunsApi.as_view(),
        name="api-requirement-match-runs",
    ),
    path("match-runs/<int:pk>/", matching_api.MatchRunDetailApi.as_view(), name="api-match-run-detail"),
    path("match-runs/<int:pk>/why-not/", matching_api.MatchRunWhyNotApi.as_view(), name="api-match-run-why-not"),
    # Requests for proposal: the client's side.
    path("rfps/", rfp_views.RfpListApi.as_view(), name="api-rfp-list"),
    path("rfps/<int:pk>/", rfp_views.RfpDetailApi.as_view(), name="api-rfp-detail"),
    path("rfps/<int:pk>/proposals/", rfp_views.RfpProposalsApi.as_view(), name="api-rfp-proposals"),
    path("rfps/<int:pk>/award/", rfp_views.RfpAwardApi.as_view(), name="api-rfp-award"),
    path("rfps/<int:pk>/cancel/", rfp_views.RfpCancelApi.as_view(), name="api-rfp-cancel"),
    path("proposals/<int:pk>/scores/", rfp_views.ProposalScoresApi.as_view(), name="api-proposal-scores"),
    path("proposals/<int:pk>/shortlist/", rfp_views.ProposalShortlistApi.as_view(), name="api-proposal-shortlist"),
    path("proposals/<int:pk>/attachment/", rfp_views.ProposalAttachmentApi.as_view(), name="api-proposal-attachment"),
    # Requests for proposal: the invited vendor's side.
    path("invitations/", rfp_views.InvitationListApi.as_view(), name="api-invitation-list"),
    path("invitations/<int:pk>/", rfp_views.InvitationDetailApi.as_view(), name="api-invitation-detail"),
    path("invitations/<int:pk>/proposal/", rfp_views.InvitationProposalApi.as_view(), name="api-invitation-proposal"),
    path("invitations/<int:pk>/decline/", rfp_views.InvitationDeclineApi.as_view(), name="api-invitation-decline"),
    # Engagements: both parties; client organizations and users.
    path("engagements/", engagement_views.EngagementListApi.as_view(), name="api-engagement-list"),
    path("engagements/<int:pk>/", engagement_views.EngagementDetailApi.as_view(), name="api-engagement-detail"),
    path(
        "engagements/<int:pk>/transition/",
        engagement_views.EngagementTransitionApi.as_view(),
        name="api-engagement-transition",
    ),
    path(
        "engagements/<int:pk>/milestones/",
        engagement_views.EngagementMilestonesApi.as_view(),
        name="api-engagement-milestones",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:mid>/deliver/",
        engagement_views.MilestoneDeliverApi.as_view(),
        name="api-engagement-milestone-deliver",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:mid>/accept/",
        engagement_views.MilestoneAcceptApi.as_view(),
        name="api-engagement-milestone-accept",
    ),
    path("engagements/<int:pk>/review/", engagement_views.EngagementReviewApi.as_view(), name="api-engagement-review"),
    path("clients/", org_views.ClientListApi.as_view(), name="api-client-list"),
    path("clients/<int:pk>/", org_views.ClientDetailApi.as_view(), name="api-client-detail"),
    path("users/", org_views.UserListApi.as_view(), name="api-user-list"),
    # Webhooks of the caller's client organization (docs/webhooks.md).
    path("webhooks/", webhook_views.WebhookEndpointListApi.as_view(), name="api-webhook-list"),
    path("webhooks/<int:pk>/", webhook_views.WebhookEndpointDetailApi.as_view(), name="api-webhook-detail"),
    path("webhooks/<int:pk>/enable/", webhook_views.WebhookEndpointEnableApi.as_view(), name="api-webhook-enable"),
    path(
        "webhooks/<int:pk>/deliveries/",
        webhook_views.WebhookDeliveryListApi.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        webhook_views.WebhookDeliveryRedeliverApi.as_view(),
        name="api-webhook-delivery-redeliver",
    ),
]
