"""Settings come from the environment: each case runs Django in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST', ''), "
    "'debug': settings.DEBUG, 'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, "
    "'hosts': settings.ALLOWED_HOSTS, 'ssl_redirect': settings.SECURE_SSL_REDIRECT}))"
)
CLEAN_KEYS = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "STATICFILES_MANIFEST",
]


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_KEYS}
    environment.update(env, DJANGO_SETTINGS_MODULE="kpo.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def probe(**env: str) -> dict:
    result = run_django(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_sqlite_and_the_embedded_task_mode():
    values = probe(DEBUG="true")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["eager"] is True
    assert values["broker"] == "memory://"


def test_database_and_broker_urls_are_read_from_the_environment():
    values = probe(
        DEBUG="true",
        DATABASE_URL="postgres://kpo:secret@db.internal:5433/kpo_prod",
        CELERY_BROKER_URL="redis://cache.internal:6379/2",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "kpo_prod"
    assert values["host"] == "db.internal"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.internal:6379/2"


def test_allowed_hosts_is_a_comma_separated_list():
    values = probe(DEBUG="true", ALLOWED_HOSTS="kpo.example.com, api.kpo.example.com")
    assert values["hosts"] == ["kpo.example.com", "api.kpo.example.com"]


def test_secret_key_is_required_when_debug_is_off():
    result = run_django(PROBE, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_a_malformed_boolean_fails_fast():
    result = run_django(PROBE, DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_settings_pass_the_deploy_check_without_warnings():
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_KEYS}
    environment.update(
        DJANGO_SETTINGS_MODULE="kpo.settings",
        DEBUG="false",
        SECRET_KEY="p" * 20 + "-production-like-secret-key-with-enough-entropy-3f9a8b7c6d5e",
        ALLOWED_HOSTS="kpo.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_redirect_to_https():
    values = probe(DEBUG="false", SECRET_KEY="x" * 60)
    assert values["ssl_redirect"] is True


def test_the_visibility_timeout_must_exceed_the_hard_time_limit():
    result = run_django(PROBE, DEBUG="true", CELERY_TASK_TIME_LIMIT="900", CELERY_VISIBILITY_TIMEOUT="600")
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT" in result.stderr


def test_a_negative_token_purge_delay_fails_fast():
    result = run_django(PROBE, DEBUG="true", API_TOKEN_PURGE_AFTER_DAYS="-1")
    assert result.returncode != 0
    assert "API_TOKEN_PURGE_AFTER_DAYS must be 0 or more" in result.stderr


@pytest.mark.parametrize("days", ["0", "366"])
def test_a_default_token_term_outside_one_to_365_days_fails_fast(days):
    result = run_django(PROBE, DEBUG="true", API_TOKEN_DEFAULT_EXPIRY_DAYS=days)
    assert result.returncode != 0
    assert "API_TOKEN_DEFAULT_EXPIRY_DAYS must be between 1 and 365" in result.stderr


def test_a_benchmark_sample_below_one_fails_fast():
    result = run_django(PROBE, DEBUG="true", MATCH_BENCHMARK_MIN_SAMPLE="0")
    assert result.returncode != 0
    assert "MATCH_BENCHMARK_MIN_SAMPLE must be 1 or more" in result.stderr


def test_a_negative_document_cache_size_fails_fast():
    result = run_django(PROBE, DEBUG="true", VENDOR_DOCUMENT_CACHE_ENTRIES="-5")
    assert result.returncode != 0
    assert "VENDOR_DOCUMENT_CACHE_ENTRIES must be 0 (off) or more" in result.stderr


def test_postgresql_connections_plan_without_jit_or_parallel_workers_and_for_fast_storage_unless_asked(db):
    """The test database's own connection (same settings module), then what the variables change."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        workers = cursor.fetchone()[0]
        cursor.execute("SHOW random_page_cost")
        page_cost = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    assert (jit, workers, page_cost, work_mem) == ("off", "0", "1.1", "32MB")

    code = "import django; from django.conf import settings; django.setup(); print(settings.DATABASES['default']['OPTIONS']['options'])"
    url = "postgres://kpo:secret@db.internal:5433/kpo_prod"
    chosen = run_django(
        code,
        DEBUG="true",
        DATABASE_URL=url,
        DB_JIT="true",
        DB_PARALLEL_WORKERS_PER_QUERY="2",
        DB_RANDOM_PAGE_COST="4",
        DB_WORK_MEM_MB="64",
    )
    assert chosen.stdout.strip().splitlines()[-1] == (
        "-c jit=on -c max_parallel_workers_per_gather=2 -c random_page_cost=4 -c work_mem=64MB"
    )
    for wrong in ("cheap", "-1", "nan", "inf"):
        refused = run_django(code, DEBUG="true", DATABASE_URL=url, DB_RANDOM_PAGE_COST=wrong)
        assert refused.returncode != 0
        assert "DB_RANDOM_PAGE_COST must be" in refused.stderr
    for wrong in ("lots", "0"):
        refused = run_django(code, DEBUG="true", DATABASE_URL=url, DB_WORK_MEM_MB=wrong)
        assert refused.returncode != 0
        assert "DB_WORK_MEM_MB must be" in refused.stderr
