"""Benchmark a worst-case match run (hard constraints exclude few vendors).

    python manage.py bench_matching --vendors 100000

Prints the raw SQL read time of the candidate features a run needs, the
end-to-end run time (claim, read, score, persist: what the worker does), the
scoring time alone, peak memory of the run, the ratio run / raw read, and the
physical limit measured in the same run: COPY of only the columns scoring reads
(the vendors' own features and their domains, skills, centres, languages and
rates), as text into a sink, with the ratio run / COPY.

With --worker-processes N it also times runs as deployed: created, sent to a real Celery
worker with N processes on the same database and broker, claimed and scored there (above
MATCH_CHUNK_SIZE active vendors a run fans out into chunk tasks the processes share) until it
has succeeded.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from engagements.demo import seed_demo
from engagements.matching import candidates, runs
from engagements.matching.scorer import Scorer
from engagements.models import ClientOrganization, MatchRun, Requirement, RequirementSkill
from vendors.models import ExpertiseArea, Skill, Vendor

BENCH_DOMAIN = "data_analytics"
BENCH_SKILLS = [("sql", 3, "2"), ("python-analytics", 3, "1"), ("bi-dashboards", 3, "1")]


class Command(BaseCommand):
    help = "Benchmark matching on a worst-case requirement; prints read, run and scoring times and memory."

    def add_arguments(self, parser):
        parser.add_argument(
            "--vendors", type=int, default=100000, help="Pool size to seed if the database has fewer vendors."
        )
        parser.add_argument("--repeat", type=int, default=3, help="Runs to time (the median is reported).")
        parser.add_argument(
            "--worker-processes",
            type=int,
            default=0,
            help="Also time runs through a Celery worker with this many processes (0: not).",
        )
        parser.add_argument(
            "--allow-modify",
            action="store_true",
            help="Needed unless the database name contains 'bench': every vendor is given the bench domain.",
        )

    def handle(self, *args, vendors: int, repeat: int, allow_modify: bool, worker_processes: int, **options):
        db_name = str(connection.settings_dict["NAME"])
        if "bench" not in db_name and not allow_modify:
            raise CommandError(
                f"This benchmark rewrites vendor domains; use a *bench* database or --allow-modify (database: {db_name})."
            )
        existing = Vendor.objects.count()
        if existing < vendors:
            self.stdout.write(f"Seeding {vendors} vendors (the database has {existing})...")
            started = time.perf_counter()
            seed_demo(seed=42, vendors=vendors)
            self.stdout.write(f"  seeded in {time.perf_counter() - started:.1f} s")
        requirement = self._worst_case_requirement()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh planner statistics after bulk loads, as autovacuum would give
        chunk_size = settings.MATCH_CHUNK_SIZE  # the worker's (it reads the settings itself)
        # One task streaming the whole pool: the path whose read/run ratio and memory are measured.
        settings.MATCH_CHUNK_SIZE = max(settings.MATCH_CHUNK_SIZE, Vendor.objects.count() + 1)
        context = candidates.build_context(requirement, top_k=settings.MATCH_TOP_K, today=timezone.localdate())
        active = candidates.active_vendors().count()
        self.stdout.write(
            f"Pool: {active} active vendors; engine {connection.vendor}; stream size {settings.MATCH_STREAM_SIZE}."
        )

        raw_times, score_times, run_times, peaks = [], [], [], []
        baseline_rss = _rss_mb()
        for _ in range(repeat):
            run_times.append(self._run(requirement)[1])
        run_rss = _rss_mb()  # peak of the process so far: seeding aside, that is the runs
        tracemalloc.start()  # a separate, untimed run: tracing slows Python down severalfold
        run, _ = self._run(requirement)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        for _ in range(repeat):
            raw_times.append(self._raw_read(context))
        for _ in range(repeat):
            score_times.append(self._scoring_only(context))
        raw, scoring, end_to_end = (statistics.median(v) for v in (raw_times, score_times, run_times))
        copy = (
            statistics.median(self._copy_reference() for _ in range(repeat))
            if connection.vendor == "postgresql"
            else None
        )
        self.stdout.write(
            f"Eligible: {run.candidates_eligible} of {run.candidates_total}; exclusions {run.exclusions}; results {run.results.count()}."
        )
        self.stdout.write(f"raw SQL read of features : {raw:.3f} s (median of {repeat})")
        self.stdout.write(f"scoring alone            : {scoring:.3f} s")
        self.stdout.write(f"end-to-end run           : {end_to_end:.3f} s")
        self.stdout.write(f"ratio run / raw read     : {end_to_end / raw:.2f}")
        if copy is not None:
            self.stdout.write(f"COPY of the feature columns: {copy:.3f} s (the physical limit)")
            self.stdout.write(f"ratio run / COPY         : {end_to_end / copy:.2f}")
        self.stdout.write(f"peak Python memory of run: {max(peaks) / 2**20:.1f} MiB (tracemalloc)")
        self.stdout.write(f"peak process RSS in runs : {run_rss:.0f} MiB (before the runs: {baseline_rss:.0f} MiB)")
        if worker_processes > 0:
            worker_times, chunks = self._through_worker(requirement, worker_processes, repeat)
            self.stdout.write(
                f"through a worker         : {statistics.median(worker_times):.3f} s (median of {repeat}; "
                f"{worker_processes} processes, {chunks or 'no'} chunk tasks of up to {chunk_size} vendors; "
                "created -> succeeded)"
            )

    def _run(self, requirement: Requirement) -> tuple[MatchRun, float]:
        run = MatchRun.objects.create(requirement=requirement)
        started = time.perf_counter()
        outcome = runs.match_run_execute(run_id=run.pk, task_id=f"bench-{run.pk}")
        elapsed = time.perf_counter() - started
        run.refresh_from_db()
        if outcome != "succeeded" or run.status != "succeeded":
            raise CommandError(f"run {run.pk} ended {outcome}/{run.status}: {run.error}")
        return run, elapsed

    def _through_worker(self, requirement: Requirement, processes: int, repeat: int) -> tuple[list[float], int]:
        """Runs created here and scored by a Celery worker of `processes` processes started for
        them (the deployed path), each timed from its creation until it has succeeded."""
        log_path = Path(tempfile.mkdtemp(prefix="kpo-bench-worker-")) / "worker.log"
        with log_path.open("w") as log:
            worker = subprocess.Popen(  # noqa: S603 - this interpreter and fixed arguments
                [sys.executable, "-m", "celery", "-A", "kpo", "worker", "-Q", "default,matching", "-P", "prefork"]
                + ["-c", str(processes), "-n", f"bench-{os.getpid()}@%h", "--without-mingle", "--without-gossip"]
                + ["--loglevel", "INFO"],
                env={**os.environ, "DATABASE_URL": _this_database_url()},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while "ready." not in log_path.read_text():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise CommandError(f"the worker did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            times, chunks = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                run = runs.match_run_create(requirement=requirement)
                while run.status not in ("succeeded", "failed"):
                    if time.perf_counter() - started > 900:
                        raise CommandError(f"run {run.pk} did not finish in 15 minutes")
                    time.sleep(0.02)
                    run.refresh_from_db(fields=["status", "error", "chunk_total"])
                if run.status != "succeeded":
                    raise CommandError(f"run {run.pk} failed: {run.error}")
                times.append(time.perf_counter() - started)
                chunks = run.chunk_total
            return times, chunks
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _worst_case_requirement(self) -> Requirement:
        domain = ExpertiseArea.objects.get(code=BENCH_DOMAIN)
        through = Vendor.domains.through
        missing = Vendor.objects.filter(is_active=True).exclude(domains=domain).values_list("id", flat=True)
        through.objects.bulk_create(
            [through(vendor_id=vid, expertisearea_id=domain.pk) for vid in missing], batch_size=10000
        )
        client, _ = ClientOrganization.objects.get_or_create(
            slug="bench-client",
            defaults={
                "name": "Bench Client",
                "country": "IT",
                "timezone": "Europe/Rome",
                "currency": "EUR",
                "working_hours_start": clock(9),
                "working_hours_end": clock(18),
            },
        )
        requirement, created = Requirement.objects.get_or_create(
            client=client,
            title="Bench: worst case (few exclusions)",
            defaults={
                "domain": domain,
                "budget_hourly_rate": Decimal("60"),
                "currency": "EUR",
                "estimated_hours": 1000,
                "fte_needed": Decimal("0.5"),
                "start_date": date.today(),
                "min_timezone_overlap_hours": Decimal("0"),
            },
        )
        if created:
            for code, minimum, weight in BENCH_SKILLS:
                RequirementSkill.objects.create(
                    requirement=requirement,
                    skill=Skill.objects.get(code=code),
                    min_proficiency=minimum,
                    weight=Decimal(weight),
                )
        return requirement

    def _ranges(self):
        bounds = candidates.active_vendors().order_by("id")
        lo = bounds.values_list("id", flat=True).first()
        hi = bounds.reverse().values_list("id", flat=True).first()
        return runs.id_ranges(lo, hi, settings.MATCH_STREAM_SIZE)

    def _copy_reference(self) -> float:
        """COPY ... TO STDOUT of only the columns scoring needs, for every active vendor,
        into a sink: what reading the features costs at the least."""
        statements = [
            "SELECT id, available_fte, verified, rating, review_count, milestones_accepted_count,"
            " milestones_on_time_count FROM vendors_vendor WHERE is_active",
            "SELECT vendor_id, expertisearea_id FROM vendors_vendor_domains",
            "SELECT vendor_id, skill_id, proficiency, years_experience FROM vendors_vendorskill",
            "SELECT vendor_id, country, timezone FROM vendors_deliverycenter",
            "SELECT vendor_id, code FROM vendors_vendorlanguage",
            "SELECT vendor_id, seniority, hourly_rate, currency FROM vendors_ratecard",
        ]
        sink = _Sink()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.copy_expert(f"COPY ({statement}) TO STDOUT", sink)
        return time.perf_counter() - started

    def _raw_read(self, context) -> float:
        """The same statements a run issues, fetched as raw tuples, nothing else."""
        elapsed = 0.0
        for lo, hi in self._ranges():
            started = time.perf_counter()
            sql, params = candidates.classify_sql(context, lo, hi)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                ids = [row[0] for row in rows if row[1] is None]
                for queryset in candidates.feature_querysets(context, lo, hi, ids).values():
                    feature_sql, feature_params = queryset.query.sql_with_params()
                    cursor.execute(feature_sql, feature_params)
                    cursor.fetchall()
            elapsed += time.perf_counter() - started
        return elapsed

    def _scoring_only(self, context) -> float:
        """Time the scoring maths alone, range by range (feature rows built untimed)."""
        scorer = Scorer(context.profile())
        resolve = candidates.SiteResolver(context)
        elapsed = 0.0
        for lo, hi in self._ranges():
            eligible = [row for row in candidates.classify(context, lo, hi) if row[1] is None]
            vendor_rows = list(candidates.vendor_rows(context, lo, hi, eligible, resolve))
            started = time.perf_counter()
            for row in vendor_rows:
                scorer.evaluate_row(row)
            elapsed += time.perf_counter() - started
        return elapsed


class _Sink:
    """A file that keeps nothing: COPY's output is counted, not stored."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _this_database_url() -> str:
    """DATABASE_URL naming the database this command reads (a test run's own, say)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/" + str(connection.settings_dict["NAME"]), parts.query, ""))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
