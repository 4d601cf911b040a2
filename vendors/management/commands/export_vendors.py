import resource
import time

from django.core.management.base import BaseCommand, CommandError

from vendors.csv_io import vendor_csv_export
from vendors.exports import services as exports
from vendors.models import Vendor


class Command(BaseCommand):
    help = (
        "Export every vendor as CSV (one row per vendor; format in vendors/csv_io/) to a file or stdout; "
        "with --job, run a background export job here (the worker's code path) and report its count, "
        "SHA-256, size, time and peak memory: the export benchmark."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="Output file (default: - for standard output).")
        parser.add_argument("--active-only", action="store_true", help="Leave out deactivated vendors.")
        parser.add_argument(
            "--job",
            action="store_true",
            help="Create a VendorExport job and run it in this process (file in VENDOR_EXPORT_DIR; no path).",
        )

    def handle(self, *args, path: str, active_only: bool, job: bool, verbosity: int, **options):
        if job:
            return self._job(active_only=active_only, path=path)
        queryset = Vendor.objects.filter(is_active=True) if active_only else Vendor.objects.all()
        if path == "-":
            vendor_csv_export(queryset, self.stdout)  # csv rows end with a line break: written as they are
            return
        with open(path, "w", encoding="utf-8", newline="") as stream:
            count = vendor_csv_export(queryset, stream)
        if verbosity:
            self.stderr.write(f"Exported {count} vendors to {path}.")

    def _job(self, *, active_only: bool, path: str) -> None:
        if path != "-":
            raise CommandError("--job writes to VENDOR_EXPORT_DIR; give no path.")
        export = exports.vendor_export_start(actor=None, active_only=active_only)
        started = time.perf_counter()
        outcome = exports.vendor_export_execute(export_id=export.pk, task_id=f"command-{export.pk}")
        seconds = time.perf_counter() - started
        export.refresh_from_db()
        if outcome != "succeeded":
            raise CommandError(f"Export #{export.pk}: {outcome} {export.error}")
        rate = (export.row_count or 0) / seconds if seconds else 0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Export #{export.pk}: {export.row_count} vendors, {export.size} bytes, sha256 {export.sha256}\n"
            f"file {exports.export_directory() / export.file_path}\n"
            f"{seconds:.1f} s ({rate:,.0f} vendors/s), peak RSS {peak_mb:.0f} MB"
        )
