import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from engagements.demo import seed_demo
from engagements.demo.rfp import seed_demo_rfp


class Command(BaseCommand):
    help = "Load deterministic, idempotent demo data: vendors, clients, requirements, engagements and reviews."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42): same seed, same data.")
        parser.add_argument("--vendors", type=int, default=300, help="Number of vendors (default 300).")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Anchor date YYYY-MM-DD for relative dates (default: today).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, seed: int, vendors: int, today: date | None, no_progress: bool, verbosity: int, **options):
        if vendors < 0:
            raise CommandError("--vendors must be zero or more.")
        started = time.perf_counter()
        with tqdm(total=vendors, unit="vendor", desc="Seeding vendors", disable=no_progress or verbosity == 0) as bar:
            report = seed_demo(seed=seed, vendors=vendors, today=today, progress=bar.update)
        rfp = seed_demo_rfp(today=today)
        if connection.vendor == "postgresql":
            # Fresh planner statistics: after a bulk load the planner otherwise guesses
            # (a 50-vendor API page took 600 ms on a nested loop before ANALYZE, 10 ms after).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        if verbosity == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Vendors: {report.vendors_created} created, {report.vendors_existing} already present. "
                f"Clients: {report.clients_created} created. Requirements: {report.requirements_created} created. "
                f"Engagements: {report.engagements_created} created, reviews: {report.reviews_created}. "
                f"Users: {report.users_created} created."
            )
        )
        if rfp is not None:
            self.stdout.write(f"Request for proposal: “{rfp.title}”, {rfp.invitations.count()} vendors invited.")
        self.stdout.write(f"Finished in {elapsed:.1f} s.")
        self.stdout.write("\nDemo logins (demo data only: change or delete these accounts anywhere public):")
        for role, username, password in report.logins:
            self.stdout.write(f"  {role:<50} username: {username:<10} password: {password}")
