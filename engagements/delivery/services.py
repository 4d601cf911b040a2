"""Writes of engagements: proposal, the transitions of its state, FTE and date changes,
milestones and reviews. Each service is one transaction."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from engagements.integrations.webhooks import webhook_emit_engagement
from engagements.matching.benchmark import benchmark_at_award
from engagements.models import (
    Engagement,
    EngagementEvent,
    EngagementStatus,
    MatchResult,
    Membership,
    Milestone,
    MilestoneParty,
    MilestoneStatus,
    Requirement,
    Review,
)
from kpo.models import User
from vendors.models import Vendor


class EngagementError(ValueError):
    """A write the engagement's state (or the caller's role) does not allow.
    The message is written for the person who tried: views show it as is and
    the API answers 409 with it."""


# action -> (states it may start from, state it leads to, party that may take it)
ENGAGEMENT_TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "accept": (frozenset({EngagementStatus.PROPOSED}), EngagementStatus.ACTIVE, "vendor"),
    "decline": (frozenset({EngagementStatus.PROPOSED}), EngagementStatus.DECLINED, "vendor"),
    "complete": (frozenset({EngagementStatus.ACTIVE}), EngagementStatus.COMPLETED, "client"),
    "cancel": (frozenset({EngagementStatus.PROPOSED, EngagementStatus.ACTIVE}), EngagementStatus.CANCELLED, "client"),
}
OPEN_ENGAGEMENT_STATES = frozenset({EngagementStatus.PROPOSED, EngagementStatus.ACTIVE})
# The verbs of the actions, for messages in the reader's language ("Cannot complete: ...").
ACTION_VERBS = {
    "accept": pgettext_lazy("engagement action", "accept"),
    "decline": pgettext_lazy("engagement action", "decline"),
    "complete": pgettext_lazy("engagement action", "complete"),
    "cancel": pgettext_lazy("engagement action", "cancel"),
}


def _label(choice) -> str:
    return str(choice.label).lower()


def _either(labels: list[str]) -> str:
    """Labels joined as one phrase: a; a or b; a, b or c."""
    if len(labels) < 2:
        return "".join(labels)
    return _("%(some)s or %(last)s") % {"some": ", ".join(labels[:-1]), "last": labels[-1]}


def engagement_actions_for(*, engagement: Engagement, party: str) -> list[str]:
    """The actions `party` ("client" or "vendor") may take in the engagement's current state."""
    return [
        action
        for action, (sources, _target, who) in ENGAGEMENT_TRANSITIONS.items()
        if who == party and engagement.status in sources
    ]


def _check_party(*, engagement: Engagement, actor, party: str) -> None:
    """Defence in depth behind the views' scoping: a vendor action needs a member
    of the engagement's vendor, a client action a member of its client. No actor
    means a trusted caller (a task, the shell); staff may act for either side."""
    if actor is None or actor.is_staff:
        return
    membership = Membership.objects.filter(user=actor).first()
    allowed = membership is not None and (
        (party == "vendor" and membership.vendor_id == engagement.vendor_id)
        or (party == "client" and membership.client_id == engagement.client_id)
    )
    if not allowed:
        if party == "vendor":
            raise EngagementError(_("Only the vendor of this engagement may do that."))
        raise EngagementError(_("Only the client of this engagement may do that."))


def _check_any_party(*, engagement: Engagement, actor, parties: tuple[str, ...]) -> None:
    """Like _check_party, for an action more than one party may take; the error
    is the one of the last party tried."""
    for index, party in enumerate(parties):
        try:
            _check_party(engagement=engagement, actor=actor, party=party)
        except EngagementError:
            if index == len(parties) - 1:
                raise
        else:
            return


def _lock(engagement: Engagement) -> Engagement:
    return Engagement.objects.select_for_update().get(pk=engagement.pk)


@transaction.atomic
def engagement_propose(
    *,
    result: MatchResult,
    proposed_by: User,
    agreed_rate: Decimal,
    currency: str,
    fte: Decimal,
    start_date: date,
    end_date: date | None = None,
) -> Engagement:
    """Propose an engagement to the vendor of a shortlist entry. The vendor
    accepts or declines it (`engagement_transition`)."""
    requirement = result.run.requirement
    if end_date is not None and end_date < start_date:
        raise EngagementError(_("The end date must not be before the start date."))
    if agreed_rate <= 0 or fte <= 0:
        raise EngagementError(_("The rate and the FTE must be positive."))
    # Serialize proposals for one requirement, so two clicks cannot both pass the check below.
    if Requirement.objects.select_for_update().filter(pk=requirement.pk).first() is None:
        raise Requirement.DoesNotExist("The requirement was deleted.")  # while this waited for its lock
    if Engagement.objects.filter(
        requirement=requirement, vendor_id=result.vendor_id, status__in=OPEN_ENGAGEMENT_STATES
    ).exists():
        raise EngagementError(_("This vendor already has an open engagement for this requirement."))
    benchmark_rate, benchmark_basis, benchmark_size = benchmark_at_award(requirement, currency)
    engagement = Engagement.objects.create(
        benchmark_rate=benchmark_rate,
        benchmark_basis=benchmark_basis,
        benchmark_size=benchmark_size,
        requirement=requirement,
        client_id=requirement.client_id,
        vendor_id=result.vendor_id,
        match_result=result,
        proposed_by=proposed_by,
        status=EngagementStatus.PROPOSED,
        agreed_rate=agreed_rate,
        currency=currency,
        fte=fte,
        start_date=start_date,
        end_date=end_date,
    )
    EngagementEvent.objects.create(
        engagement=engagement,
        kind=EngagementEvent.Kind.STATUS,
        to_value=EngagementStatus.PROPOSED,
        note=f"Proposed from rank {result.rank} of match run {result.run_id}.",
        actor=proposed_by,
    )
    webhook_emit_engagement(engagement=engagement, change={"kind": "created", "to": EngagementStatus.PROPOSED})
    return engagement


@transaction.atomic
def engagement_transition(*, engagement: Engagement, action: str, actor: User, note: str = "") -> Engagement:
    """Move an engagement through its life: accept | decline (the vendor),
    complete | cancel (the client). Raises EngagementError for an unknown action,
    a state that does not allow it, or the wrong party."""
    if action not in ENGAGEMENT_TRANSITIONS:
        raise EngagementError(
            _("Unknown action %(action)s: use one of %(actions)s.")
            % {"action": repr(action), "actions": ", ".join(ENGAGEMENT_TRANSITIONS)}
        )
    sources, target, party = ENGAGEMENT_TRANSITIONS[action]
    locked = _lock(engagement)
    _check_party(engagement=locked, actor=actor, party=party)
    if locked.status not in sources:
        raise EngagementError(
            _("Cannot %(action)s: this engagement is %(status)s, and only %(allowed)s engagements can be %(target)s.")
            % {
                "action": ACTION_VERBS[action],
                "status": _label(EngagementStatus(locked.status)),
                "allowed": _either(sorted(_label(EngagementStatus(s)) for s in sources)),
                "target": _label(EngagementStatus(target)),
            }
        )
    previous = locked.status
    locked.status = target
    update_fields = ["status", "updated_at"]
    if target == EngagementStatus.COMPLETED:
        today = timezone.localdate()
        finished = max(today, locked.start_date)
        if locked.end_date is None or locked.end_date > finished:
            locked.end_date = finished
            update_fields.append("end_date")
    locked.save(update_fields=update_fields)
    EngagementEvent.objects.create(
        engagement=locked,
        kind=EngagementEvent.Kind.STATUS,
        from_value=previous,
        to_value=target,
        note=note,
        actor=actor,
    )
    webhook_emit_engagement(engagement=locked, change={"kind": "status", "from": previous, "to": target})
    return locked


@transaction.atomic
def engagement_change_fte(*, engagement: Engagement, fte: Decimal, reason: str, actor: User) -> Engagement:
    """Scale the team up or down; the timeline records from, to and why."""
    locked = _lock(engagement)
    _check_party(engagement=locked, actor=actor, party="client")
    if locked.status not in OPEN_ENGAGEMENT_STATES:
        raise EngagementError(
            _("The FTE of a %(status)s engagement cannot change.") % {"status": _label(EngagementStatus(locked.status))}
        )
    fte = Decimal(fte).quantize(Decimal("0.1"))
    if fte <= 0:
        raise EngagementError(_("The FTE must be positive."))
    if fte == locked.fte:
        raise EngagementError(_("The engagement already has %(fte)s FTE.") % {"fte": formats.localize(fte)})
    if not reason.strip():
        raise EngagementError(_("Say why the FTE changes."))
    previous = locked.fte
    locked.fte = fte
    locked.save(update_fields=["fte", "updated_at"])
    EngagementEvent.objects.create(
        engagement=locked,
        kind=EngagementEvent.Kind.FTE,
        from_value=str(previous),
        to_value=str(fte),
        note=reason.strip(),
        actor=actor,
    )
    webhook_emit_engagement(engagement=locked, change={"kind": "fte", "from": previous, "to": fte})
    return locked


def _period(start: date, end: date | None) -> str:
    """A period as an ISO 8601 interval; an open end is "..": 2026-10-01/.."""
    return f"{start.isoformat()}/{end.isoformat() if end else '..'}"


@transaction.atomic
def engagement_change_dates(
    *, engagement: Engagement, start_date: date, end_date: date | None, actor: User, reason: str = ""
) -> Engagement:
    """Move the start and/or the end (None: open-ended) of a proposed or active
    engagement; the timeline records the period before and after (with the
    reason, if any) and the client's webhooks get engagement.updated.
    Dates equal to the current ones change nothing (an ERP may send the whole
    object back). Raises ValidationError for dates out of order, EngagementError
    for a closed engagement or the wrong party."""
    if start_date is None:
        raise ValidationError({"start_date": _("An engagement needs a start date.")}, code="required")
    if end_date is not None and end_date < start_date:
        raise ValidationError(
            {"end_date": _("The end date must not be before the start date.")}, code="end_before_start"
        )
    locked = _lock(engagement)
    _check_party(engagement=locked, actor=actor, party="client")
    changed = [
        field
        for field, value in (("start_date", start_date), ("end_date", end_date))
        if getattr(locked, field) != value
    ]
    if not changed:
        return locked
    if locked.status not in OPEN_ENGAGEMENT_STATES:
        raise EngagementError(
            _("The dates of a %(status)s engagement cannot change.")
            % {"status": _label(EngagementStatus(locked.status))}
        )
    previous = _period(locked.start_date, locked.end_date)
    locked.start_date, locked.end_date = start_date, end_date
    locked.save(update_fields=[*changed, "updated_at"])
    current = _period(locked.start_date, locked.end_date)
    EngagementEvent.objects.create(
        engagement=locked,
        kind=EngagementEvent.Kind.DATES,
        from_value=previous,
        to_value=current,
        note=reason.strip(),
        actor=actor,
    )
    webhook_emit_engagement(engagement=locked, change={"kind": "dates", "from": previous, "to": current})
    return locked


def engagement_set_external_id(*, engagement: Engagement, external_id: str) -> None:
    """The ERP's own id of the engagement: its bookkeeping, so no event and no
    webhook. Unique within the client organization: a concurrent writer taking
    the same id reads as a ValidationError on external_id."""
    try:
        with transaction.atomic():
            Engagement.objects.filter(pk=engagement.pk).update(external_id=external_id)
    except IntegrityError:
        raise ValidationError(
            {"external_id": _("Another engagement of this organization has this external id.")}, code="unique"
        ) from None


@transaction.atomic
def engagement_update(*, engagement: Engagement, data: dict, actor: User) -> Engagement:
    """One change of the client's in one transaction; `data` holds any of fte
    (with its reason), start_date, end_date (a missing one keeps its value) and
    external_id. Values equal to the current ones change nothing, so a caller
    may send the whole object back. Returns the engagement as it now is."""
    locked = _lock(engagement)
    reason = data.get("reason", "")
    if "fte" in data and data["fte"] != locked.fte:
        engagement_change_fte(engagement=locked, fte=data["fte"], reason=reason, actor=actor)
    if "start_date" in data or "end_date" in data:
        engagement_change_dates(
            engagement=locked,
            start_date=data.get("start_date", locked.start_date),
            end_date=data.get("end_date", locked.end_date),
            reason=reason,
            actor=actor,
        )
    if "external_id" in data and data["external_id"] != locked.external_id:
        engagement_set_external_id(engagement=locked, external_id=data["external_id"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def milestone_create(
    *, engagement: Engagement, title: str, due_date: date, description: str = "", actor: User
) -> Milestone:
    locked = _lock(engagement)
    _check_party(engagement=locked, actor=actor, party="client")
    if locked.status not in OPEN_ENGAGEMENT_STATES:
        raise EngagementError(
            _("A %(status)s engagement takes no new milestones.") % {"status": _label(EngagementStatus(locked.status))}
        )
    return Milestone.objects.create(engagement=locked, title=title, due_date=due_date, description=description)


# action -> (status it starts from, status it leads to, timestamp field, field naming the party)
MILESTONE_ACTIONS = {
    "deliver": (MilestoneStatus.PENDING, MilestoneStatus.DELIVERED, "delivered_at", "delivered_by"),
    "accept": (MilestoneStatus.DELIVERED, MilestoneStatus.ACCEPTED, "accepted_at", "accepted_by"),
}


def milestone_party(*, engagement: Engagement, actor) -> str:
    """The side `actor` takes on the engagement's milestones: its vendor's member, its client's
    member, or staff (no actor: a trusted caller, counted as staff). Anybody else is refused."""
    if actor is not None:
        membership = Membership.objects.filter(user=actor).first()
        if membership is not None and membership.vendor_id == engagement.vendor_id:
            return MilestoneParty.VENDOR
        if membership is not None and membership.client_id == engagement.client_id:
            return MilestoneParty.CLIENT
        if not actor.is_staff:
            raise EngagementError(_("Only the vendor or the client of this engagement may do that."))
    return MilestoneParty.STAFF


def milestone_confirmer(milestone: Milestone) -> tuple[str, ...]:
    """Who may confirm (accept) a delivered milestone: the other side than the one that declared
    it delivered, or staff for either. A delivery declared by staff, or before the declaring side
    was recorded, is confirmed by the client, as before."""
    if milestone.delivered_by == MilestoneParty.CLIENT:
        return (MilestoneParty.VENDOR, MilestoneParty.STAFF)
    if milestone.delivered_by == MilestoneParty.VENDOR:
        return (MilestoneParty.CLIENT, MilestoneParty.STAFF)
    return (MilestoneParty.CLIENT,)


@transaction.atomic
def milestone_advance(*, milestone: Milestone, action: str, actor: User) -> Milestone:
    """Declare a pending milestone delivered ("deliver": the vendor, or the client for it) or
    confirm a delivered one ("accept": the other side, milestone_confirmer). Only while the
    engagement is active: nothing is delivered before the vendor has accepted the engagement,
    and nothing changes once it is closed. Only confirmed milestones count in the vendor's
    on-time record (docs/scoring.md, "Milestones")."""
    if action not in MILESTONE_ACTIONS:
        raise EngagementError(_("Unknown milestone action %(action)s.") % {"action": repr(action)})
    source, target, stamp, side = MILESTONE_ACTIONS[action]
    locked = Milestone.objects.select_for_update().select_related("engagement").get(pk=milestone.pk)
    party = milestone_party(engagement=locked.engagement, actor=actor)
    if locked.engagement.status == EngagementStatus.PROPOSED:
        raise EngagementError(
            _("The vendor has not accepted this engagement yet: milestones are delivered once it is active.")
        )
    if locked.engagement.status not in OPEN_ENGAGEMENT_STATES:
        raise EngagementError(_("Milestones of a closed engagement cannot change."))
    if locked.status != source:
        raise EngagementError(
            _("“%(title)s” is %(status)s: only a %(source)s milestone can be marked %(target)s.")
            % {
                "title": locked.title,
                "status": _label(MilestoneStatus(locked.status)),
                "source": _label(MilestoneStatus(source)),
                "target": _label(MilestoneStatus(target)),
            }
        )
    if action == "accept" and party not in milestone_confirmer(locked):
        if locked.delivered_by == MilestoneParty.CLIENT:
            raise EngagementError(
                _("The client declared “%(title)s” delivered: the vendor confirms it.") % {"title": locked.title}
            )
        raise EngagementError(
            _("The vendor declared “%(title)s” delivered: the client confirms it.") % {"title": locked.title}
        )
    locked.status = target
    setattr(locked, stamp, timezone.now())
    setattr(locked, side, party)
    if actor is not None:
        locked._history_user = actor  # type: ignore[attr-defined]  # simple_history: who, also outside a request
    locked.save(update_fields=["status", stamp, side])
    if target == MilestoneStatus.ACCEPTED:
        vendor_milestone_counts_refresh(vendor_id=locked.engagement.vendor_id)
    return locked


def milestone_on_time(*, due_date: date, delivered_at: datetime, client_timezone: str) -> bool:
    """Delivered on time: on or before the due date, as a date in the client's
    time zone (the due date is a day of the client's calendar)."""
    return delivered_at.astimezone(ZoneInfo(client_timezone)).date() <= due_date


def vendor_milestone_counts_refresh(*, vendor_id: int) -> None:
    """Recount the vendor's accepted milestones and how many of them were
    delivered on time (the quality input of matching, docs/scoring.md), from its
    milestones rather than by increments, as review_create recomputes the rating:
    the counts heal themselves. The vendor row is locked so two acceptances
    cannot both write a stale count. Milestones accepted without a delivery time
    (imported data) say nothing about punctuality and are left out. Not a
    profile change: the vendor's history and `updated_at` are left alone."""
    Vendor.objects.select_for_update().filter(pk=vendor_id).values_list("pk", flat=True).get()
    accepted = on_time = 0
    for due_date, delivered_at, client_timezone in Milestone.objects.filter(
        engagement__vendor_id=vendor_id, status=MilestoneStatus.ACCEPTED, delivered_at__isnull=False
    ).values_list("due_date", "delivered_at", "engagement__client__timezone"):
        assert delivered_at is not None  # filtered on delivered_at__isnull=False
        accepted += 1
        on_time += milestone_on_time(due_date=due_date, delivered_at=delivered_at, client_timezone=client_timezone)
    Vendor.objects.filter(pk=vendor_id).update(milestones_accepted_count=accepted, milestones_on_time_count=on_time)


@transaction.atomic
def review_create(*, engagement: Engagement, author: User, rating: int, comment: str = "") -> Review:
    """Review the vendor of a completed engagement (once), and recompute the
    vendor's rating (the mean of its reviews) and review count. The vendor row is
    locked so two reviews finishing together cannot both write a stale mean."""
    locked = _lock(engagement)
    _check_party(engagement=locked, actor=author, party="client")
    if locked.status != EngagementStatus.COMPLETED:
        raise EngagementError(_("Only a completed engagement can be reviewed."))
    if not 1 <= int(rating) <= 5:
        raise EngagementError(_("The rating must be between 1 and 5."))
    if Review.objects.filter(engagement=locked).exists():
        raise EngagementError(_("This engagement has already been reviewed."))
    vendor = Vendor.objects.select_for_update().get(pk=locked.vendor_id)
    review = Review.objects.create(
        engagement=locked, vendor=vendor, author=author, rating=int(rating), comment=comment.strip()
    )
    stats = Review.objects.filter(vendor=vendor).aggregate(mean=Avg("rating"), count=Count("id"))
    # QuerySet.update() skips auto_now: set updated_at so delta sync sees the new rating.
    Vendor.objects.filter(pk=vendor.pk).update(
        rating=Decimal(str(stats["mean"])).quantize(Decimal("0.01")),
        review_count=stats["count"],
        updated_at=timezone.now(),
    )
    return review
