from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from kpo.codes import validate_timezone


class User(AbstractUser):
    """The platform's user. A user belongs to at most one organization through
    `engagements.Membership` (a client organization or a vendor firm); staff
    operate the platform through the admin."""

    email = models.EmailField("email address", blank=True, db_index=True)
    # The zone this user reads date-times in; empty: their organization's (a client's own zone,
    # a vendor firm's main delivery centre's), see engagements/organizations/timezones.py.
    # Nullable without a default, so SQLite adds the column in place.
    time_zone = models.CharField(_("time zone"), max_length=64, null=True, blank=True, validators=[validate_timezone])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class WorkerHeartbeat(models.Model):
    """One row per worker host, touched by the periodic heartbeat task.

    Workers have been seen to stop consuming silently after a broker restart;
    /readyz reports the age of the newest beat so that is visible."""

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): stored as a digest, never recoverable;
    several per user, each named, with an optional expiry, revocable, with the
    time it was last used."""

    name = models.CharField(max_length=100, default="API token")
    last_used_at = models.DateTimeField(null=True, blank=True)

    # knox is untyped, so mypy cannot see its AuthTokenManager (a Manager of this model);
    # naming the type lets the stubs build User.auth_token_set. Annotation only: no runtime change.
    _default_manager: ClassVar["models.Manager[ApiToken]"]

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for
    the same user, key and body for 24 hours. `status_code` is null while the
    first request is still being processed (a concurrent duplicate waits or
    gets 409)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"


class Tombstone(models.Model):
    """A deleted or deactivated object, so a client syncing by change number
    learns it is gone. `change_seq` comes from the same always-increasing
    counter as the live rows' change numbers. Scoping ids are plain integers
    (kpo sits below vendors and engagements)."""

    resource = models.CharField(max_length=20)  # "vendor" | "requirement" | "engagement"
    object_id = models.BigIntegerField()
    external_id = models.CharField(max_length=100, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    vendor_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=20, default="deleted")  # "deleted" | "deactivated"
    change_seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "change_seq"], name="tombstone_resource_seq_idx")]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_id} {self.reason} @ {self.change_seq}"
