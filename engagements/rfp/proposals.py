"""The vendor's side of a request for proposal: draft, submit and revise its one proposal
(`proposal_save`) or decline (`invitation_decline`) while the RFP is open for bids; proposal
attachments, checked by extension and content, and the sweep of files no proposal names.
Each service is one transaction; engagements/rfp/services.py tells the life of an RFP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.integrations.webhooks import webhook_emit_proposal_submitted
from engagements.models import (
    InvitationStatus,
    Proposal,
    ProposalStatus,
    Rfp,
    RfpInvitation,
    RfpStatus,
)
from engagements.rfp.services import (
    ANSWER_MAX_LENGTH,
    APPROACH_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SUBMITTED_STATES,
    RfpError,
)
from kpo.models import User
from vendors.money import ExchangeTable, convertible_currency

EXCHANGE_RATE_PLACES = Decimal("1e-12")  # Proposal.exchange_rate's decimal places

# Attachment types: extension -> the bytes the file must start with (None: UTF-8 text).
ATTACHMENT_TYPES: dict[str, bytes | None] = {
    "pdf": b"%PDF-",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "pptx": b"PK\x03\x04",
    "txt": None,
}
# What each type is served as (the attachment download sends and declares these).
ATTACHMENT_MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain",
}


def attachment_media_type(name: str) -> str:
    """The media type an attachment is served as, by its (checked) extension."""
    return ATTACHMENT_MEDIA_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def attachment_max_bytes() -> int:
    return settings.PROPOSAL_ATTACHMENT_MAX_MB * 1024 * 1024


def validate_attachment(upload: UploadedFile) -> None:
    """Type by extension and by content, and size. Raises ValidationError."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("Attach a file of one of these types: %(types)s.")
            % {"types": ", ".join(f".{ext}" for ext in ATTACHMENT_TYPES)},
            code="attachment_type",
        )
    assert upload.size is not None  # Django's uploaded files know their size
    if upload.size > attachment_max_bytes():
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": settings.PROPOSAL_ATTACHMENT_MAX_MB},
            code="attachment_size",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="attachment_empty")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    magic = ATTACHMENT_TYPES[extension]
    if magic is not None and not head.startswith(magic):
        raise ValidationError(
            _("The file's content is not a .%(ext)s document.") % {"ext": extension}, code="attachment_content"
        )
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character cut at the 2048th byte is still text.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(_("A .txt file must be UTF-8 text."), code="attachment_content") from None
        if b"\x00" in head:
            raise ValidationError(_("A .txt file must be UTF-8 text."), code="attachment_content")


# -- notifications -------------------------------------------------------------------------


def _lock_for_bid(invitation: RfpInvitation) -> tuple[Rfp, RfpInvitation]:
    rfp = Rfp.objects.select_for_update().get(pk=invitation.rfp_id)
    locked = RfpInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not rfp.is_open_for_bids():
        if rfp.status == RfpStatus.CANCELLED:
            raise RfpError(_("The client cancelled this request for proposal."))
        raise RfpError(_("The request for proposal is closed: the deadline has passed or the bids are open."))
    return rfp, locked


def _open_if_everyone_answered(rfp: Rfp) -> None:
    """The last answer opens the bids early: nobody is left to wait for."""
    if not rfp.invitations.filter(status=InvitationStatus.INVITED).exists():
        rfp.opened_at = timezone.now()
        rfp.save(update_fields=["opened_at", "updated_at"])


@dataclass
class ProposalInput:
    hourly_rate: Decimal | None = None
    currency: str = ""
    fte: Decimal | None = None
    start_date: date | None = None
    approach: str = ""
    answers: list[str] | None = None


def _missing_for_submission(rfp: Rfp, data: ProposalInput) -> list[str]:
    missing = []
    if data.hourly_rate is None:
        missing.append(_("hourly rate"))
    if data.fte is None:
        missing.append(_("FTE"))
    if data.start_date is None:
        missing.append(_("start date"))
    if not data.approach.strip():
        missing.append(_("approach"))
    answers = data.answers or []
    unanswered = [str(i + 1) for i in range(len(rfp.questions)) if i >= len(answers) or not answers[i].strip()]
    if unanswered:
        missing.append(_("answer to question %(numbers)s") % {"numbers": ", ".join(unanswered)})
    return missing


@transaction.atomic
def proposal_save(
    *,
    invitation: RfpInvitation,
    data: ProposalInput,
    actor: User | None,
    submit: bool,
    attachment: UploadedFile | None = None,
    remove_attachment: bool = False,
) -> Proposal:
    """Save the vendor's proposal as a draft, or submit it (a first submission or
    a revision). A submitted proposal can only be revised by submitting again:
    it never goes back to draft, so the client never loses an answer it was told
    about. Raises RfpError when the RFP is closed or the invitation declined,
    ValidationError for a bad attachment or an incomplete submission."""
    rfp, locked = _lock_for_bid(invitation)
    if locked.status == InvitationStatus.DECLINED:
        raise RfpError(_("You declined this invitation."))
    answers = [a.strip()[:ANSWER_MAX_LENGTH] for a in (data.answers or [])][: len(rfp.questions)]
    answers += [""] * (len(rfp.questions) - len(answers))
    data.answers = answers
    if data.currency:
        try:
            data.currency = convertible_currency(data.currency)
        except ValidationError as exc:
            raise ValidationError({"currency": exc.messages}) from None
    if data.hourly_rate is not None and data.hourly_rate <= 0:
        raise ValidationError({"hourly_rate": _("The rate must be positive.")})
    if data.fte is not None and data.fte <= 0:
        raise ValidationError({"fte": _("The FTE must be positive.")})
    if len(data.approach) > APPROACH_MAX_LENGTH:
        raise ValidationError(
            {"approach": _("Keep the approach under %(count)s characters.") % {"count": APPROACH_MAX_LENGTH}}
        )
    proposal = Proposal.objects.select_for_update().filter(invitation=locked).first()
    if proposal is not None and proposal.status in SUBMITTED_STATES and not submit:
        raise RfpError(_("This proposal is submitted: submit a revision instead of saving a draft."))
    if submit:
        missing = _missing_for_submission(rfp, data)
        if missing:
            raise ValidationError(
                _("To submit, fill in: %(fields)s.") % {"fields": "; ".join(missing)}, code="incomplete"
            )
    if attachment is not None:
        validate_attachment(attachment)
    if proposal is None:
        proposal = Proposal(invitation=locked)
    old_file = proposal.attachment.name if proposal.attachment else ""
    proposal.hourly_rate = data.hourly_rate
    proposal.currency = data.currency or rfp.requirement.currency
    proposal.fte = data.fte
    proposal.start_date = data.start_date
    proposal.approach = data.approach.strip()
    proposal.answers = answers
    if attachment is not None:
        assert attachment.size is not None  # validate_attachment checked it
        proposal.attachment_name = (attachment.name or "attachment")[-200:]
        proposal.attachment_size = attachment.size
        proposal.attachment.save(attachment.name or "attachment", attachment, save=False)
    elif remove_attachment:
        proposal.attachment = ""
        proposal.attachment_name = ""
        proposal.attachment_size = 0
    now = timezone.now()
    if submit:
        proposal.status = ProposalStatus.SUBMITTED
        proposal.submitted_at = now
        proposal.revision += 1
        proposal.exchange_rate, proposal.exchange_rates_as_of = _exchange_rate(
            proposal.currency, rfp.requirement.currency
        )
    proposal.save()
    new_file = proposal.attachment.name if proposal.attachment else ""
    if old_file and old_file != new_file:
        storage = proposal.attachment.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    if submit and locked.status != InvitationStatus.SUBMITTED:
        locked.status = InvitationStatus.SUBMITTED
        locked.responded_at = now
        locked.save(update_fields=["status", "responded_at"])
        _open_if_everyone_answered(rfp)
    if submit:
        webhook_emit_proposal_submitted(proposal=proposal, invitation=locked, client_id=rfp.client_id)
    return proposal


def _exchange_rate(source: str, target: str) -> tuple[Decimal | None, datetime | None]:
    """What one unit of `source` is worth in `target` now, and when the rates were last set:
    recorded on a submission, so the bid is compared at the rate of the day it was made."""
    table = ExchangeTable.current()
    factor = table.factors_to(target).get(source)
    if factor is None:
        return None, None
    return factor.quantize(EXCHANGE_RATE_PLACES), table.as_of


@transaction.atomic
def invitation_decline(*, invitation: RfpInvitation, reason: str, actor: User) -> RfpInvitation:
    rfp, locked = _lock_for_bid(invitation)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline: the client reads your reason.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX_LENGTH}}
        )
    if locked.status == InvitationStatus.DECLINED:
        raise RfpError(_("You already declined this invitation."))
    if locked.status == InvitationStatus.SUBMITTED:
        raise RfpError(_("You submitted a proposal: revise it rather than decline."))
    locked.status = InvitationStatus.DECLINED
    locked.decline_reason = reason
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "decline_reason", "responded_at"])
    _open_if_everyone_answered(rfp)
    return locked


# -- the client's side -----------------------------------------------------------------------


ATTACHMENT_DIRECTORY = "proposals"
ORPHAN_GRACE = timedelta(hours=1)


def proposal_attachments_sweep(*, grace: timedelta = ORPHAN_GRACE) -> int:
    """Delete stored proposal files that no proposal names. A file is written
    before its row commits, so a rolled-back save leaves one behind (Django has
    no on-rollback hook); files younger than `grace` may still be committing and
    are left for the next sweep. Returns how many files were deleted."""
    storage = Proposal._meta.get_field("attachment").storage
    if not storage.exists(ATTACHMENT_DIRECTORY):
        return 0
    referenced = set(Proposal.objects.exclude(attachment="").values_list("attachment", flat=True))
    cutoff = timezone.now() - grace
    deleted = 0
    directories, _files = storage.listdir(ATTACHMENT_DIRECTORY)
    for directory in directories:
        _subdirectories, files = storage.listdir(f"{ATTACHMENT_DIRECTORY}/{directory}")
        for name in files:
            path = f"{ATTACHMENT_DIRECTORY}/{directory}/{name}"
            if path in referenced or storage.get_modified_time(path) > cutoff:
                continue
            storage.delete(path)
            deleted += 1
    return deleted
