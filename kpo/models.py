from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The platform's user. A user belongs to at most one organization through
    `engagements.Membership` (a client organization or a vendor firm); staff
    operate the platform through the admin."""

    email = models.EmailField("email address", blank=True, db_index=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class WorkerHeartbeat(models.Model):
    """One row per worker host, touched by the periodic heartbeat task.

    Workers have been seen to stop consuming silently after a broker restart;
    /readyz reports the age of the newest beat so that is visible."""

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
