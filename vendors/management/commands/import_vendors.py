import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vendors.csv_io import vendor_csv_import


class Command(BaseCommand):
    help = (
        "Create and update vendors from a CSV file (format in vendors/csv_io/). Every row is validated "
        "first; with any error nothing is imported and the command exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file (UTF-8), or - for standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count the changes; write nothing.")
        parser.add_argument("--actor", help="Username recorded as the author in the change history.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, path: str, dry_run: bool, actor: str | None, no_progress: bool, verbosity: int, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user {actor}.")
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            bar = bars.get(phase)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[phase] = tqdm(
                    total=total, unit="vendor", desc=phase, disable=no_progress or verbosity == 0, file=self.stderr
                )
            if total is not None:
                bar.total = total
            bar.update(done - bar.n)

        try:
            if path == "-":
                report = vendor_csv_import(sys.stdin, dry_run=dry_run, actor=user, progress=progress)
            else:
                try:
                    stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
                except OSError as error:
                    raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
                with stream:
                    report = vendor_csv_import(stream, dry_run=dry_run, actor=user, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        if not report.ok:
            for row_error in report.errors:
                self.stderr.write(str(row_error))
            if report.error_count > len(report.errors):
                self.stderr.write(f"... and {report.error_count - len(report.errors)} more errors.")
            raise CommandError(f"{report.error_count} errors: nothing was imported.", returncode=1)
        if verbosity:
            verb = "would be" if dry_run else "were"
            self.stdout.write(
                f"{report.created} vendors {verb} created, {report.updated} updated, {report.unchanged} unchanged."
            )
