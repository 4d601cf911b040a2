"""The vendor export job: one CSV file of every vendor, written in the background.

Re-exported by vendors/models.py (Django and the migrations look there)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VendorExportStatus(models.TextChoices):
    # The values are the API's (as a match run's); the labels say what a staff member waits for.
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Exporting")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")


class VendorExport(models.Model):
    """A requested export. The row is the outbox of its task (a pending row whose
    message was lost is sent again by the sweeper) and the record of its file: a
    succeeded row always names a file with its row count, SHA-256 and size (a
    database constraint), and nothing else is ever served for download."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=VendorExportStatus.choices, default=VendorExportStatus.PENDING)
    active_only = models.BooleanField(default=False)
    # Progress: vendors counted when the attempt started, and written so far.
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    # The finished file: vendor rows (the header not counted), SHA-256 (hex) and bytes.
    row_count = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # Relative to settings.VENDOR_EXPORT_DIR (a private directory: never served as media).
    file_path = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Each claim counts an attempt; the attempt number also fences a writer whose
    # claim was taken over (it may neither report progress nor finish).
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="vendor_export_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VendorExportStatus.values), name="vendor_export_status_valid"
            ),
            # A succeeded export always states its file: count, checksum and size.
            models.CheckConstraint(
                condition=~Q(status=VendorExportStatus.SUCCEEDED)
                | (
                    Q(row_count__isnull=False, size__isnull=False, finished_at__isnull=False)
                    & Q(sha256__regex=r"^[0-9a-f]{64}$")
                    & ~Q(file_path="")
                ),
                name="vendor_export_succeeded_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"Vendor export {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (VendorExportStatus.SUCCEEDED, VendorExportStatus.FAILED)

    @property
    def progress(self) -> int:
        """0-100: rows written of the vendors counted at the start (100 only once succeeded)."""
        if self.status == VendorExportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))
