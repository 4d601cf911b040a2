"""`make bench-matching` (manage.py bench_matching) runs end to end on a small pool and
reports the run beside its references: the raw read and the COPY physical limit. Times are
printed, never asserted."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagements.models import MatchRun

pytestmark = pytest.mark.django_db


def test_the_benchmark_runs_matching_and_reports_it_against_the_copy_limit():
    out = StringIO()
    call_command("bench_matching", vendors=120, repeat=1, allow_modify=True, stdout=out)
    report = out.getvalue()

    assert MatchRun.objects.filter(status="succeeded").count() == 2  # the timed run and the traced one
    for line in ("end-to-end run", "raw SQL read of features", "COPY of the feature columns", "ratio run / COPY"):
        assert re.search(rf"{re.escape(line)}\s*: \d+\.\d+", report), report
    eligible = re.search(r"Eligible: (\d+) of (\d+)", report)
    assert eligible and int(eligible.group(1)) > 0, report


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_times_runs_through_a_real_worker(settings):
    settings.MATCH_CHUNK_SIZE = 50  # this process's runs; the worker reads its own settings
    out = StringIO()
    call_command("bench_matching", vendors=60, repeat=1, allow_modify=True, worker_processes=1, stdout=out)
    report = out.getvalue()

    assert re.search(r"through a worker\s*: \d+\.\d+ s \(median of 1; 1 processes", report), report
    # The in-process runs (timed and traced), then the worker's.
    assert MatchRun.objects.filter(status="succeeded").count() == 3


def test_the_benchmark_refuses_a_database_it_may_not_rewrite():
    with pytest.raises(CommandError, match="rewrites vendor domains"):
        call_command("bench_matching", vendors=10, repeat=1, stdout=StringIO())
