"""Settings for the test suite: the real services, with test-only secrets.

Tests talk to a real PostgreSQL and a real Redis: the throwaway ones `make test`
starts (tests/harness), or the servers DATABASE_URL and CELERY_BROKER_URL name.
There is no default server: tests/conftest.py stops a run that has none, so a
hand-run pytest never lands on a PostgreSQL or Redis that belongs to someone else.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("STATICFILES_MANIFEST", "false")
# Close connections after each request and task, so the test database can be dropped at the end.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# Throttle counters live in Redis and outlive each test's rollback: generous limits keep
# tests independent of their order; the throttling tests set their own rates.
for _scope in ("API_THROTTLE_USER", "API_THROTTLE_ANON", "API_THROTTLE_TOKEN_CREATE"):
    os.environ.setdefault(_scope, "100000/min")

from kpo.settings import *  # noqa: E402,F403

# A test database name of this run's own (tests/harness sets the id): on a server the caller
# gives, the run creates and drops only its own database, never one that was already there.
if os.environ.get("KPO_TEST_RUN_ID"):
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.environ['KPO_TEST_RUN_ID']}"}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Outermost: every /api/v1/ answer a test receives is checked against the OpenAPI schema
# (tests/contract.py); a mismatch fails the test that received it (tests/conftest.py).
MIDDLEWARE = ["tests.contract.ContractMiddleware", *MIDDLEWARE]  # noqa: F405
