"""Webhooks, following the Standard Webhooks specification (standardwebhooks.com).

A client organization registers endpoints (URL + chosen events + a `whsec_`
secret). A change that an endpoint subscribes to writes one `WebhookDelivery`
row per endpoint *in the transaction of the change* (the outbox: a rolled-back
change sends nothing, a committed one is never lost), and the delivery task is
sent to the broker once that transaction commits. The task claims the row with
a conditional UPDATE, signs and POSTs it, and records the outcome; failures are
retried with exponential backoff and full jitter. An endpoint whose deliveries
keep failing every attempt is disabled and its client's managers are emailed.

Payload (docs/webhooks.md): {"type": <event>, "timestamp": <ISO 8601>, "data": {...}}
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from engagements.models import (
    DeliveryStatus,
    Engagement,
    MatchRun,
    Membership,
    Proposal,
    RfpInvitation,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from kpo.dispatch import task_send

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks secret prefix, not a secret
SECRET_MIN_BYTES = 24
SECRET_MAX_BYTES = 64
# Vendors per vendor.updated delivery: a bulk change of thousands of vendors is
# split into several deliveries rather than one huge body.
VENDORS_PER_DELIVERY = 200
# How much of a failed response's body the log keeps.
ERROR_BODY_CHARS = 500
# The claim on a delivery outlives its task's hard time limit (settings): a worker that
# dies mid-send leaves the row to the sweeper.
CLAIM_SECONDS = settings.WEBHOOK_TASK_TIME_LIMIT + 60
# A message sent this long ago and still not claimed is considered lost.
SWEEP_GRACE_SECONDS = 60
SWEEP_BATCH = 1000
USER_AGENT = "KPO-Match-Webhooks/1.0"


class WebhookError(Exception):
    """A request the state does not allow (e.g. redelivering to a disabled endpoint)."""


class WebhookUrlRefused(Exception):
    """An address the settings forbid (non-http(s), private or loopback in production)."""


# -- secrets and URLs ----------------------------------------------------------------------


def webhook_secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_secret_problem(secret: str) -> str | None:
    if not secret.startswith(SECRET_PREFIX):
        return f"A secret starts with {SECRET_PREFIX} followed by base64 (Standard Webhooks)."
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return "The part after whsec_ is not valid base64."
    if not SECRET_MIN_BYTES <= len(raw) <= SECRET_MAX_BYTES:
        return f"The secret must decode to {SECRET_MIN_BYTES} to {SECRET_MAX_BYTES} bytes."
    return None


def _address_allowed(address: str) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_url_problem_offline(url: str) -> str | None:
    """What is wrong with the URL itself (no DNS): scheme, host, credentials, port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs can receive webhooks."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "Put no credentials in the URL; verify the signature instead."
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "The port is not valid."
    return None


def webhook_url_problem(url: str) -> str | None:
    """Why this URL cannot be an endpoint, or None. In production the host must
    resolve to public addresses only; the connection itself is checked again at
    send time (a name may resolve elsewhere later)."""
    problem = webhook_url_problem_offline(url)
    if problem or settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return problem
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return "The host name does not resolve."
    # An IPv4 or IPv6 socket address (TCP): its host is a str; typeshed also allows other families.
    if not all(_address_allowed(cast(str, info[4][0])) for info in infos):
        return "The URL points to a private, loopback or reserved address."
    return None


# -- endpoints --------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(
    *, client_id: int, url: str, events: list[str], description: str = "", secret: str | None = None
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        client_id=client_id,
        url=url,
        events=sorted(set(events)),
        description=description,
        secret=secret or webhook_secret_generate(),
    )


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    """Change url, events, description or secret (a new secret signs every later attempt)."""
    fields = []
    for field in ("url", "description", "secret"):
        if field in data:
            setattr(endpoint, field, data[field])
            fields.append(field)
    if "events" in data:
        endpoint.events = sorted(set(data["events"]))
        fields.append("events")
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Re-enable a disabled endpoint; its deliveries still pending resume."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", consecutive_failures=0, updated_at=timezone.now()
    )
    now = timezone.now()
    pending = WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING)
    pending.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now)).update(next_attempt_at=now)
    ids = list(pending.filter(next_attempt_at__lte=now).values_list("pk", flat=True)[:SWEEP_BATCH])
    transaction.on_commit(lambda: webhook_dispatch(delivery_ids=ids))
    endpoint.refresh_from_db()
    return endpoint


def _managers_emails(client_id: int) -> list[str]:
    return list(
        Membership.objects.filter(client_id=client_id, role=Role.MANAGER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def webhook_endpoint_disable(*, endpoint_id: int, reason: str) -> bool:
    """Disable an active endpoint and email its client's managers (on commit)."""
    now = timezone.now()
    disabled = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:200], updated_at=now
    )
    if not disabled:
        return False
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    recipients = _managers_emails(endpoint.client_id)
    if recipients:
        subject = _("KPO Match stopped sending webhooks to %(url)s") % {"url": endpoint.url[:80]}
        body = _(
            "We disabled your webhook endpoint %(url)s (id %(id)s): %(reason)s\n\n"
            "No events are sent to it until you enable it again; deliveries still pending "
            "then resume. Check the delivery log at %(log)s and enable the endpoint with "
            "POST %(enable)s."
        ) % {
            "url": endpoint.url,
            "id": endpoint.pk,
            "reason": reason,
            "log": f"{settings.SITE_URL.rstrip('/')}/api/v1/webhooks/{endpoint.pk}/deliveries/",
            "enable": f"{settings.SITE_URL.rstrip('/')}/api/v1/webhooks/{endpoint.pk}/enable/",
        }
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
    return True


# -- the outbox ---------------------------------------------------------------------------


def _envelope(event: str, data: dict, occurred_at: datetime) -> dict:
    # Round-trip through Django's encoder: Decimals and dates become strings, as in the API.
    return json.loads(
        json.dumps({"type": event, "timestamp": occurred_at.isoformat(), "data": data}, cls=DjangoJSONEncoder)
    )


def _subscribed(endpoints: Iterable[WebhookEndpoint], event: str) -> list[WebhookEndpoint]:
    # Filtered in Python: JSON `contains` is not portable to SQLite, and a client has a handful of endpoints.
    return [endpoint for endpoint in endpoints if event in (endpoint.events or [])]


def webhook_emit(*, client_id: int | None, event: str, data: dict | list[dict]) -> list[int]:
    """Write the outbox rows of one event: one delivery per active endpoint of
    the client subscribed to it (every subscribed client's endpoint when
    `client_id` is None, for vendor.updated). `data` may be a list: one
    delivery per item and endpoint. Call inside the transaction of the change;
    the deliveries are sent once it commits. One query when nobody subscribes."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = WebhookEndpoint.objects.filter(is_active=True).only("id", "events")
    if client_id is not None:
        endpoints = endpoints.filter(client_id=client_id)
    return _outbox_write(_subscribed(endpoints, event), event, data)


def _outbox_write(targets: list[WebhookEndpoint], event: str, data: dict | list[dict]) -> list[int]:
    if not targets:
        return []
    now = timezone.now()
    items = data if isinstance(data, list) else [data]
    payloads = [_envelope(event, item, now) for item in items]
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=endpoint.pk, event=event, payload=payload, next_attempt_at=now)
        for endpoint in targets
        for payload in payloads
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_dispatch(delivery_ids=ids))
    return ids


def webhook_emit_match_run(*, run_id: int) -> list[int]:
    """match_run.succeeded / match_run.failed, from the run's final state."""
    run = MatchRun.objects.select_related("requirement").get(pk=run_id)
    event = {"succeeded": WebhookEvent.MATCH_RUN_SUCCEEDED, "failed": WebhookEvent.MATCH_RUN_FAILED}.get(run.status)
    if event is None:
        return []
    data = {
        "match_run": {
            "id": run.pk,
            "requirement": run.requirement_id,
            "status": run.status,
            "progress": run.progress,
            "candidates_total": run.candidates_total,
            "candidates_eligible": run.candidates_eligible,
            "created_at": run.created_at,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "error": run.error,
        },
        "url": f"/api/v1/match-runs/{run.pk}/",
    }
    return webhook_emit(client_id=run.requirement.client_id, event=event, data=data)


def webhook_emit_engagement(*, engagement: Engagement, change: dict) -> list[int]:
    """engagement.updated; `change` is {"kind": created|status|fte, "from": ..., "to": ...}."""
    data = {
        "engagement": {
            "id": engagement.pk,
            "requirement": engagement.requirement_id,
            "client": engagement.client_id,
            "vendor": engagement.vendor_id,
            "status": engagement.status,
            "agreed_rate": engagement.agreed_rate,
            "currency": engagement.currency,
            "fte": engagement.fte,
            "start_date": engagement.start_date,
            "end_date": engagement.end_date,
            "updated_at": engagement.updated_at,
        },
        "change": {"kind": change.get("kind", ""), "from": change.get("from"), "to": change.get("to")},
        "url": f"/api/v1/engagements/{engagement.pk}/",
    }
    return webhook_emit(client_id=engagement.client_id, event=WebhookEvent.ENGAGEMENT_UPDATED, data=data)


def webhook_emit_proposal_submitted(*, proposal: Proposal, invitation: RfpInvitation, client_id: int) -> list[int]:
    """proposal.submitted: who submitted and which revision, never the offer itself
    (proposals stay sealed until the RFP opens; read them at /rfps/{id}/proposals/)."""
    data = {
        "proposal": {
            "id": proposal.pk,
            "rfp": invitation.rfp_id,
            "invitation": invitation.pk,
            "vendor": invitation.vendor_id,
            "status": proposal.status,
            "revision": proposal.revision,
            "submitted_at": proposal.submitted_at,
        },
        "url": f"/api/v1/rfps/{invitation.rfp_id}/",
    }
    return webhook_emit(client_id=client_id, event=WebhookEvent.PROPOSAL_SUBMITTED, data=data)


def webhook_emit_vendors_updated(*, vendor_ids: list[int], changed_at: datetime) -> list[int]:
    """vendor.updated to every subscribed endpoint (vendors are not client-owned),
    at most VENDORS_PER_DELIVERY vendors per delivery, in one bulk insert."""
    from vendors.models import Vendor

    if not vendor_ids:
        return []
    targets = _subscribed(
        WebhookEndpoint.objects.filter(is_active=True).only("id", "events"), WebhookEvent.VENDOR_UPDATED
    )
    if not targets:
        return []
    rows = list(
        Vendor.objects.filter(pk__in=vendor_ids)
        .order_by("pk")
        .values("id", "slug", "name", "is_active", "verified", "updated_at")
    )
    chunks = [
        {"vendors": rows[i : i + VENDORS_PER_DELIVERY], "changed_at": changed_at}
        for i in range(0, len(rows), VENDORS_PER_DELIVERY)
    ]
    return _outbox_write(targets, WebhookEvent.VENDOR_UPDATED, chunks) if chunks else []


# -- sending -------------------------------------------------------------------------------


def webhook_dispatch(*, delivery_ids: list[int], countdown: float | None = None) -> int:
    """Send delivery tasks to the broker. A broker outage loses nothing: the rows
    stay pending and the sweeper sends them again."""
    sent = 0
    for delivery_id in delivery_ids:
        if not task_send("engagements.tasks.webhook_deliver", delivery_id, countdown=countdown):
            break
        sent += 1
    return sent


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2^(n-1)))."""
    ceiling = min(settings.WEBHOOK_BACKOFF_CAP_SECONDS, settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
    return random.uniform(0, ceiling)


def countdown_limit() -> int:
    """The longest countdown given to the broker: well under the Redis visibility
    timeout (a longer one is delivered twice). Longer waits rely on the sweeper."""
    return min(900, settings.CELERY_VISIBILITY_TIMEOUT // 2)


def webhook_signature_headers(*, secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    timestamp = datetime.fromtimestamp(int(at.timestamp()), tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
    }


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def _guarded_create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
    # Check the address actually connected to, after resolution: a name that
    # resolved to a public address when the endpoint was saved may point inside later.
    sock = socket.create_connection(address, timeout, source_address, **kwargs)
    peer = sock.getpeername()[0]
    if not _address_allowed(peer):
        sock.close()
        raise WebhookUrlRefused(f"refused to connect to the private or reserved address {peer}")
    return sock


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST once. Redirects are never followed (a 3xx is a failure), only http(s)."""
    parts = urlsplit(url)
    problem = webhook_url_problem_offline(url)
    if problem:
        return Outcome(ok=False, error=f"refused: {problem}")
    assert parts.hostname is not None  # webhook_url_problem_offline refuses a URL without a host
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    connection._create_connection = _guarded_create_connection  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        code = response.status
        if 200 <= code < 300:
            return Outcome(ok=True, status_code=code)
        snippet = response.read(ERROR_BODY_CHARS).decode("utf-8", "replace")
        if 300 <= code < 400:
            return Outcome(ok=False, status_code=code, error=f"redirects are not followed ({code})")
        return Outcome(ok=False, status_code=code, error=f"HTTP {code}: {snippet}".strip())
    except WebhookUrlRefused as exc:
        return Outcome(ok=False, error=f"refused: {exc}")
    except TimeoutError:
        return Outcome(ok=False, error=f"timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:ERROR_BODY_CHARS])
    finally:
        connection.close()


def webhook_delivery_attempt(*, delivery_id: int) -> str:
    """The body of the delivery task: claim, send once, record. Returns what
    happened (for logs and tests). Safe to run twice for one row: only one
    claim succeeds, and a delivery that is not due is left alone."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "not-pending"
    if not delivery.endpoint.is_active:
        return "endpoint-disabled"
    now = timezone.now()
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return "not-due"  # waiting for its backoff, or claimed by a worker right now
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        # The last attempt's worker died mid-send: nothing left to try.
        _record_failure(delivery, delivery.attempts, Outcome(ok=False, error=delivery.last_error or "worker lost"))
        return "gave-up"
    # The claim: attempts is the version, next_attempt_at the lease. A second
    # worker holding the same message finds either changed and backs off.
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, attempts=delivery.attempts)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return "not-claimed"
    attempt = delivery.attempts + 1
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **webhook_signature_headers(
            secret=delivery.endpoint.secret, msg_id=f"msg_{delivery.event_id.hex}", body=body, at=now
        ),
    }
    outcome = _post(delivery.endpoint.url, body.encode(), headers, float(settings.WEBHOOK_TIMEOUT_SECONDS))
    if outcome.ok:
        _record_success(delivery, attempt, outcome)
        return "succeeded"
    return _record_failure(delivery, attempt, outcome)


@transaction.atomic
def _record_success(delivery: WebhookDelivery, attempt: int, outcome: Outcome) -> None:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=attempt).update(
        status=DeliveryStatus.SUCCEEDED,
        delivered_at=now,
        next_attempt_at=None,
        last_status_code=outcome.status_code,
        last_error="",
    )
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(consecutive_failures=0)


@transaction.atomic
def _record_failure(delivery: WebhookDelivery, attempt: int, outcome: Outcome) -> str:
    now = timezone.now()
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=attempt)
    if attempt < settings.WEBHOOK_MAX_ATTEMPTS:
        delay = backoff_seconds(attempt)
        if (
            mine.update(
                next_attempt_at=now + timedelta(seconds=delay),
                last_status_code=outcome.status_code,
                last_error=outcome.error[: ERROR_BODY_CHARS + 40],
            )
            and delay <= countdown_limit()
            and not settings.CELERY_TASK_ALWAYS_EAGER
        ):
            # Embedded (eager) mode would run a countdown at once, in a loop: there
            # retries wait for the sweeper of a real deployment instead.
            transaction.on_commit(lambda: webhook_dispatch(delivery_ids=[delivery.pk], countdown=delay))
        return "retry"
    if not mine.update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        last_status_code=outcome.status_code,
        last_error=outcome.error[: ERROR_BODY_CHARS + 40],
    ):
        return "claim-lost"
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).values_list("consecutive_failures", flat=True)
    if (failures.first() or 0) >= settings.WEBHOOK_DISABLE_AFTER:
        webhook_endpoint_disable(
            endpoint_id=delivery.endpoint_id,
            reason=f"{settings.WEBHOOK_DISABLE_AFTER} deliveries in a row failed every attempt; last error: "
            f"{outcome.error}"[:200],
        )
    return "failed"


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again with a fresh budget of attempts, under the same
    webhook-id (receivers deduplicate on it)."""
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists():
        raise WebhookError("The endpoint is disabled: enable it first.")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_status_code=None,
        last_error="",
        delivered_at=None,
    )
    transaction.on_commit(lambda: webhook_dispatch(delivery_ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_sweep() -> dict[str, int]:
    """Periodic: send again the pending deliveries that are due but whose message
    was lost (broker down at commit, worker died mid-send, or a backoff longer
    than a broker countdown may safely be)."""
    cutoff = timezone.now() - timedelta(seconds=SWEEP_GRACE_SECONDS)
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, endpoint__is_active=True, next_attempt_at__lte=cutoff
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return {"due": len(due), "sent": webhook_dispatch(delivery_ids=due) if due else 0}
