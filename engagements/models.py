"""The engagements app's models, defined in its concept packages (organizations, requirements,
matching, rfp, delivery, integrations) and gathered here, where Django and the migrations look
for them."""

from engagements.delivery.models import (  # noqa: F401
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Milestone,
    MilestoneParty,
    MilestoneStatus,
    Review,
)
from engagements.integrations.models import (  # noqa: F401
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from engagements.matching.models import (  # noqa: F401
    MatchResult,
    MatchRun,
    MatchRunChunk,
    MatchRunStatus,
)
from engagements.organizations.models import (  # noqa: F401
    CLIENT_ROLES,
    VENDOR_ROLES,
    ClientOrganization,
    Membership,
    Role,
    TeamInvitation,
)
from engagements.requirements.models import (  # noqa: F401
    WEIGHT_KEYS,
    Confidentiality,
    LocationClass,
    Requirement,
    RequirementSkill,
    RequirementStatus,
    SelectionMethod,
    all_location_classes,
)
from engagements.rfp.models import (  # noqa: F401
    EvaluationCriterion,
    InvitationOutcome,
    InvitationStatus,
    Proposal,
    ProposalScore,
    ProposalStatus,
    Rfp,
    RfpInvitation,
    RfpStatus,
    proposal_attachment_path,
)
