from django.core.management.base import BaseCommand

from vendors.csv_io import vendor_csv_export
from vendors.models import Vendor


class Command(BaseCommand):
    help = "Export every vendor as CSV (one row per vendor; format in vendors/csv_io/) to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="Output file (default: - for standard output).")
        parser.add_argument("--active-only", action="store_true", help="Leave out deactivated vendors.")

    def handle(self, *args, path: str, active_only: bool, verbosity: int, **options):
        queryset = Vendor.objects.filter(is_active=True) if active_only else Vendor.objects.all()
        if path == "-":
            vendor_csv_export(queryset, self.stdout)  # csv rows end with a line break: written as they are
            return
        with open(path, "w", encoding="utf-8", newline="") as stream:
            count = vendor_csv_export(queryset, stream)
        if verbosity:
            self.stderr.write(f"Exported {count} vendors to {path}.")
